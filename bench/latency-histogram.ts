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

// wrk corrects its closed-loop latencies for coordinated omission: a response that took n µs, with
// `expected` µs between a connection's requests on average, stands for the requests that would have
// been sent meanwhile, so it adds one sample at n − expected, n − 2·expected, … down to (but not at or
// under) `expected`. `expected` is the run's own mean time per request per connection, so the faster of
// two servers has each of its slow responses charged with more made-up samples: the bench also shows
// latencies as recorded, with the correction undone (its test applies it as wrk's stats_correct does).

/** The interval wrk corrects with: the run's time over the requests each connection completed (integers, as wrk's C). */
export function wrkIntervalUs(durationUs: number, requests: number, connections: number): number {
  const perConnection = Math.floor(requests / connections);
  return perConnection > 0 ? Math.floor(durationUs / perConnection) : 0;
}

/**
 * The distribution as wrk recorded it, before its correction at `expectedUs`: from the largest value
 * down, each value's count less what the larger values of its residue class added to it.
 */
export function asRecorded(histogram: Histogram, expectedUs: number): Histogram {
  if (!(expectedUs > 0)) return histogram;
  const counts = new Map<number, number>();
  /** Per residue of `expectedUs`, the recorded samples above the value being looked at. */
  const above = new Map<number, number>();
  for (let k = histogram.length - 1; k >= 0; k--) {
    const [us, count] = histogram[k] as readonly [number, number];
    if (k + 1 < histogram.length && (histogram[k + 1] as readonly [number, number])[0] <= us)
      throw new Error('latency histogram: values must be distinct and ascending');
    if (us <= expectedUs) {
      counts.set(us, count);
      continue;
    }
    const residue = us % expectedUs;
    const recorded = count - (above.get(residue) ?? 0);
    if (recorded < 0)
      throw new Error(
        `latency histogram: not corrected at ${expectedUs} µs (${recorded} samples at ${us} µs)`,
      );
    if (recorded > 0) counts.set(us, recorded);
    above.set(residue, (above.get(residue) ?? 0) + recorded);
  }
  return sortedPairs(counts);
}

function sortedPairs(counts: ReadonlyMap<number, number>): Histogram {
  const pairs: [number, number][] = [];
  for (const [us, count] of counts) if (count > 0) pairs.push([us, count]);
  return pairs.sort((a, b) => a[0] - b[0]);
}
