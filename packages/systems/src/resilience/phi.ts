/**
 * Failure detectors over a stream of heartbeat arrivals.
 *
 * - A fixed timeout suspects the sender once `timeoutMs` passed since the last heartbeat.
 * - The φ accrual detector (Hayashibara, Défago, Yared, Katayama, SRDS 2004) keeps the last inter-arrival
 *   times, models them as a normal distribution, and reports φ = −log10 P(a heartbeat arrives later than
 *   now); the application suspects once φ passes a threshold. φ = 3 means a 1-in-1,000 chance of being
 *   wrong under the model. We use the logistic approximation of the normal tail that Akka uses, which
 *   can be inverted in closed form: the threshold becomes a timeout after the last arrival that follows
 *   the recent mean and spread, so it stretches when the network gets jittery and shrinks when it calms.
 *
 * `evaluateDetector` measures one detector on a trace: the false suspicions it raises on the live sender,
 * and the time it takes to suspect a sender that crashed at each of a set of points of the same trace.
 */
import { invariant } from '@dslab/sim';

/** Inter-arrival times the φ detector remembers, at most. */
export const MAX_PHI_WINDOW = 10_000;

export interface PhiConfig {
  /** Inter-arrival times kept (Akka: 1,000). */
  readonly window: number;
  /** Floor on the standard deviation, so a perfectly regular stream does not make φ jump. */
  readonly minStdMs: number;
  /** Added to the mean: a pause the application accepts before φ starts to climb. */
  readonly acceptablePauseMs?: number;
}

const A = 1.5976;
const B = 0.070566;

export class PhiAccrualDetector {
  private readonly intervals: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private last: number | undefined;

  constructor(readonly config: PhiConfig) {
    if (!Number.isSafeInteger(config.window) || config.window < 2 || config.window > MAX_PHI_WINDOW)
      throw new RangeError(`phi window must be an integer in [2, ${MAX_PHI_WINDOW}], got ${config.window}`);
    if (!(config.minStdMs > 0)) throw new RangeError(`phi minStdMs must be > 0, got ${config.minStdMs}`);
    this.intervals = new Float64Array(config.window);
  }

  get lastArrival(): number | undefined {
    return this.last;
  }

  heartbeat(now: number): void {
    if (this.last !== undefined) {
      const interval = now - this.last;
      invariant(interval >= 0, 'heartbeats in order', () => `arrival at ${now} before ${this.last}`);
      if (this.count === this.config.window) {
        const old = this.intervals[this.next] as number;
        this.sum -= old;
        this.sumSquares -= old * old;
      } else this.count++;
      this.intervals[this.next] = interval;
      this.sum += interval;
      this.sumSquares += interval * interval;
      this.next = (this.next + 1) % this.config.window;
    }
    this.last = now;
  }

  private stats(): { mean: number; std: number } {
    const mean = this.sum / this.count + (this.config.acceptablePauseMs ?? 0);
    const variance = Math.max(0, this.sumSquares / this.count - (this.sum / this.count) ** 2);
    return { mean, std: Math.max(this.config.minStdMs, Math.sqrt(variance)) };
  }

  /** φ at `now`; 0 until two heartbeats arrived. */
  phi(now: number): number {
    if (this.last === undefined || this.count === 0) return 0;
    const { mean, std } = this.stats();
    const y = (now - this.last - mean) / std;
    const e = Math.exp(-y * (A + B * y * y));
    return now - this.last > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
  }

  /**
   * How long after the last arrival φ reaches `threshold` (> log10 2, so past the mean): the inverse of
   * `phi`, by solving B·y³ + A·y − L = 0 (one real root) with Cardano's formula.
   */
  timeoutFor(threshold: number): number {
    invariant(threshold > Math.log10(2), 'phi threshold', () => `threshold ${threshold} ≤ log10 2`);
    if (this.count === 0) return Infinity;
    const { mean, std } = this.stats();
    const p = 10 ** -threshold;
    const L = -Math.log(p / (1 - p));
    const pp = A / B;
    const q = -L / B;
    const root = Math.sqrt((q * q) / 4 + (pp * pp * pp) / 27);
    const y = Math.cbrt(-q / 2 + root) + Math.cbrt(-q / 2 - root);
    return mean + y * std;
  }
}

export type DetectorSpec =
  | { readonly kind: 'fixed'; readonly timeoutMs: number }
  | { readonly kind: 'phi'; readonly threshold: number; readonly phi: PhiConfig };

export interface DetectorFigures {
  /** Suspicions of the live sender over the trace. */
  readonly falseSuspicions: number;
  /** Per hour of trace. */
  readonly falsePerHour: number;
  /** Mean time from crash to suspicion over the crash points. */
  readonly meanDetectionMs: number;
  readonly p99DetectionMs: number;
}

/**
 * One detector on one trace of arrival times (in order: heartbeats over a FIFO channel), the sender
 * sending every `intervalMs` from `sentAt[0]`. A crash is placed half an interval after each of the
 * `crashes` heartbeats picked evenly through the trace (after `warmup` of them): the detector sees the
 * arrivals up to that heartbeat and nothing after, and suspects at the last arrival plus its timeout.
 */
export function evaluateDetector(
  spec: DetectorSpec,
  sentAt: readonly number[],
  arrivedAt: readonly number[],
  intervalMs: number,
  crashes: number,
  warmup: number,
): DetectorFigures {
  invariant(sentAt.length === arrivedAt.length, 'detector trace', () => 'sent and arrived differ in length');
  const n = arrivedAt.length;
  if (n < warmup + 2)
    throw new RangeError(`a detector trace needs more than ${warmup + 2} heartbeats, got ${n}`);
  const step = Math.max(1, Math.floor((n - warmup - 1) / crashes));
  const detections: number[] = [];
  let falseSuspicions = 0;
  const detector = spec.kind === 'phi' ? new PhiAccrualDetector(spec.phi) : undefined;
  for (let i = 0; i < n; i++) {
    const arrival = arrivedAt[i] as number;
    detector?.heartbeat(arrival);
    if (i === 0) continue;
    const timeout = detector
      ? detector.timeoutFor((spec as { threshold: number }).threshold)
      : (spec as { timeoutMs: number }).timeoutMs;
    if (i >= warmup && i + 1 < n && (arrivedAt[i + 1] as number) - arrival > timeout) falseSuspicions++;
    if (i >= warmup && (i - warmup) % step === 0 && detections.length < crashes) {
      const crashAt = (sentAt[i] as number) + intervalMs / 2;
      detections.push(arrival + timeout - crashAt);
    }
  }
  const spanMs = (arrivedAt[n - 1] as number) - (arrivedAt[warmup] as number);
  const sorted = Float64Array.from(detections).sort();
  let total = 0;
  for (const d of detections) total += d;
  return {
    falseSuspicions,
    falsePerHour: (falseSuspicions / spanMs) * 3_600_000,
    meanDetectionMs: total / detections.length,
    p99DetectionMs: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] as number,
  };
}
