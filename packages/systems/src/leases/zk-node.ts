/**
 * A ZooKeeper-like server with what the leader-election recipe uses: sessions kept alive by pings and
 * expired after `sessionTimeoutMs` of silence (their ephemeral nodes deleted), ephemeral sequential
 * nodes under one parent, and one-shot watches: `exists` on a node (fires when it is deleted) and
 * `children` on the parent (fires when a child is added or removed). Each firing is one notification
 * message to one watcher, which is what the herd effect is made of.
 */
import { invariant, type Env, type SimNode } from '@dslab/sim';
import type { LeaseMessage, ZkMessage } from './messages';

/** Nodes under the election parent, at most (one per live session in the recipe). */
export const MAX_ZNODES = 4_096;
/** How often the server looks for expired sessions. */
export const SESSION_CHECK_MS = 20;

export interface ZkConfig {
  readonly sessionTimeoutMs: number;
}

export class ZkNode implements SimNode<LeaseMessage> {
  private sequence = 0;
  private readonly sessions = new Map<string, { client: string; lastHeard: number }>();
  /** Children of the election parent in creation order (so sorted by sequence number). */
  private readonly children: { name: string; session: string }[] = [];
  private readonly existsWatches = new Map<string, Set<string>>();
  private childWatches = new Set<string>();
  notifications = 0;
  deletions = 0;

  constructor(
    private readonly env: Env<LeaseMessage>,
    private readonly config: ZkConfig,
  ) {
    const sweep = () => {
      this.expireSessions();
      env.setTimer(SESSION_CHECK_MS, sweep);
    };
    env.setTimer(SESSION_CHECK_MS, sweep);
  }

  private touch(session: string, client: string): void {
    this.sessions.set(session, { client, lastHeard: this.env.monotonic() });
  }

  private expireSessions(): void {
    const now = this.env.monotonic();
    for (const [session, state] of this.sessions) {
      if (now - state.lastHeard < this.config.sessionTimeoutMs) continue;
      this.sessions.delete(session);
      for (const child of this.children.filter((c) => c.session === session)) this.remove(child.name);
    }
  }

  private notify(to: string, msg: ZkMessage): void {
    this.notifications++;
    this.env.send(to, msg);
  }

  private remove(name: string): void {
    const index = this.children.findIndex((c) => c.name === name);
    if (index < 0) return;
    this.children.splice(index, 1);
    this.deletions++;
    const watchers = this.existsWatches.get(name);
    this.existsWatches.delete(name);
    for (const client of watchers ?? []) this.notify(client, { type: 'zk-watch', event: 'deleted', name });
    this.childrenChanged(name);
  }

  private childrenChanged(name: string): void {
    const watchers = this.childWatches;
    this.childWatches = new Set();
    for (const client of watchers) this.notify(client, { type: 'zk-watch', event: 'children', name });
  }

  onMessage(from: string, msg: LeaseMessage): void {
    switch (msg.type) {
      case 'zk-ping':
        this.touch(msg.session, from);
        return;
      case 'zk-create': {
        this.touch(msg.session, from);
        invariant(this.children.length < MAX_ZNODES, 'zk children', () => `more than ${MAX_ZNODES} znodes`);
        const name = `lock-${String(++this.sequence).padStart(10, '0')}`;
        this.children.push({ name, session: msg.session });
        this.env.send(from, { type: 'zk-created', req: msg.req, name });
        this.childrenChanged(name);
        return;
      }
      case 'zk-children':
        this.touch(msg.session, from);
        if (msg.watch) this.childWatches.add(from);
        this.env.send(from, {
          type: 'zk-children-reply',
          req: msg.req,
          names: this.children.map((c) => c.name),
        });
        return;
      case 'zk-exists': {
        this.touch(msg.session, from);
        const exists = this.children.some((c) => c.name === msg.name);
        if (exists && msg.watch) {
          const watchers = this.existsWatches.get(msg.name) ?? new Set<string>();
          watchers.add(from);
          this.existsWatches.set(msg.name, watchers);
        }
        this.env.send(from, { type: 'zk-exists-reply', req: msg.req, name: msg.name, exists });
        return;
      }
      case 'zk-delete': {
        const child = this.children.find((c) => c.name === msg.name);
        if (child?.session === msg.session) this.remove(msg.name);
        return;
      }
      default:
        return;
    }
  }

  snapshot(): { children: readonly string[]; notifications: number; sessions: number } {
    return {
      children: this.children.map((c) => c.name),
      notifications: this.notifications,
      sessions: this.sessions.size,
    };
  }
}
