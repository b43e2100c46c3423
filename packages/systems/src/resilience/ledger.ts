/**
 * What the harness measures of a run, in true (world) time: every request's outcome at the clients, the
 * arrivals at each node, each attempt's outcome on each edge of the graph, and samples of every pool's
 * occupancy. Nodes report through observers; nothing here feeds back into them.
 */
import type { NodeId, World } from '@dslab/sim';
import type { AttemptRecord } from './caller';
import type { Outcome } from './messages';

/** Attempts kept for the lab's picture (the newest ones). */
export const MAX_RECENT_ATTEMPTS = 4_000;
/** Occupancy samples kept for the lab's picture (the newest ones). */
export const MAX_OCCUPANCY_SAMPLES = 4_000;
/** Completions kept with their latency when a scenario asks (`keep`). */
export const MAX_KEPT_COMPLETIONS = 400_000;

export interface Completion {
  readonly t: number;
  readonly client: NodeId;
  readonly route: string;
  readonly outcome: Outcome;
  readonly latencyMs: number;
  readonly attempts: number;
}

export interface OccupancySample {
  readonly t: number;
  readonly node: NodeId;
  readonly busy: number;
  readonly queued: number;
  /** Each dependency's bulkhead slots in use (or calls in flight without one). */
  readonly calls: Readonly<Record<string, number>>;
  readonly limit?: number;
}

/** Per edge (caller → dependency): attempts by outcome. */
export type EdgeCounts = Record<Outcome, number>;

export function emptyCounts(): EdgeCounts {
  return {
    ok: 0,
    error: 0,
    shed: 0,
    'bad-request': 0,
    timeout: 0,
    'breaker-open': 0,
    'bulkhead-full': 0,
    'no-instance': 0,
  };
}

function trimmed<T>(list: T[], bound: number): void {
  // Trimmed in halves, so recording stays O(1) amortised.
  if (list.length >= 2 * bound) list.splice(0, bound);
}

export class GraphLedger {
  readonly completions: Completion[] = [];
  readonly recentAttempts: (AttemptRecord & { readonly at: number })[] = [];
  readonly occupancy: OccupancySample[] = [];
  /** Arrival times at each node, when kept. */
  readonly arrivals = new Map<NodeId, number[]>();
  readonly arrivalCounts = new Map<NodeId, number>();
  /** Calls put on the wire, by caller → callee instance, when kept. */
  readonly sends = new Map<string, number[]>();
  /** Per node: (time, ms) a worker was held by each request, when kept. */
  readonly holds = new Map<NodeId, { t: number; ms: number }[]>();
  readonly edges = new Map<string, EdgeCounts>();
  readonly outcomes: EdgeCounts = emptyCounts();
  requests = 0;

  constructor(
    private readonly world: World,
    readonly keep: boolean,
  ) {}

  completed(client: NodeId, route: string, outcome: Outcome, latencyMs: number, attempts: number): void {
    this.requests++;
    this.outcomes[outcome]++;
    if (this.keep && this.completions.length < MAX_KEPT_COMPLETIONS)
      this.completions.push({ t: this.world.now(), client, route, outcome, latencyMs, attempts });
  }

  attempt(record: AttemptRecord): void {
    const key = `${record.caller}→${record.dependency}`;
    let counts = this.edges.get(key);
    if (counts === undefined) {
      counts = emptyCounts();
      this.edges.set(key, counts);
    }
    counts[record.outcome]++;
    this.recentAttempts.push({ ...record, at: this.world.now() });
    trimmed(this.recentAttempts, MAX_RECENT_ATTEMPTS);
  }

  arrived(node: NodeId): void {
    this.arrivalCounts.set(node, (this.arrivalCounts.get(node) ?? 0) + 1);
    if (!this.keep) return;
    let list = this.arrivals.get(node);
    if (list === undefined) {
      list = [];
      this.arrivals.set(node, list);
    }
    if (list.length < MAX_KEPT_COMPLETIONS) list.push(this.world.now());
  }

  sent(caller: NodeId, instance: NodeId): void {
    if (!this.keep) return;
    const key = `${caller}→${instance}`;
    let list = this.sends.get(key);
    if (list === undefined) {
      list = [];
      this.sends.set(key, list);
    }
    if (list.length < MAX_KEPT_COMPLETIONS) list.push(this.world.now());
  }

  held(node: NodeId, ms: number): void {
    if (!this.keep) return;
    let list = this.holds.get(node);
    if (list === undefined) {
      list = [];
      this.holds.set(node, list);
    }
    if (list.length < MAX_KEPT_COMPLETIONS) list.push({ t: this.world.now(), ms });
  }

  sample(sample: OccupancySample): void {
    this.occupancy.push(sample);
    // Scenarios keep the whole run (bounded all the same); the lab needs only the last seconds.
    trimmed(this.occupancy, this.keep ? MAX_KEPT_COMPLETIONS : MAX_OCCUPANCY_SAMPLES);
  }
}
