/**
 * What the network does to a message: per-link latency, loss, duplication, bandwidth, and who can
 * reach whom (partitions by groups, one-way blocks, bridges). The World asks `route()` for each send.
 */
import { sampleLatency, validateLatency, type LatencyModel } from './latency';
import type { NodeId } from './env';
import type { Rng } from './rng';

export interface LinkConfig {
  readonly latency: LatencyModel;
  /** Probability a message is lost. */
  readonly loss: number;
  /** Probability a message is delivered twice (the copy takes its own latency). */
  readonly duplicate: number;
  /** Deliver in send order on this link (TCP-like). Off: independent latencies reorder messages. */
  readonly fifo: boolean;
  /** Serialization limit; a busy link queues messages behind each other. Undefined: unlimited. */
  readonly bandwidthBytesPerMs?: number;
}

export const defaultLink: LinkConfig = {
  latency: { kind: 'uniform', min: 1, max: 3 },
  loss: 0,
  duplicate: 0,
  fifo: false,
};

export type LinkEnd = NodeId | '*';

export function validateLink(config: Partial<LinkConfig>): void {
  if (config.latency) validateLatency(config.latency);
  for (const key of ['loss', 'duplicate'] as const) {
    const value = config[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) {
      throw new RangeError(`link ${key} must be a probability in [0, 1], got ${value}`);
    }
  }
  const bandwidth = config.bandwidthBytesPerMs;
  if (bandwidth !== undefined && !(bandwidth > 0)) {
    throw new RangeError(`link bandwidthBytesPerMs must be > 0, got ${bandwidth}`);
  }
}

/** `route()` results below zero: the message is dropped. */
export const DROPPED_BY_PARTITION = -1;
export const DROPPED_BY_LOSS = -2;

export class Network {
  private defaults: LinkConfig = defaultLink;
  private overrides = new Map<string, LinkConfig>();
  /**
   * Directed pairs that cannot communicate right now, by sender then receiver: what every send and
   * delivery asks during a partition, by two lookups of node ids (whose hashes the strings keep)
   * instead of building and hashing a "from→to" string.
   */
  private blockedFrom = new Map<NodeId, Set<NodeId>>();
  /** How many pairs `blockedFrom` holds. */
  private blockedCount = 0;
  private busyUntil = new Map<string, number>();
  private lastArrival = new Map<string, number>();
  private description = 'healthy';
  /** Nodes no partition separates (a workload's clients, which model Jepsen's control node). */
  private everywhere = new Set<NodeId>();
  /** Called on every topology change, for the trace. */
  onChange: ((change: string) => void) | undefined;

  constructor(
    private readonly rng: Rng,
    private readonly nodeIds: () => readonly NodeId[],
  ) {}

  /** Sets link behaviour for from→to; '*' matches any node. Later calls override earlier ones. */
  configure(from: LinkEnd, to: LinkEnd, config: Partial<LinkConfig>): void {
    validateLink(config);
    if (from === '*' && to === '*') {
      // Applies everywhere, on top of per-link settings (a geo latency matrix keeps its latencies).
      this.defaults = { ...this.defaults, ...config };
      for (const [key, link] of this.overrides) this.overrides.set(key, { ...link, ...config });
    } else {
      for (const a of from === '*' ? this.nodeIds() : [from]) {
        for (const b of to === '*' ? this.nodeIds() : [to]) {
          if (a === b) continue;
          const key = a + '→' + b;
          this.overrides.set(key, { ...(this.overrides.get(key) ?? this.defaults), ...config });
        }
      }
    }
    this.refreshFlags();
    this.onChange?.(`configure ${from}→${to} ${JSON.stringify(config)}`);
  }

  /** Whether any link duplicates at all (kept current by configure). */
  private anyDuplication = false;
  /**
   * Every message takes the default link, and it has no loss, bandwidth limit or FIFO ordering, and
   * nothing is blocked: `route` is one latency draw. Kept current by every change of links or blocks.
   */
  private plain = true;

  private block(from: NodeId, to: NodeId): void {
    let receivers = this.blockedFrom.get(from);
    if (!receivers) this.blockedFrom.set(from, (receivers = new Set()));
    if (!receivers.has(to)) this.blockedCount++;
    receivers.add(to);
  }

  private unblockAll(): void {
    this.blockedFrom.clear();
    this.blockedCount = 0;
  }

  private refreshFlags(): void {
    this.anyDuplication =
      this.defaults.duplicate > 0 || [...this.overrides.values()].some((link) => link.duplicate > 0);
    const link = this.defaults;
    this.plain =
      !(link.loss > 0) &&
      link.bandwidthBytesPerMs === undefined &&
      !link.fifo &&
      this.overrides.size === 0 &&
      this.blockedCount === 0;
  }

  /** Cheap test for the hot path: true when no partition or block is in force. */
  get fullyConnected(): boolean {
    return this.blockedCount === 0;
  }

  link(from: NodeId, to: NodeId): LinkConfig {
    if (this.overrides.size === 0) return this.defaults;
    return this.overrides.get(from + '→' + to) ?? this.defaults;
  }

