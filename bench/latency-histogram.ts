// Latency distributions as wrk reports them (bench/wrk/put.lua prints every distinct value and its
// count), and quantiles of several runs taken together.

/** wrk's whole latency distribution of a run: [microseconds, count] pairs, ascending. */
export type Histogram = readonly (readonly [number, number])[];

/** The `q` quantile (0–1) of the rounds' distributions taken together, in ms. */
export function pooledQuantileMs(histograms: readonly Histogram[], q: number): number {
  const counts = new Map<number, number>();
  let total = 0;
  for (const histogram of histograms)
    for (const [us, count] of histogram) {
      counts.set(us, (counts.get(us) ?? 0) + count);
      total += count;
    }
  if (total === 0) return 0;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const us of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(us) as number;
    if (seen >= rank) return Number((us / 1000).toFixed(2));
  }
  throw new Error('unreachable: the ranks add up to the total');
}
