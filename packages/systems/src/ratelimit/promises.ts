/**
 * What each limiter promises, checked from the outside: a monitor sees only the decisions (time, cost,
 * admitted or refused) and judges them with its own arithmetic, never the limiter's state, so a broken
 * limiter cannot vouch for itself. Two sides per promise:
 *
 * - bound: it never admits more than it promises over any window it promises;
 * - fairness: it never refuses a request its promise had room for (a limiter that refuses everything
 *   keeps every bound, so the bound alone would not catch a counter that forgets to reset).
 *
 * The arrival-curve promise (token bucket, leaky meter, GCRA: at most burst + rate·T admitted over any
 * interval of length T) is judged with a virtual queue drained at the rate (Lindley's recursion): its
 * backlog is the worst excess of admissions over rate·T across all intervals ending now, so it must
 * stay ≤ burst, and a refusal needs backlog + cost > burst.
 */
import { EPSILON, type AlgorithmKind, type Policy } from './algorithms';

export interface Observed {
  readonly at: number;
  readonly cost: number;
  readonly admitted: boolean;
}

/** What is wrong with a decision: it broke the bound, or it refused a request the promise had room for. */
export interface Broken {
  readonly side: 'bound' | 'fairness';
  readonly message: string;
}

/** Judges one decision after another; returns what is wrong with the latest, or undefined. */
export interface PromiseMonitor {
  observe(decision: Observed): Broken | undefined;
}

const bound = (message: string): Broken => ({ side: 'bound', message });
const fairness = (message: string): Broken => ({ side: 'fairness', message });

function slack(x: number): number {
  return x + 1e-6;
}

export class ArrivalCurveMonitor implements PromiseMonitor {
  private backlog = 0;
  private last: number | undefined;

  constructor(
    readonly burst: number,
    readonly ratePerMs: number,
  ) {}

  observe({ at, cost, admitted }: Observed): Broken | undefined {
    if (this.last !== undefined)
      this.backlog = Math.max(0, this.backlog - Math.max(0, at - this.last) * this.ratePerMs);
    this.last = Math.max(this.last ?? at, at);
    if (admitted) {
      this.backlog += cost;
      if (this.backlog > slack(this.burst))
        return bound(
          `admitted ${this.backlog.toFixed(3)} over the rate in an interval ending at ${at.toFixed(3)} ms (promise: burst ${this.burst} + rate·T)`,
        );
      return undefined;
    }
    if (this.backlog + cost <= this.burst - 1e-6)
      return fairness(
        `refused a request at ${at.toFixed(3)} ms with room for it (excess ${this.backlog.toFixed(3)} + ${cost} ≤ burst ${this.burst})`,
      );
    return undefined;
  }
}

/** At most `limit` per window; refuses only when the window is full. */
export class FixedWindowMonitor implements PromiseMonitor {
  private start: number | undefined;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly anchor: 'aligned' | 'first-request',
  ) {}

  observe({ at, cost, admitted }: Observed): Broken | undefined {
    const start =
      this.anchor === 'aligned'
        ? Math.floor(at / this.windowMs) * this.windowMs
        : this.start === undefined || at >= this.start + this.windowMs
          ? at
          : this.start;
    if (this.start === undefined || start > this.start) {
      this.start = start;
      this.count = 0;
    }
    if (admitted) {
      this.count += cost;
      if (this.count > this.limit)
        return bound(
          `admitted ${this.count} in the window starting at ${this.start} ms (limit ${this.limit})`,
        );
      return undefined;
    }
    if (this.count + cost <= this.limit)
      return fairness(
        `refused a request at ${at.toFixed(3)} ms with ${this.count} of ${this.limit} used in its window`,
      );
    return undefined;
  }
}

/** At most `limit` in every window (now − windowMs, now]; refuses only when that window is full. */
export class SlidingWindowMonitor implements PromiseMonitor {
  /** Admission times within the last window; more than `limit` is already a violation, so it stays bounded. */
  private times: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  observe({ at, cost, admitted }: Observed): Broken | undefined {
    this.times = this.times.filter((t) => t > at - this.windowMs);
    if (admitted) {
      for (let i = 0; i < cost; i++) this.times.push(at);
      if (this.times.length > this.limit)
        return bound(
          `admitted ${this.times.length} in the ${this.windowMs} ms ending at ${at.toFixed(3)} (limit ${this.limit})`,
        );
      return undefined;
    }
    if (this.times.length + cost <= this.limit)
      return fairness(
        `refused a request at ${at.toFixed(3)} ms with ${this.times.length} of ${this.limit} in the last window`,
      );
    return undefined;
  }
}

/**
 * A sliding-window counter promises `limit` per aligned window and, across any window of its length,
 * never more than twice that; it refuses only when its weighted estimate is full (recomputed here).
 */
