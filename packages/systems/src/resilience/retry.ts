/**
 * How long to wait before a retry, and whether a retry is allowed at all.
 *
 * The backoffs are the ones of Marc Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog,
 * 2015) and the AWS Builders' Library article "Timeouts, retries and backoff with jitter": with
 * `temp = min(cap, base·2^attempt)`, full jitter sleeps uniform in [0, temp], equal jitter temp/2 plus
 * uniform in [0, temp/2], decorrelated jitter uniform in [base, 3·previous] capped. `study` is the loop
 * engineers are handed (base·2^attempt plus a small additive jitter, no cap).
 *
 * A retry budget (Finagle's RetryBudget, gRPC's retry throttling, the SRE book's per-client retry
 * ratio) lets retries be at most a fraction of requests: every request deposits `ratio` tokens, every
 * retry withdraws one, and `minPerSecond` keeps a trickle for clients that send little.
 */
import { invariant } from '@dslab/sim';

export const backoffKinds = [
  'none',
  'fixed',
  'exponential',
  'full',
  'equal',
  'decorrelated',
  'study',
] as const;
export type BackoffKind = (typeof backoffKinds)[number];

export interface RetryPolicy {
  readonly backoff: BackoffKind;
  /** Attempts in all, the first included (1 = never retry). */
  readonly maxAttempts: number;
  readonly baseMs: number;
  /** Cap on one sleep (ignored by `study`, which has none). */
  readonly capMs: number;
  /** `study` only: the additive jitter, uniform in [0, jitterMs]. */
  readonly jitterMs?: number;
}

export function validateRetryPolicy(policy: RetryPolicy): void {
  const bad = (what: string) => {
    throw new RangeError(`invalid retry policy: ${what}`);
  };
  if (!backoffKinds.includes(policy.backoff)) bad(`unknown backoff '${String(policy.backoff)}'`);
  if (!Number.isSafeInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 1_000)
    bad(`maxAttempts must be an integer in [1, 1000], got ${policy.maxAttempts}`);
  if (!(policy.baseMs >= 0) || !Number.isFinite(policy.baseMs))
    bad(`baseMs must be finite ≥ 0, got ${policy.baseMs}`);
  if (!(policy.capMs >= policy.baseMs) || !Number.isFinite(policy.capMs))
    bad(`capMs must be finite ≥ baseMs, got ${policy.capMs}`);
  if (policy.jitterMs !== undefined && !(policy.jitterMs >= 0))
    bad(`jitterMs must be ≥ 0, got ${policy.jitterMs}`);
}

/**
 * The sleep before retry number `attempt` (1 = the first retry), given the previous sleep (decorrelated
 * jitter needs it) and a uniform random number in [0, 1).
 */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  previousMs: number,
  random: () => number,
): number {
  invariant(attempt >= 1, 'backoff attempt', () => `attempt ${attempt} < 1`);
  const { baseMs, capMs } = policy;
  // 2^(attempt-1) overflows nothing before the cap for any sane attempt count; the min keeps it finite.
  const exponential = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 60));
  switch (policy.backoff) {
    case 'none':
      return 0;
    case 'fixed':
      return baseMs;
    case 'exponential':
      return exponential;
    case 'full':
      return random() * exponential;
    case 'equal':
      return exponential / 2 + random() * (exponential / 2);
    case 'decorrelated': {
      const previous = Math.max(baseMs, previousMs);
      return Math.min(capMs, baseMs + random() * (previous * 3 - baseMs));
    }
    case 'study':
      return baseMs * 2 ** Math.min(attempt - 1, 60) + random() * (policy.jitterMs ?? 0);
  }
}

export interface BudgetConfig {
  /** Retries allowed per request sent (0.1 = retries add at most 10% load). */
  readonly ratio: number;
  /** Retries allowed per second regardless of traffic. */
  readonly minPerSecond: number;
  /** Most tokens saved up (a burst of retries after a quiet spell). */
  readonly maxTokens: number;
}

export function validateBudget(budget: BudgetConfig): void {
  if (!(budget.ratio >= 0 && budget.ratio <= 10))
    throw new RangeError(`retry budget ratio must be in [0, 10], got ${budget.ratio}`);
  if (!(budget.minPerSecond >= 0))
    throw new RangeError(`retry budget minPerSecond must be ≥ 0, got ${budget.minPerSecond}`);
  if (!(budget.maxTokens >= 1))
    throw new RangeError(`retry budget maxTokens must be ≥ 1, got ${budget.maxTokens}`);
}

export class RetryBudget {
  private tokens: number;
  private lastRefill: number | undefined;
  requests = 0;
  retries = 0;
  denied = 0;

  constructor(readonly config: BudgetConfig) {
    validateBudget(config);
    this.tokens = Math.min(config.maxTokens, 1);
  }

  /** A first attempt went out: it earns `ratio` retries. */
  onRequest(now: number): void {
    this.refill(now);
    this.requests++;
    this.tokens = Math.min(this.config.maxTokens, this.tokens + this.config.ratio);
  }

  /** May one retry go out now? Takes a token when it may. */
  tryRetry(now: number): boolean {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.retries++;
      return true;
    }
    this.denied++;
    return false;
  }

  /** The most retries the budget could ever have allowed by `elapsedMs` after it was made. */
  bound(elapsedMs: number): number {
    return (
      1 + this.config.ratio * this.requests + (this.config.minPerSecond * Math.max(0, elapsedMs)) / 1_000
    );
  }

  private refill(now: number): void {
    if (this.lastRefill !== undefined && now > this.lastRefill)
      this.tokens = Math.min(
        this.config.maxTokens,
        this.tokens + (this.config.minPerSecond * (now - this.lastRefill)) / 1_000,
      );
    this.lastRefill = this.lastRefill === undefined ? now : Math.max(this.lastRefill, now);
  }
}
