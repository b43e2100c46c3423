/**
 * Workload keys: Zipf-distributed popularity (rank r drawn with probability ∝ 1/r^s), the skew real
 * cache traffic shows (Breslau et al., "Web Caching and Zipf-like Distributions", INFOCOM 1999). The
 * same sampler feeds the simulator, the real-Redis runs, the peer test and the benchmark.
 */
import { invariant, type Rng } from '@dslab/sim';

export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    invariant(Number.isInteger(n) && n >= 1, 'zipf config', () => `n must be a whole number ≥ 1, got ${n}`);
    invariant(s >= 0, 'zipf config', () => `s must be ≥ 0, got ${s}`);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let r = 1; r <= n; r++) {
      sum += 1 / r ** s;
      this.cdf[r - 1] = sum;
    }
    for (let i = 0; i < n; i++) this.cdf[i] = (this.cdf[i] as number) / sum;
  }

  /** A rank in [0, n): 0 is the most popular. */
  rank(u: number): number {
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The probability of rank r. */
  probability(r: number): number {
    return (this.cdf[r] as number) - (r === 0 ? 0 : (this.cdf[r - 1] as number));
  }
}

/** A trace of `length` keys `k<rank>` from a Zipf(n, s) popularity. */
export function zipfTrace(rng: Rng, n: number, s: number, length: number): string[] {
  const sampler = new ZipfSampler(n, s);
  const out = new Array<string>(length);
  for (let i = 0; i < length; i++) out[i] = `k${sampler.rank(rng.next())}`;
  return out;
}

/** Hit ratio of a policy-like cache on a trace, filling on every miss (a read-through cache). */
export function hitRatio(
  cache: { get(key: string): unknown; set(key: string, value: number): unknown },
  trace: readonly string[],
): number {
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = trace[i] as string;
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, i);
  }
  return trace.length === 0 ? 0 : hits / trace.length;
}

/**
 * XFetch (Vattani, Chierichetti & Lowenstein, "Optimal Probabilistic Cache Stampede Prevention",
 * VLDB 2015): recompute early when now − Δ·β·ln(rand) ≥ expiry, where Δ is how long the recompute
 * takes and rand is uniform in (0, 1]. −ln(rand) is exponential with mean 1, so the chance rises as
 * expiry nears; β > 1 favours earlier recomputes.
 */
export function xfetchRecompute(
  now: number,
  deltaMs: number,
  beta: number,
  expiry: number,
  rand: number,
): boolean {
  return now - deltaMs * beta * Math.log(rand) >= expiry;
}
