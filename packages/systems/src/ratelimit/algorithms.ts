/**
 * Rate-limiting algorithms as pure objects against a clock passed in: every call names the time (`now`,
 * in milliseconds of whatever clock the caller trusts — an Env's monotonic clock in the simulator, a
 * server's clock in real mode). Nothing here reads time, randomness or timers. A clock that goes back is
 * treated as standing still, never as time to refill.
 *
 * Each limiter promises a bound (see `promises.ts`, which checks it independently of this code):
 * token bucket, leaky bucket as a meter and GCRA promise at most `burst + rate·T` over any interval of
 * length T; a fixed window at most `limit` per window (so up to 2·limit across a boundary); a sliding
 * log at most `limit` in every window of its length; a sliding-window counter at most `limit` per
 * aligned window (its error against the log is measured, not promised away).
 */
import { mutantActive } from '../kit/mutants';

/** Deliberately broken variants the checkers must catch (switched on through `mutantActive` only). */
export const algorithmMutants = ['token-bucket-overfill', 'fixed-window-no-reset'] as const;
export type AlgorithmMutant = (typeof algorithmMutants)[number];

export const algorithmKinds = [
  'token-bucket',
  'leaky-meter',
  'gcra',
  'fixed-window',
  'sliding-log',
  'sliding-window-counter',
] as const;
export type AlgorithmKind = (typeof algorithmKinds)[number];

/** Comparisons of float token counts allow this much rounding (refill is rate × elapsed in floats). */
export const EPSILON = 1e-9;

export interface Decision {
  readonly admitted: boolean;
  /** The limit as a client is told it (RateLimit-Limit): requests per window, or the burst. */
  readonly limit: number;
  /** Whole requests of cost 1 that would still be admitted right now, after this decision. */
  readonly remaining: number;
  /** Milliseconds until a request of the same cost would be admitted; 0 when this one was. */
  readonly retryAfterMs: number;
  /** Milliseconds until the limiter has its full quota back (RateLimit-Reset). */
  readonly resetMs: number;
}

export interface Limiter {
  readonly kind: AlgorithmKind;
  /** Decides one request of `cost` units at `now`, and charges it when admitted. */
  attempt(now: number, cost?: number): Decision;
  /** How much of the quota is left at `now`, from 0 to 1, without changing anything (for pictures). */
  level(now: number): number;
}

/** What every algorithm is configured with: `limit` requests per `windowMs`, and a burst where it has one. */
export interface Policy {
  readonly kind: AlgorithmKind;
  /** Requests per window (the sustained rate is limit / windowMs). */
  readonly limit: number;
  readonly windowMs: number;
  /** Bucket capacity for token bucket, leaky meter and GCRA; `limit` when absent. */
  readonly burst?: number;
  /** Fixed window only: windows aligned to multiples of windowMs, or starting at the first request. */
  readonly anchor?: 'aligned' | 'first-request';
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}

function validCost(cost: number): void {
  check(Number.isFinite(cost) && cost > 0, `cost must be a positive number, got ${cost}`);
}

/** Tokens refill at `ratePerMs` up to `capacity`; a request takes `cost` tokens or is refused. */
export class TokenBucket implements Limiter {
  readonly kind = 'token-bucket' as const;
  private tokens: number;
  private last: number | undefined;
  /** Tokens ever taken: the accounting the hierarchical limiter's conservation check reads. */
  taken = 0;

  constructor(
    readonly capacity: number,
    readonly ratePerMs: number,
    private readonly mutant?: AlgorithmMutant,
  ) {
    check(capacity >= 1, `capacity must be ≥ 1, got ${capacity}`);
    check(ratePerMs > 0 && Number.isFinite(ratePerMs), `rate must be > 0, got ${ratePerMs}`);
    this.tokens = capacity;
  }

  private refill(now: number): void {
    if (this.last === undefined) this.last = now;
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    const filled = this.tokens + elapsed * this.ratePerMs;
    this.tokens = mutantActive(this.mutant, 'token-bucket-overfill')
      ? filled
      : Math.min(this.capacity, filled);
  }

