/**
 * A circuit breaker (Nygard, "Release It!"): closed while the calls it watches mostly succeed, open (every
 * call refused without touching the dependency) once they mostly fail, half-open after a cool-down to let a
 * few probes find out whether the dependency is back. The clock is passed in, so the same breaker runs in
 * the simulator, in a peer comparison fed by hand, and in real code.
 *
 * What trips it is the window:
 * - `consecutive`: N failures in a row (what many hand-written breakers do);
 * - `count`: the failure rate (and slow-call rate) of the last `size` calls;
 * - `time`: the same rates over the last `windowMs`, kept in `buckets` buckets that age out whole.
 *
 * Half-open admits `probes` calls; any failure among them reopens at once, `probes` successes close.
 */
import { invariant } from '@dslab/sim';

export type BreakerState = 'closed' | 'open' | 'half-open';

export type BreakerWindow =
  | { readonly kind: 'consecutive'; readonly failures: number }
  | {
      readonly kind: 'count';
      readonly size: number;
      readonly minimumCalls: number;
      /** Fraction in (0, 1] of failed calls that trips it. */
      readonly failureRate: number;
      /** Fraction in (0, 1] of slow calls that trips it (off when absent). */
      readonly slowCallRate?: number;
    }
  | {
      readonly kind: 'time';
      readonly windowMs: number;
      readonly buckets: number;
      readonly minimumCalls: number;
      readonly failureRate: number;
      readonly slowCallRate?: number;
    };

export interface BreakerConfig {
  readonly window: BreakerWindow;
  /** How long it stays open before letting probes through. */
  readonly openMs: number;
  /** Calls admitted while half-open; that many successes close it. */
  readonly probes: number;
  /** A successful call slower than this counts as slow (and a failure in `consecutive` mode). */
  readonly slowCallMs?: number;
  /**
   * `at-or-above` trips when the rate reaches the threshold (Resilience4j); `above` only past it
   * (opossum's errorThresholdPercentage, cockatiel's CountBreaker).
   */
  readonly trip?: 'at-or-above' | 'above';
  /**
   * When the rates are compared with the thresholds: after every call (Resilience4j, the default), or
   * only after a failure (cockatiel's CountBreaker, opossum) — a success that completes the minimum
   * number of calls then never opens it.
   */
  readonly evaluate?: 'every-call' | 'on-failure';
  /** Mutants (see index.ts): protocol code branches on them only here. */
  readonly mutant?: BreakerMutant;
}

export const breakerMutants = ['breaker-never-half-opens', 'half-open-floods'] as const;
export type BreakerMutant = (typeof breakerMutants)[number];

export interface Transition {
  readonly t: number;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** What caused it, in a few words (the rate that tripped it, the probe that closed it…). */
  readonly why: string;
}

/** Transitions kept for pictures and tests (the newest ones). */
export const MAX_TRANSITIONS = 512;

/** Leave to make one call, handed back with its outcome. */
export interface Permit {
  /** The breaker's state period it was granted in: an outcome from an older period is ignored. */
  readonly epoch: number;
  readonly probe: boolean;
  readonly startedAt: number;
}

interface Bucket {
  start: number;
  calls: number;
  failures: number;
  slow: number;
}

