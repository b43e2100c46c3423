/**
 * The failover manager: what Patroni and its DCS do for a PostgreSQL cluster, in one node. It grants
 * the primary a lease on each heartbeat; when heartbeats stop for `failoverAfterMs` it starts a new
 * epoch, asks the standbys how far they have flushed, and promotes the most advanced one once enough
 * have answered that one of them must hold every synchronously acknowledged commit: with k
 * synchronous standbys among m named candidates, any m − k + 1 of them overlap every set of k that
 * acknowledged a commit. Then every other node is told to follow the new primary, again and again,
 * so a node that was away (the old primary included) hears it when it comes back.
 *
 * The manager stands in for a replicated, consistent store (etcd, Consul, ZooKeeper): the nemesis
 * never crashes or isolates it, because losing it is a different failure from the one studied here.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { ManagerMessage, ReplicationMessage, ReplicationMutant } from './messages';

export interface ManagerConfig {
  readonly dataNodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly initialPrimary: NodeId;
  readonly leaseMs: number;
  /** Heartbeats missing this long start a failover (must exceed the lease when nodes are fenced). */
  readonly failoverAfterMs: number;
  readonly autoFailover: boolean;
  readonly tickMs: number;
  /** How often every non-primary node is told whom to follow. */
  readonly announceMs: number;
  /** The named synchronous standbys and how many of them acknowledge a commit (0: asynchronous). */
  readonly syncNames: readonly NodeId[];
  readonly syncCount: number;
  readonly mutant?: ReplicationMutant;
}

export interface FailoverRecord {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly timeline: number;
  /** Manager's clock when heartbeats were declared missing, and when the promotion was confirmed. */
  readonly startedAt: number;
  readonly promotedAt: number;
  readonly forkLsn: number;
}

const STATE = 'manager-state';

interface PersistedState {
  readonly primary: NodeId;
  readonly timeline: number;
  readonly epochs: number;
  /** A failover under way: a restarted manager must finish it, never grant the old primary a lease again. */
  readonly failover?: { readonly epoch: number; readonly from: NodeId; readonly chosen?: NodeId };
}

interface Failover {
  readonly epoch: number;
  readonly from: NodeId;
  readonly startedAt: number;
  readonly replies: Map<NodeId, number>;
  chosen: NodeId | undefined;
}

export class FailoverManager implements SimNode<ReplicationMessage> {
  primary: NodeId;
  timeline = 1;
  private lastHeartbeat: number;
  private lastAnnounce = -Infinity;
  private failover: Failover | undefined;
  readonly failovers: FailoverRecord[] = [];

  /** The highest epoch ever handed out: a failover after a restart never reuses one. */
  private epochs = 1;

  constructor(
    private readonly env: Env<ReplicationMessage>,
    private readonly config: ManagerConfig,
  ) {
    this.primary = config.initialPrimary;
    const stored = env.disk.read(STATE);
    if (stored) {
      const state = JSON.parse(new TextDecoder().decode(stored)) as PersistedState;
      this.primary = state.primary;
      this.timeline = state.timeline;
      this.epochs = state.epochs;
      if (state.failover)
        this.failover = {
          epoch: state.failover.epoch,
          from: state.failover.from,
          startedAt: env.now(),
          replies: new Map(),
          chosen: state.failover.chosen,
        };
    }
    this.lastHeartbeat = env.monotonic();
    this.tick();
  }

  /** What a DCS keeps durably: the leader, its timeline and the epochs used. */
  private persist(): void {
    const f = this.failover;
    const state: PersistedState = {
      primary: this.primary,
      timeline: this.timeline,
      epochs: this.epochs,
      ...(f
        ? {
            failover: {
              epoch: f.epoch,
              from: f.from,
              ...(f.chosen !== undefined ? { chosen: f.chosen } : {}),
            },
          }
        : {}),
    };
    this.env.disk.write(STATE, new TextEncoder().encode(JSON.stringify(state)));
    this.env.disk.sync();
  }

  snapshot(): unknown {
    return {
      primary: this.primary,
      timeline: this.timeline,
      failingOver: this.failover !== undefined,
      failovers: this.failovers.length,
    };
  }

  get failingOver(): boolean {
    return this.failover !== undefined;
  }

