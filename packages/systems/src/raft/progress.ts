/**
 * The leader's view of its followers (etcd's raft/tracker): for each, what to send next, what it is known
 * to hold, which heartbeat round it last acknowledged, and whether it was heard from lately. A leader
 * builds it when elected and throws it away when it steps down: none of it survives a term.
 */
import type { NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';

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
  /** The AppendEntries carrying entries that are on their way to the peer or its reply is (flow control). */
  readonly inflight: Inflights;
}

/**
 * The AppendEntries with entries in flight to one follower, as the last index each carried, oldest first
 * (etcd's tracker.Inflights, its MaxInflightMsgs). While `capacity` are in flight the leader sends that
 * follower no message just for new entries: what is appended meanwhile waits, and leaves in one message
 * (up to the batch size) when an acknowledgement frees a slot, or with the next heartbeat or read round,
 * which go out regardless — so a busy leader sends a follower about one message per round trip instead
 * of one per proposal. An acknowledgement frees every message whose entries the follower now holds; a
 * refusal (the follower lacks entries: a message was lost, or overtaken) resets the window, and so does a
 * snapshot sent in their place.
 */
export class Inflights {
  /** Last index carried by each message in flight: a ring, `count` of them from `head`. */
  private readonly last: Float64Array;
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    invariant(
      Number.isInteger(capacity) && capacity >= 1,
      'raft config',
      () => `maxInflightAppends must be a whole number ≥ 1, got ${capacity}`,
    );
    this.last = new Float64Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /**
   * A message carrying entries up to `lastIndex` left. When the window is full (a heartbeat, which leaves
   * anyway, took the entries waiting) the newest slot stands for it too: it frees once both are held.
   */
  add(lastIndex: number): void {
    const newest = (this.head + this.size - 1 + this.capacity) % this.capacity;
    invariant(
      this.size === 0 || lastIndex > (this.last[newest] as number),
      'in-flight appends carry ever later entries',
      () => `${lastIndex} after ${this.last[newest]}`,
    );
    if (this.full) this.last[newest] = lastIndex;
    else this.last[(this.head + this.size++) % this.capacity] = lastIndex;
  }

  /** The follower holds everything up to `index`: the messages that carried no more are done. */
  freeUpTo(index: number): void {
    while (this.size > 0 && (this.last[this.head] as number) <= index) {
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
  }

  /** The leader goes back to an earlier index: whatever was in flight is superseded. */
  reset(): void {
    this.head = 0;
    this.size = 0;
  }
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
  /** Bumped whenever a peer's record is added, replaced or dropped (`byPosition` rebuilds then). */
  private version = 0;
  private alignedVoters: readonly NodeId[] | undefined;
  private alignedVersion = -1;
  private aligned: (Progress | undefined)[] = [];

  /** `maxInflight`: each follower's window of AppendEntries with entries in flight (see `Inflights`). */
  constructor(private readonly maxInflight: number) {}

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
    this.version++;
  }

  /**
   * Each of `voters`' records by its position in `voters` (undefined: the leader itself, or a voter not
   * tracked), the same records `get` finds. The quorum counts walk the voters on every acknowledgement:
   * by position they skip a map lookup per voter. Rebuilt when the voters or the records change.
   */
  byPosition(voters: readonly NodeId[]): readonly (Progress | undefined)[] {
    if (voters !== this.alignedVoters || this.version !== this.alignedVersion) {
      this.aligned = voters.map((voter) => this.peers.get(voter));
      this.alignedVoters = voters;
      this.alignedVersion = this.version;
    }
    return this.aligned;
  }

  /** A peer the leader knows nothing about yet: probe from the end of the leader's log (Raft §5.3). */
  add(peer: NodeId, lastIndex: number): void {
    this.version++;
    this.peers.set(peer, {
      next: lastIndex + 1,
      match: 0,
      ackedRound: 0,
      active: true,
      probing: false,
      sentAt: -Infinity,
      inflight: new Inflights(this.maxInflight),
    });
  }

  /** Tracks exactly the voters other than `self`: new ones are added, removed ones forgotten. */
  follow(voters: readonly NodeId[], self: NodeId, lastIndex: number): void {
    for (const peer of voters) if (peer !== self && !this.peers.has(peer)) this.add(peer, lastIndex);
    for (const peer of [...this.peers.keys()]) {
      if (!voters.includes(peer)) {
        this.peers.delete(peer);
        this.version++;
      }
    }
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
