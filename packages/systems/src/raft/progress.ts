/**
 * The leader's view of its followers (etcd's raft/tracker): for each, what to send next, what it is known
 * to hold, which heartbeat round it last acknowledged, and whether it was heard from lately. A leader
 * builds it when elected and throws it away when it steps down: none of it survives a term.
 */
import type { NodeId } from '@dslab/sim';

export interface Progress {
  /** Next index to send (advanced optimistically as entries are sent: pipelining). */
  next: number;
  /** Highest index known to be replicated on the peer. */
  match: number;
  /** Highest heartbeat round the peer acknowledged in this term (ReadIndex and leases count these). */
  ackedRound: number;
  /** Heard from since the last check-quorum tick. */
  active: boolean;
  /**
   * Looking for where the follower's log agrees, one entry back per refusal (only without fast back-off):
   * one probe at a time, so `next` does not advance as entries are sent.
   */
  probing: boolean;
  /** Monotonic time the leader last sent the peer an AppendEntries (its heartbeat may be skipped). */
  sentAt: number;
}

/** Notes that `p`'s follower acknowledged `round`; true when it is newer than any it acknowledged before. */
export function ackRound(p: Progress, round: number): boolean {
  if (round <= p.ackedRound) return false;
  p.ackedRound = round;
  return true;
}

export class ProgressTracker {
  /** Insertion order is the order a broadcast visits the peers in, so it is part of the trace. */
  private readonly peers = new Map<NodeId, Progress>();

  get(peer: NodeId): Progress | undefined {
    return this.peers.get(peer);
  }

  has(peer: NodeId): boolean {
    return this.peers.has(peer);
  }

  peerIds(): IterableIterator<NodeId> {
    return this.peers.keys();
  }

  clear(): void {
    this.peers.clear();
  }

  /** A peer the leader knows nothing about yet: probe from the end of the leader's log (Raft §5.3). */
  add(peer: NodeId, lastIndex: number): void {
    this.peers.set(peer, {
      next: lastIndex + 1,
      match: 0,
      ackedRound: 0,
      active: true,
      probing: false,
      sentAt: -Infinity,
    });
  }

  /** Tracks exactly the voters other than `self`: new ones are added, removed ones forgotten. */
  follow(voters: readonly NodeId[], self: NodeId, lastIndex: number): void {
    for (const peer of voters) if (peer !== self && !this.peers.has(peer)) this.add(peer, lastIndex);
    for (const peer of [...this.peers.keys()]) if (!voters.includes(peer)) this.peers.delete(peer);
  }

  /** Check-quorum: `self` and the peers heard from since the last call, whose marks are then cleared. */
  takeRecentlyActive(self: NodeId): Set<NodeId> {
    const heard = new Set<NodeId>([self]);
    for (const [peer, p] of this.peers) {
      if (p.active) heard.add(peer);
      p.active = false;
    }
    return heard;
  }

  /** Plain data for the lab: each follower's match and next index. */
  view(): Record<NodeId, { match: number; next: number }> {
    const view: Record<NodeId, { match: number; next: number }> = {};
    for (const [peer, p] of this.peers) view[peer] = { match: p.match, next: p.next };
    return view;
  }
}
