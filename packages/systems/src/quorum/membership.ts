/**
 * Gossip membership and failure detection (Dynamo §4.8, Cassandra's gossiper): every `gossipMs` a
 * node bumps its own heartbeat and exchanges its table of (member, heartbeat) with one random peer,
 * push-pull; each side keeps the larger (generation, heartbeat) per member — the generation, bumped on
 * every start and kept on disk, lets a restarted node's heartbeat count from zero again. A member whose heartbeat has not moved
 * for `failAfterMs` on this node's monotonic clock is believed down. A node that starts knowing only
 * its seeds learns the rest from the tables it is sent.
 */
import type { Env, NodeId } from '@dslab/sim';
import type { GossipMessage } from './messages';

/** Members one table holds, at most (a gossip from a larger cluster is cut to this many). */
export const MAX_MEMBERS = 512;

export interface MembershipConfig {
  readonly gossipMs: number;
  readonly failAfterMs: number;
}

interface Entry {
  generation: number;
  heartbeat: number;
  /** Monotonic time this node last saw the heartbeat move. */
  seenAt: number;
}

export class Membership {
  private readonly table = new Map<NodeId, Entry>();
  private heartbeat = 0;
  /** Gossip exchanges this node started (its rounds). */
  rounds = 0;

  constructor(
    private readonly env: Env<GossipMessage>,
    known: readonly NodeId[],
    private readonly generation: number,
    private readonly config: MembershipConfig,
  ) {
    const now = env.monotonic();
    for (const id of known)
      if (id !== env.id && this.table.size < MAX_MEMBERS)
        this.table.set(id, { generation: 0, heartbeat: 0, seenAt: now });
    // A random phase, so the cluster's rounds are not in lockstep.
    env.setTimer(config.gossipMs * env.random(), () => this.tick());
  }

  private tick(): void {
    this.heartbeat++;
    this.rounds++;
    const peers = [...this.table.keys()];
    if (peers.length > 0) {
      const peer = peers[Math.floor(this.env.random() * peers.length)] as NodeId;
      this.env.send(peer, { type: 'gossip', table: this.digest() });
    }
    this.env.setTimer(this.config.gossipMs, () => this.tick());
  }

  private digest(): [NodeId, number, number][] {
    const out: [NodeId, number, number][] = [[this.env.id, this.generation, this.heartbeat]];
    for (const [id, entry] of this.table) out.push([id, entry.generation, entry.heartbeat]);
    return out;
  }

  onMessage(from: NodeId, msg: GossipMessage): void {
    this.absorb(msg.table);
    if (msg.type === 'gossip') this.env.send(from, { type: 'gossip-reply', table: this.digest() });
  }

  private absorb(table: readonly (readonly [NodeId, number, number])[]): void {
    const now = this.env.monotonic();
    for (const [id, generation, heartbeat] of table) {
      if (id === this.env.id) continue;
      const entry = this.table.get(id);
      if (!entry) {
        if (this.table.size >= MAX_MEMBERS) continue;
        this.table.set(id, { generation, heartbeat, seenAt: now });
      } else if (
        generation > entry.generation ||
        (generation === entry.generation && heartbeat > entry.heartbeat)
      ) {
        entry.generation = generation;
        entry.heartbeat = heartbeat;
        entry.seenAt = now;
      }
    }
  }

  knows(id: NodeId): boolean {
    return id === this.env.id || this.table.has(id);
  }

  /** Believed up: this node, or a member whose heartbeat moved within `failAfterMs`. */
  isUp(id: NodeId): boolean {
    if (id === this.env.id) return true;
    const entry = this.table.get(id);
    return entry !== undefined && this.env.monotonic() - entry.seenAt < this.config.failAfterMs;
  }

  members(): NodeId[] {
    return [this.env.id, ...this.table.keys()];
  }

  get size(): number {
    return this.table.size + 1;
  }
}