  /** Tokens at `now` after refill (refills the state: reading the level is a refill, never a charge). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes `cost` tokens unconditionally (the caller checked `available`). */
  take(cost: number): void {
    this.tokens -= cost;
    this.taken += cost;
  }

  /** Milliseconds until `cost` tokens are there, from the current (refilled) state. */
  waitFor(cost: number): number {
    return cost <= this.tokens + EPSILON ? 0 : (cost - this.tokens) / this.ratePerMs;
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    this.refill(now);
    const admitted = this.tokens + EPSILON >= cost;
    if (admitted) this.take(cost);
    return {
      admitted,
      limit: this.capacity,
      remaining: Math.max(0, Math.floor(this.tokens + EPSILON)),
      retryAfterMs: admitted ? 0 : this.waitFor(cost),
      resetMs: Math.max(0, (this.capacity - this.tokens) / this.ratePerMs),
    };
  }

  level(now: number): number {
    const elapsed = this.last === undefined ? 0 : Math.max(0, now - this.last);
    return Math.min(1, Math.max(0, (this.tokens + elapsed * this.ratePerMs) / this.capacity));
  }
}

/**
 * Leaky bucket as a meter: each request pours `cost` into a bucket of `capacity` that leaks at
 * `ratePerMs`; a request that would overflow it is refused. The mirror image of the token bucket
 * (water = capacity − tokens), written as the meter so the two are checked against each other.
 */
export class LeakyMeter implements Limiter {
  readonly kind = 'leaky-meter' as const;
  private water = 0;
  private last: number | undefined;

  constructor(
    readonly capacity: number,
    readonly ratePerMs: number,
  ) {
    check(capacity >= 1, `capacity must be ≥ 1, got ${capacity}`);
    check(ratePerMs > 0 && Number.isFinite(ratePerMs), `rate must be > 0, got ${ratePerMs}`);
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    if (this.last === undefined) this.last = now;
    this.water = Math.max(0, this.water - Math.max(0, now - this.last) * this.ratePerMs);
    this.last = Math.max(this.last, now);
    const admitted = this.water + cost <= this.capacity + EPSILON;
    if (admitted) this.water += cost;
    return {
      admitted,
      limit: this.capacity,
      remaining: Math.max(0, Math.floor(this.capacity - this.water + EPSILON)),
      retryAfterMs: admitted ? 0 : (this.water + cost - this.capacity) / this.ratePerMs,
      resetMs: this.water / this.ratePerMs,
    };
  }

  level(now: number): number {
    const elapsed = this.last === undefined ? 0 : Math.max(0, now - this.last);
    return 1 - Math.max(0, this.water - elapsed * this.ratePerMs) / this.capacity;
  }
}

/**
 * The generic cell rate algorithm (ATM Forum): one number of state, the theoretical arrival time (TAT).
 * A request is conforming unless it arrives earlier than TAT − τ, where T = 1 / rate is the emission
 * interval and τ = (burst − 1)·T the tolerance; a conforming request moves TAT on by cost·T.
 */
export class Gcra implements Limiter {
  readonly kind = 'gcra' as const;
  private tat: number | undefined;
  readonly emissionMs: number;

  constructor(
    readonly burst: number,
    ratePerMs: number,
  ) {
    check(burst >= 1, `burst must be ≥ 1, got ${burst}`);
    check(ratePerMs > 0 && Number.isFinite(ratePerMs), `rate must be > 0, got ${ratePerMs}`);
    this.emissionMs = 1 / ratePerMs;
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    const tat = Math.max(this.tat ?? now, now);
    const newTat = tat + cost * this.emissionMs;
    // τ + T = burst·T: how far ahead of now TAT may run.
    const allowAt = newTat - this.burst * this.emissionMs;
    const admitted = now + EPSILON * this.emissionMs >= allowAt;
    if (admitted) this.tat = newTat;
    const current = admitted ? newTat : tat;
    const headroom = this.burst * this.emissionMs - (current - now);
    return {
      admitted,
      limit: this.burst,
      remaining: Math.max(0, Math.floor(headroom / this.emissionMs + EPSILON)),
      retryAfterMs: admitted ? 0 : allowAt - now,
      resetMs: Math.max(0, current - now),
    };
  }