  /**
   * Marks nodes that partitions never cut off: they act as bridges in every partition (clients of a
   * system under test, which Jepsen keeps on a control node outside the fault). Link faults still apply.
   */
  exemptFromPartitions(ids: readonly NodeId[]): void {
    const known = new Set(this.nodeIds());
    for (const id of ids) if (!known.has(id)) throw new Error(`exemptFromPartitions: unknown node '${id}'`);
    this.everywhere = new Set(ids);
  }

  /** Nodes partitions never cut off (see exemptFromPartitions). */
  isExempt(id: NodeId): boolean {
    return this.everywhere.has(id);
  }

  /**
   * Splits the nodes into groups that cannot reach each other. A node listed in several groups is a
   * bridge (it reaches all of them); nodes listed nowhere form one more group together.
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const all = this.nodeIds();
    const known = new Set(all);
    for (const group of groups) {
      for (const id of group) if (!known.has(id)) throw new Error(`partition: unknown node '${id}'`);
    }
    const listed = new Set(groups.flat());
    const rest = all.filter((id) => !listed.has(id) && !this.everywhere.has(id));
    const effective = rest.length > 0 ? [...groups, rest] : groups;
    // The groups each node is in, as arrays: the pairwise test below runs nodes² times per partition.
    const membership = new Map<NodeId, number[]>();
    effective.forEach((group, index) => {
      for (const id of group) {
        let list = membership.get(id);
        if (!list) membership.set(id, (list = []));
        list.push(index);
      }
    });
    for (const id of this.everywhere)
      membership.set(
        id,
        effective.map((_, index) => index),
      );
    this.unblockAll();
    // A node partitions never cut off is in every group, so it shares one with everyone: only the pairs
    // of the others are looked at (the fault schedules partition servers among many exempt clients).
    for (const a of all) {
      if (this.everywhere.has(a)) continue;
      const ga = membership.get(a) as number[];
      for (const b of all) {
        if (a === b || this.everywhere.has(b)) continue;
        const gb = membership.get(b) as number[];
        let shared = false;
        for (let i = 0; i < ga.length && !shared; i++) shared = gb.includes(ga[i] as number);
        if (!shared) this.block(a, b);
      }
    }
    this.refreshFlags();
    this.description = 'partition ' + effective.map((g) => '[' + g.join(',') + ']').join(' ');
    this.onChange?.(this.description);
  }

  /** from → to messages are dropped; to → from still flow (an asymmetric fault). */
  blockOneWay(from: NodeId, to: NodeId): void {
    this.block(from, to);
    this.refreshFlags();
    this.description = `${this.description === 'healthy' ? '' : this.description + '; '}block ${from}→${to}`;
    this.onChange?.(`block ${from}→${to}`);
  }

  /** Removes every partition and block (link configs stay). */
  heal(): void {
    this.unblockAll();
    this.refreshFlags();
    this.description = 'healthy';
    this.onChange?.('heal');
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockedCount > 0 && this.blockedFrom.get(from)?.has(to) === true;
  }

  /** Human-readable state, for the lab and reports. */
  get state(): string {
    return this.description;
  }

  blockedPairs(): [NodeId, NodeId][] {
    const pairs: [NodeId, NodeId][] = [];
    for (const [from, receivers] of this.blockedFrom) for (const to of receivers) pairs.push([from, to]);
    return pairs;
  }

  /**
   * Decides the fate of one message sent at true time `now`: its delay in ms, or a negative
   * DROPPED_* code. `copy` routes the second copy of a duplicated message (never lost again).
   */
  route(from: NodeId, to: NodeId, now: number, msg: unknown, copy = false): number {
    // The common case, kept small enough to inline into the send path: one link config for every
    // pair, nothing blocked, no loss, bandwidth or FIFO. Same draws and arithmetic as the full path.
    if (this.plain) return now + sampleLatency(this.defaults.latency, this.rng) - now;
    return this.routeLink(from, to, now, msg, copy);
  }

  private routeLink(from: NodeId, to: NodeId, now: number, msg: unknown, copy: boolean): number {
    if (!copy && this.blockedCount > 0 && this.blockedFrom.get(from)?.has(to) === true)
      return DROPPED_BY_PARTITION;
    const link =
      this.overrides.size === 0 ? this.defaults : (this.overrides.get(from + '→' + to) ?? this.defaults);
    if (!copy && link.loss > 0 && this.rng.next() < link.loss) return DROPPED_BY_LOSS;
    let start = now;
    if (link.bandwidthBytesPerMs !== undefined) {
      const key = from + '→' + to;
      start =
        Math.max(now, this.busyUntil.get(key) ?? 0) + JSON.stringify(msg).length / link.bandwidthBytesPerMs;
      this.busyUntil.set(key, start);
    }
    let arrival = start + sampleLatency(link.latency, this.rng);
    if (link.fifo) {
      const key = from + '→' + to;
      arrival = Math.max(arrival, this.lastArrival.get(key) ?? 0);
      this.lastArrival.set(key, arrival);
    }
    return arrival - now;
  }

  /** Whether this message gets a second copy (decided after `route`, from the same stream). */
  duplicates(from: NodeId, to: NodeId): boolean {
    // The common case (no link duplicates) is one field read: small enough that V8 always inlines it.
    return this.anyDuplication && this.duplicatesOn(from, to);
  }

  private duplicatesOn(from: NodeId, to: NodeId): boolean {
    const link = this.link(from, to);
    return link.duplicate > 0 && this.rng.next() < link.duplicate;
  }
}