export class SlidingCounterMonitor implements PromiseMonitor {
  private readonly counts = new Map<number, number>();
  private times: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  observe(decision: Observed): Broken | undefined {
    const { at, cost, admitted } = decision;
    const index = Math.floor(at / this.windowMs);
    for (const key of this.counts.keys()) if (key < index - 1) this.counts.delete(key);
    const previous = this.counts.get(index - 1) ?? 0;
    const current = this.counts.get(index) ?? 0;
    const weight = 1 - (at - index * this.windowMs) / this.windowMs;
    const estimate = previous * weight + current;
    this.times = this.times.filter((t) => t > at - this.windowMs);
    if (admitted) {
      this.counts.set(index, current + cost);
      for (let i = 0; i < cost; i++) this.times.push(at);
      if (this.times.length > 2 * this.limit)
        return bound(
          `admitted ${this.times.length} in the ${this.windowMs} ms ending at ${at.toFixed(3)} (at most 2 × ${this.limit})`,
        );
      if (current + cost > this.limit)
        return bound(`admitted ${current + cost} in the aligned window ${index} (limit ${this.limit})`);
      return undefined;
    }
    if (estimate + cost <= this.limit - 1e-6)
      return fairness(
        `refused a request at ${at.toFixed(3)} ms with an estimate of ${estimate.toFixed(3)} of ${this.limit}`,
      );
    return undefined;
  }
}

/**
 * A hierarchy promises each bucket's arrival curve for the requests admitted through it, and refuses a
 * request only when some bucket on its path lacks room: one virtual queue per bucket.
 */
export class HierarchyMonitor {
  private readonly queues = new Map<string, { backlog: number; last: number; burst: number; rate: number }>();

  observe(
    at: number,
    path: readonly { key: string; capacity: number; ratePerMs: number }[],
    cost: number,
    admitted: boolean,
  ): Broken | undefined {
    const states = path.map(({ key, capacity, ratePerMs }) => {
      let q = this.queues.get(key);
      if (q === undefined) {
        q = { backlog: 0, last: at, burst: capacity, rate: ratePerMs };
        this.queues.set(key, q);
      }
      q.backlog = Math.max(0, q.backlog - Math.max(0, at - q.last) * q.rate);
      q.last = Math.max(q.last, at);
      return [key, q] as const;
    });
    if (admitted) {
      for (const [key, q] of states) {
        q.backlog += cost;
        if (q.backlog > slack(q.burst))
          return bound(
            `${key} admitted ${q.backlog.toFixed(3)} over its rate in an interval ending at ${at.toFixed(3)} ms (burst ${q.burst})`,
          );
      }
      return undefined;
    }
    if (states.every(([, q]) => q.backlog + cost <= q.burst - 1e-6))
      return fairness(`refused a request at ${at.toFixed(3)} ms although every level on its path had room`);
    return undefined;
  }
}

export function monitorFor(policy: Policy): PromiseMonitor {
  const kind: AlgorithmKind = policy.kind;
  const burst = policy.burst ?? policy.limit;
  const rate = policy.limit / policy.windowMs;
  switch (kind) {
    case 'token-bucket':
    case 'leaky-meter':
    case 'gcra':
      return new ArrivalCurveMonitor(burst, rate);
    case 'fixed-window':
      return new FixedWindowMonitor(policy.limit, policy.windowMs, policy.anchor ?? 'aligned');
    case 'sliding-log':
      return new SlidingWindowMonitor(policy.limit, policy.windowMs);
    case 'sliding-window-counter':
      return new SlidingCounterMonitor(policy.limit, policy.windowMs);
  }
}

/** Most admitted (cost summed) in any window of `windowMs` (half-open: (t − w, t]) over a list of times. */
export function maxInAnyWindow(
  times: readonly number[],
  windowMs: number,
  costs?: readonly number[],
): number {
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    sum += costs?.[hi] ?? 1;
    while ((times[lo] as number) <= (times[hi] as number) - windowMs) {
      sum -= costs?.[lo] ?? 1;
      lo++;
    }
    best = Math.max(best, sum);
  }
  return best;
}

/** Every interval [s, t] between two admissions holds at most burst + rate·(t − s): the literal promise, O(n²). */
export function arrivalCurveExcess(times: readonly number[], burst: number, ratePerMs: number): number {
  let worst = -Infinity;
  for (let j = 0; j < times.length; j++) {
    for (let i = 0; i <= j; i++) {
      const admitted = j - i + 1;
      worst = Math.max(worst, admitted - (burst + ratePerMs * ((times[j] as number) - (times[i] as number))));
    }
  }
  return worst;
}

export { EPSILON };