export function validateBreakerConfig(config: BreakerConfig): void {
  const bad = (what: string) => {
    throw new RangeError(`invalid circuit breaker: ${what}`);
  };
  const positiveInt = (n: number, name: string) => {
    if (!Number.isSafeInteger(n) || n < 1) bad(`${name} must be a positive integer, got ${n}`);
  };
  const rate = (r: number | undefined, name: string) => {
    if (r !== undefined && !(r > 0 && r <= 1)) bad(`${name} must be in (0, 1], got ${r}`);
  };
  if (!(config.openMs >= 0) || !Number.isFinite(config.openMs))
    bad(`openMs must be finite and ≥ 0, got ${config.openMs}`);
  positiveInt(config.probes, 'probes');
  if (config.slowCallMs !== undefined && !(config.slowCallMs > 0))
    bad(`slowCallMs must be > 0, got ${config.slowCallMs}`);
  const w = config.window;
  if (w.kind === 'consecutive') {
    positiveInt(w.failures, 'failures');
    return;
  }
  positiveInt(w.minimumCalls, 'minimumCalls');
  rate(w.failureRate, 'failureRate');
  rate(w.slowCallRate, 'slowCallRate');
  if (w.slowCallRate !== undefined && config.slowCallMs === undefined) bad('slowCallRate needs slowCallMs');
  if (w.kind === 'count') {
    positiveInt(w.size, 'size');
    if (w.minimumCalls > w.size) bad(`minimumCalls ${w.minimumCalls} > size ${w.size}`);
  } else {
    positiveInt(w.buckets, 'buckets');
    if (!(w.windowMs > 0) || !Number.isFinite(w.windowMs))
      bad(`windowMs must be finite and > 0, got ${w.windowMs}`);
  }
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  /** Bumped on every transition; permits carry it. */
  private epoch = 0;
  private openedAt = 0;
  private consecutive = 0;
  /** Count window: a ring of outcomes (0 ok, 1 failed, 2 slow ok, 3 slow failed). */
  private readonly ring: Uint8Array;
  private ringNext = 0;
  private ringFilled = 0;
  private ringFailures = 0;
  private ringSlow = 0;
  /** Time window: buckets oldest first, at most `buckets` of them. */
  private readonly timeBuckets: Bucket[] = [];
  /** Half-open: probes admitted and not yet answered, and successes so far. */
  private probesInFlight = 0;
  private probeSuccesses = 0;
  readonly transitions: Transition[] = [];
  transitionCount = 0;
  /** Calls refused because it was open (or half-open with its probes out). */
  refused = 0;

  constructor(readonly config: BreakerConfig) {
    validateBreakerConfig(config);
    this.ring = new Uint8Array(config.window.kind === 'count' ? config.window.size : 0);
  }

  /** The state at `now`: an open breaker whose cool-down has passed is half-open. */
  state(now: number): BreakerState {
    this.advance(now);
    return this.current;
  }

  /** Probes admitted and still out (half-open only). */
  get inFlightProbes(): number {
    return this.probesInFlight;
  }

  /**
   * Asks to make one call at `now`. A permit: make it and hand the permit back with its outcome
   * (`onSuccess` / `onFailure`; a probe when half-open). Undefined: refused, do not call.
   */
  tryAcquire(now: number): Permit | undefined {
    this.advance(now);
    if (this.current === 'closed') return { epoch: this.epoch, probe: false, startedAt: now };
    if (this.current === 'half-open') {
      if (this.probesInFlight + this.probeSuccesses < this.config.probes || this.flooding()) {
        this.probesInFlight++;
        return { epoch: this.epoch, probe: true, startedAt: now };
      }
    }
    this.refused++;
    return undefined;
  }

  /** The outcome of a permitted call. */
  onSuccess(now: number, permit: Permit): void {
    this.record(now, permit, false);
  }

  onFailure(now: number, permit: Permit): void {
    this.record(now, permit, true);
  }

  /** Counts in the window now (for pictures): calls, failed, slow. */
  windowCounts(now: number): { calls: number; failures: number; slow: number } {
    const w = this.config.window;
    if (w.kind === 'consecutive') return { calls: this.consecutive, failures: this.consecutive, slow: 0 };
    if (w.kind === 'count')
      return { calls: this.ringFilled, failures: this.ringFailures, slow: this.ringSlow };
    this.expire(now);
    let calls = 0;
    let failures = 0;
    let slow = 0;
    for (const b of this.timeBuckets) {
      calls += b.calls;
      failures += b.failures;
      slow += b.slow;
    }
    return { calls, failures, slow };
  }

  private flooding(): boolean {
    return this.config.mutant === 'half-open-floods';
  }

  private isSlow(durationMs: number): boolean {
    return this.config.slowCallMs !== undefined && durationMs >= this.config.slowCallMs;
  }

  private advance(now: number): void {
    if (this.current !== 'open' || this.config.mutant === 'breaker-never-half-opens') return;
    const due = this.openedAt + this.config.openMs;
    if (now >= due) this.move(due, 'half-open', `${this.config.openMs} ms open`);
  }

  private record(now: number, permit: Permit, failed: boolean): void {
    this.advance(now);
    // An answer to a call let through in an earlier period (before it opened, or a probe of an earlier
    // half-open) says nothing about this one.
    if (permit.epoch !== this.epoch) return;
    const slow = this.isSlow(now - permit.startedAt);
    if (this.current === 'half-open') {
      invariant(
        permit.probe && this.probesInFlight > 0,
        'breaker probes',
        () => 'an unexpected probe answer',
      );
      this.probesInFlight--;
      const bad = failed || (slow && this.slowCounts());
      if (bad) {
        this.open(now, failed ? 'a probe failed' : 'a probe was slow');
        return;
      }
      this.probeSuccesses++;
      if (this.probeSuccesses >= this.config.probes && this.probesInFlight === 0)
        this.close(now, `${this.probeSuccesses} probe(s) succeeded`);
      return;
    }
    invariant(this.current === 'closed', 'breaker permits', () => `an answer while ${this.current}`);
    const w = this.config.window;
    if (w.kind === 'consecutive') {
      const bad = failed || (slow && this.config.slowCallMs !== undefined);
      this.consecutive = bad ? this.consecutive + 1 : 0;
      if (this.consecutive >= w.failures) this.open(now, `${this.consecutive} failures in a row`);
      return;
    }
    if (w.kind === 'count') this.recordCount(failed, slow, w.size);
    else this.recordTime(now, failed, slow, w.windowMs / w.buckets, w.buckets);
    if (!failed && this.config.evaluate === 'on-failure') return;
    const { calls, failures, slow: slowCalls } = this.windowCounts(now);
    if (calls < w.minimumCalls) return;
    const failureRate = failures / calls;
    const slowRate = slowCalls / calls;
    if (this.trips(failureRate, w.failureRate))
      this.open(now, `failure rate ${(failureRate * 100).toFixed(1)}% of ${calls}`);
    else if (w.slowCallRate !== undefined && this.trips(slowRate, w.slowCallRate))
      this.open(now, `slow-call rate ${(slowRate * 100).toFixed(1)}% of ${calls}`);
  }

  private slowCounts(): boolean {
    const w = this.config.window;
    return w.kind === 'consecutive' ? this.config.slowCallMs !== undefined : w.slowCallRate !== undefined;
  }

  private trips(rate: number, threshold: number): boolean {
    // Rates are ratios of small integers; a tiny epsilon keeps 3/10 ≥ 0.3 true in floating point.
    return (this.config.trip ?? 'at-or-above') === 'above'
      ? rate > threshold + 1e-12
      : rate >= threshold - 1e-12;
  }

  private recordCount(failed: boolean, slow: boolean, size: number): void {
    if (this.ringFilled === size) {
      const old = this.ring[this.ringNext] as number;
      if (old & 1) this.ringFailures--;
      if (old & 2) this.ringSlow--;
    } else this.ringFilled++;
    this.ring[this.ringNext] = (failed ? 1 : 0) | (slow ? 2 : 0);
    if (failed) this.ringFailures++;
    if (slow) this.ringSlow++;
    this.ringNext = (this.ringNext + 1) % size;
    invariant(
      this.ringFailures >= 0 && this.ringFailures <= this.ringFilled,
      'breaker window counts',
      () => `${this.ringFailures} failures in ${this.ringFilled} calls`,
    );
  }

  private recordTime(now: number, failed: boolean, slow: boolean, bucketMs: number, buckets: number): void {
    this.expire(now);
    const start = Math.floor(now / bucketMs) * bucketMs;
    let last = this.timeBuckets[this.timeBuckets.length - 1];
    if (last === undefined || last.start !== start) {
      last = { start, calls: 0, failures: 0, slow: 0 };
      this.timeBuckets.push(last);
      if (this.timeBuckets.length > buckets) this.timeBuckets.shift();
    }
    last.calls++;
    if (failed) last.failures++;
    if (slow) last.slow++;
  }

  /** Drops buckets that fell out of the window. */
  private expire(now: number): void {
    const w = this.config.window;
    if (w.kind !== 'time') return;
    const bucketMs = w.windowMs / w.buckets;
    const oldest = Math.floor(now / bucketMs) * bucketMs - (w.buckets - 1) * bucketMs;
    while (this.timeBuckets.length > 0 && (this.timeBuckets[0] as Bucket).start < oldest)
      this.timeBuckets.shift();
  }

  private resetWindow(): void {
    this.consecutive = 0;
    this.ring.fill(0);
    this.ringNext = 0;
    this.ringFilled = 0;
    this.ringFailures = 0;
    this.ringSlow = 0;
    this.timeBuckets.length = 0;
  }

  private open(now: number, why: string): void {
    this.openedAt = now;
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    this.move(now, 'open', why);
  }

  private close(now: number, why: string): void {
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    this.resetWindow();
    this.move(now, 'closed', why);
  }

  private move(t: number, to: BreakerState, why: string): void {
    if (to === this.current) return;
    this.transitions.push({ t, from: this.current, to, why });
    this.transitionCount++;
    this.epoch++;
    // Trimmed in halves, so recording stays O(1) amortised.
    if (this.transitions.length >= 2 * MAX_TRANSITIONS) this.transitions.splice(0, MAX_TRANSITIONS);
    this.current = to;
  }
}