  onMessage(from: NodeId, msg: ReplicationMessage): void {
    switch (msg.type) {
      case 'lease-request':
        return this.onHeartbeat(from, msg);
      case 'position':
        if (this.failover && msg.epoch === this.failover.epoch) this.failover.replies.set(from, msg.flush);
        return this.progress();
      case 'promoted':
        return this.onPromoted(from, msg);
      case 'who-is-primary':
        this.env.send(from, { type: 'primary-is', primary: this.primary, timeline: this.timeline });
        return;
      default:
        return;
    }
  }

  private onHeartbeat(from: NodeId, msg: Extract<ManagerMessage, { type: 'lease-request' }>): void {
    if (from === this.primary && this.failover === undefined && msg.timeline === this.timeline) {
      this.lastHeartbeat = this.env.monotonic();
      this.env.send(from, { type: 'lease-grant', sentAt: msg.sentAt, leaseMs: this.config.leaseMs });
    } else if (from !== this.primary && this.failover === undefined) {
      this.env.send(from, { type: 'follow', primary: this.primary, timeline: this.timeline });
    }
  }

  private tick(): void {
    this.env.setTimer(this.config.tickMs, () => this.tick());
    const now = this.env.monotonic();
    if (
      this.config.autoFailover &&
      this.failover === undefined &&
      now - this.lastHeartbeat > this.config.failoverAfterMs
    ) {
      this.epochs = Math.max(this.epochs, this.timeline) + 1;
      this.failover = {
        epoch: this.epochs,
        from: this.primary,
        startedAt: this.env.now(),
        replies: new Map(),
        chosen: undefined,
      };
      this.persist();
      this.env.trace('failover', { from: this.primary, epoch: this.failover.epoch });
    }
    if (this.failover) return this.progress();
    if (now - this.lastAnnounce >= this.config.announceMs) {
      this.lastAnnounce = now;
      for (const id of this.config.dataNodes)
        if (id !== this.primary)
          this.env.send(id, { type: 'follow', primary: this.primary, timeline: this.timeline });
    }
  }

  /** Replies needed before choosing: enough named standbys that one holds every synchronous commit. */
  private needed(from: NodeId): number {
    if (mutantActive(this.config.mutant, 'promote-first-reply')) return 1;
    const named = this.config.syncNames.filter((id) => id !== from).length;
    if (this.config.syncCount === 0 || named === 0) return 1;
    return Math.max(1, named - this.config.syncCount + 1);
  }

  private progress(): void {
    const f = this.failover;
    if (!f) return;
    if (f.chosen === undefined) {
      const named = new Set(this.config.syncNames);
      let answered = 0;
      for (const id of f.replies.keys()) if (named.has(id) || this.config.syncCount === 0) answered++;
      if (mutantActive(this.config.mutant, 'promote-first-reply')) answered = f.replies.size;
      if (answered >= this.needed(f.from)) {
        let best: NodeId | undefined;
        let bestFlush = -1;
        for (const id of this.config.dataNodes) {
          const flush = f.replies.get(id);
          if (flush !== undefined && flush > bestFlush) {
            best = id;
            bestFlush = flush;
          }
        }
        f.chosen = best;
        // Durable before the first promote is sent: a restarted manager promotes the same node.
        if (best !== undefined) this.persist();
      }
    }
    if (f.chosen !== undefined) this.env.send(f.chosen, { type: 'promote', timeline: f.epoch });
    else
      for (const id of this.config.dataNodes)
        if (id !== f.from && !f.replies.has(id))
          this.env.send(id, { type: 'position-request', epoch: f.epoch });
  }

  private onPromoted(from: NodeId, msg: Extract<ManagerMessage, { type: 'promoted' }>): void {
    const f = this.failover;
    if (!f || from !== f.chosen || msg.timeline !== f.epoch) return;
    this.failover = undefined;
    this.failovers.push({
      from: f.from,
      to: from,
      timeline: f.epoch,
      startedAt: f.startedAt,
      promotedAt: this.env.now(),
      forkLsn: msg.forkLsn,
    });
    this.primary = from;
    this.timeline = f.epoch;
    this.persist();
    this.lastHeartbeat = this.env.monotonic();
    this.lastAnnounce = this.env.monotonic();
    for (const id of this.config.dataNodes)
      if (id !== from) this.env.send(id, { type: 'follow', primary: from, timeline: f.epoch });
    for (const id of this.config.clients)
      this.env.send(id, { type: 'primary-is', primary: from, timeline: f.epoch });
  }
}
