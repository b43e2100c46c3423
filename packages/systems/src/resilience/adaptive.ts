/**
 * Adaptive concurrency limits, after Netflix's concurrency-limits library: instead of a fixed number of
 * requests in flight, the limit follows what the server can do, measured by the latency of the requests
 * it finishes (Little's law: at a fixed throughput, more in flight only means more waiting).
 *
 * - AIMD: each request that finishes fast and while the limit was in use adds one; a request that was
 *   dropped (shed, failed, or slower than `slowMs`) multiplies the limit by `backoff`.
 * - Gradient: compares a short-term latency (the sample) with a long-term average; when the short one
 *   grows the ratio (clamped to [0.5, 1]) shrinks the limit, and `queue` = √limit of headroom lets it
 *   grow while latency holds. New limits are smoothed, as in Netflix's Gradient2Limit.
 */
import { invariant } from '@dslab/sim';

export const limiterKinds = ['fixed', 'aimd', 'gradient'] as const;
export type LimiterKind = (typeof limiterKinds)[number];

export interface LimiterConfig {
  readonly kind: LimiterKind;
  readonly initial: number;
  readonly min: number;
  readonly max: number;
  /** AIMD: a request slower than this counts as a drop. */
  readonly slowMs?: number;
  /** AIMD: the multiplicative decrease. */
  readonly backoff?: number;
  /** Gradient: how much the short latency may exceed the long one before the limit shrinks. */
  readonly tolerance?: number;
  /** Gradient: samples the long-term average spans. */
  readonly longWindow?: number;
  /** Gradient: the weight of a new limit. */
  readonly smoothing?: number;
}

export function validateLimiter(config: LimiterConfig): void {
  const bad = (what: string) => {
    throw new RangeError(`invalid concurrency limiter: ${what}`);
  };
  if (!(config.min >= 1 && config.min <= config.initial && config.initial <= config.max))
    bad(`need 1 ≤ min ≤ initial ≤ max, got ${config.min}, ${config.initial}, ${config.max}`);
  if (config.backoff !== undefined && !(config.backoff > 0 && config.backoff < 1))
    bad(`backoff must be in (0, 1), got ${config.backoff}`);
  if (config.kind === 'aimd' && !(config.slowMs !== undefined && config.slowMs > 0))
    bad('aimd needs slowMs > 0');
}

export class ConcurrencyLimiter {
  private value: number;
  private longRtt = 0;
  private samples = 0;
  inFlight = 0;
  admitted = 0;
  shed = 0;

  constructor(readonly config: LimiterConfig) {
    validateLimiter(config);
    this.value = config.initial;
  }

  /** The whole number of requests allowed in flight now. */
  get limit(): number {
    return Math.max(this.config.min, Math.floor(this.value));
  }

  tryAcquire(): boolean {
    if (this.inFlight >= this.limit) {
      this.shed++;
      return false;
    }
    this.inFlight++;
    this.admitted++;
    return true;
  }

  /** A request admitted earlier finished after `rttMs`; `dropped` when it failed or was given up on. */
  release(rttMs: number, dropped: boolean): void {
    invariant(this.inFlight > 0, 'limiter in flight', () => 'released a request never admitted');
    const inUse = this.inFlight;
    this.inFlight--;
    const { config } = this;
    if (config.kind === 'fixed') return;
    if (config.kind === 'aimd') {
      if (dropped || rttMs > (config.slowMs as number)) this.value = this.value * (config.backoff ?? 0.9);
      else if (inUse * 2 >= this.limit) this.value += 1;
    } else this.gradient(rttMs, inUse, dropped);
    this.value = Math.min(config.max, Math.max(config.min, this.value));
  }

  private gradient(rttMs: number, inUse: number, dropped: boolean): void {
    const { config } = this;
    const window = config.longWindow ?? 600;
    const short = Math.max(rttMs, 1e-3);
    this.samples++;
    // The long average warms up as a plain mean, then decays exponentially over `window` samples.
    const weight = this.samples < window ? 1 / this.samples : 2 / (window + 1);
    this.longRtt = this.longRtt + (short - this.longRtt) * weight;
    // After a long stretch of high latency the long average would otherwise hold the limit down.
    if (this.longRtt / short > 2) this.longRtt *= 0.95;
    // An idle server learns nothing about its capacity: do not grow past twice what is in use.
    if (!dropped && inUse * 2 < this.limit) return;
    const gradient = Math.max(0.5, Math.min(1, ((config.tolerance ?? 1.5) * this.longRtt) / short));
    const next = this.value * gradient + Math.sqrt(this.value);
    const smoothing = config.smoothing ?? 0.2;
    this.value = this.value * (1 - smoothing) + next * smoothing;
  }
}