  level(now: number): number {
    const tat = Math.max(this.tat ?? now, now);
    return Math.max(
      0,
      Math.min(1, (this.burst * this.emissionMs - (tat - now)) / (this.burst * this.emissionMs)),
    );
  }
}

/**
 * Fixed window: a counter per window of `windowMs`, reset when the window changes. Windows are aligned
 * to multiples of windowMs, or (as rate-limiter-flexible's memory limiter does) start at the first
 * request after the previous one ended. Either way a client can spend `limit` at the end of one window
 * and `limit` again at the start of the next.
 */
export class FixedWindow implements Limiter {
  readonly kind = 'fixed-window' as const;
  private start: number | undefined;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly anchor: 'aligned' | 'first-request' = 'aligned',
    private readonly mutant?: AlgorithmMutant,
  ) {
    check(limit >= 1, `limit must be ≥ 1, got ${limit}`);
    check(windowMs > 0, `window must be > 0, got ${windowMs}`);
  }

  private roll(now: number): void {
    const start =
      this.anchor === 'aligned'
        ? Math.floor(now / this.windowMs) * this.windowMs
        : this.start === undefined || now >= this.start + this.windowMs
          ? now
          : this.start;
    if (start === this.start) return;
    if (this.start !== undefined && start < this.start) return; // the clock went back: stay in the window
    this.start = start;
    if (!mutantActive(this.mutant, 'fixed-window-no-reset')) this.count = 0;
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    this.roll(now);
    const admitted = this.count + cost <= this.limit;
    if (admitted) this.count += cost;
    const resetMs = Math.max(0, (this.start as number) + this.windowMs - now);
    return {
      admitted,
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.count),
      retryAfterMs: admitted ? 0 : resetMs,
      resetMs,
    };
  }

  level(now: number): number {
    const inWindow =
      this.start !== undefined &&
      (this.anchor === 'aligned'
        ? Math.floor(now / this.windowMs) * this.windowMs === this.start
        : now < this.start + this.windowMs);
    return inWindow ? Math.max(0, 1 - this.count / this.limit) : 1;
  }
}

/**
 * Sliding log: the times of the admitted requests of the last window; a request is admitted while
 * fewer than `limit` fall in (now − windowMs, now]. The log never holds more than `limit` entries, so
 * the limit is the bound of its queue.
 */
export class SlidingLog implements Limiter {
  readonly kind = 'sliding-log' as const;
  /** Admission times, oldest first; at most `limit` entries (one per unit of cost). */
  private log: number[] = [];
  private head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    check(limit >= 1 && Number.isInteger(limit), `limit must be an integer ≥ 1, got ${limit}`);
    check(windowMs > 0, `window must be > 0, got ${windowMs}`);
  }

  private evict(now: number): void {
    while (this.head < this.log.length && (this.log[this.head] as number) <= now - this.windowMs) this.head++;
    if (this.head > 64 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }

  private get size(): number {
    return this.log.length - this.head;
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    check(Number.isInteger(cost), `a sliding log counts whole requests, got cost ${cost}`);
    this.evict(now);
    const admitted = this.size + cost <= this.limit;
    const stamp = Math.max(now, this.size > 0 ? (this.log[this.log.length - 1] as number) : now);
    if (admitted) for (let i = 0; i < cost; i++) this.log.push(stamp);
    // The request fits once enough of the oldest entries have left the window.
    const mustLeave = this.size + cost - this.limit;
    const retryAfterMs =
      admitted || mustLeave <= 0
        ? 0
        : Math.max(0, (this.log[this.head + mustLeave - 1] as number) + this.windowMs - now);
    const newest = this.size > 0 ? (this.log[this.log.length - 1] as number) : now;
    return {
      admitted,
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.size),
      retryAfterMs,
      resetMs: this.size > 0 ? Math.max(0, newest + this.windowMs - now) : 0,
    };
  }

  level(now: number): number {
    let inWindow = 0;
    for (let i = this.head; i < this.log.length; i++)
      if ((this.log[i] as number) > now - this.windowMs) inWindow++;
    return Math.max(0, 1 - inWindow / this.limit);
  }
}

/**
 * Sliding-window counter: two counters (the previous aligned window and the current one) and an
 * estimate of the last window's count that assumes the previous window's requests were spread evenly:
 * previous·(1 − elapsed/window) + current. Constant memory; its error against the log is measured.
 */
export class SlidingWindowCounter implements Limiter {
  readonly kind = 'sliding-window-counter' as const;
  private start: number | undefined;
  private previous = 0;
  private current = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    check(limit >= 1, `limit must be ≥ 1, got ${limit}`);
    check(windowMs > 0, `window must be > 0, got ${windowMs}`);
  }

  private roll(now: number): void {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    if (this.start === undefined) {
      this.start = start;
      return;
    }
    if (start <= this.start) return;
    this.previous = start - this.start === this.windowMs ? this.current : 0;
    this.current = 0;
    this.start = start;
  }

  /** The estimated count of the window ending at `now`, from the state after `roll(now)`. */
  private estimate(now: number): number {
    const elapsed = Math.min(1, Math.max(0, (now - (this.start as number)) / this.windowMs));
    return this.previous * (1 - elapsed) + this.current;
  }

  attempt(now: number, cost = 1): Decision {
    validCost(cost);
    this.roll(now);
    const admitted = this.estimate(now) + cost <= this.limit + EPSILON;
    if (admitted) this.current += cost;
    return {
      admitted,
      limit: this.limit,
      remaining: Math.max(0, Math.floor(this.limit - this.estimate(now) + EPSILON)),
      retryAfterMs: admitted ? 0 : this.waitFor(now, cost),
      resetMs: Math.max(0, (this.start as number) + 2 * this.windowMs - now),
    };
  }

  /** When the estimate first leaves room for `cost`: later in this window, or in the next one. */
  private waitFor(now: number, cost: number): number {
    const start = this.start as number;
    const room = this.limit - this.current - cost;
    if (room >= 0 && this.previous > 0) {
      const at = start + this.windowMs * (1 - room / this.previous);
      if (at < start + this.windowMs) return Math.max(0, at - now);
    }
    // Next window: previous' = current, current' = 0.
    const nextStart = start + this.windowMs;
    const nextRoom = this.limit - cost;
    const at =
      this.current <= nextRoom ? nextStart : nextStart + this.windowMs * (1 - nextRoom / this.current);
    return Math.max(0, at - now);
  }

  level(now: number): number {
    if (this.start === undefined) return 1;
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    let previous = this.previous;
    let current = this.current;
    if (start > this.start) {
      previous = start - this.start === this.windowMs ? this.current : 0;
      current = 0;
    }
    const elapsed = Math.min(1, Math.max(0, (now - start) / this.windowMs));
    return Math.max(0, 1 - (previous * (1 - elapsed) + current) / this.limit);
  }
}

/** A limiter of the policy's kind: `limit` per `windowMs`, burst = limit unless given. */
export function createLimiter(policy: Policy, mutant?: AlgorithmMutant): Limiter {
  const rate = policy.limit / policy.windowMs;
  const burst = policy.burst ?? policy.limit;
  switch (policy.kind) {
    case 'token-bucket':
      return new TokenBucket(burst, rate, mutant);
    case 'leaky-meter':
      return new LeakyMeter(burst, rate);
    case 'gcra':
      return new Gcra(burst, rate);
    case 'fixed-window':
      return new FixedWindow(policy.limit, policy.windowMs, policy.anchor ?? 'aligned', mutant);
    case 'sliding-log':
      return new SlidingLog(policy.limit, policy.windowMs);
    case 'sliding-window-counter':
      return new SlidingWindowCounter(policy.limit, policy.windowMs);
  }
}
