import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asRecorded, pooledQuantileMs, wrkIntervalUs, type Histogram } from './latency-histogram';

/**
 * wrk's correction for coordinated omission, as its stats_correct applies it: every sample n of at
 * least twice `expectedUs` adds one at n − expectedUs, n − 2·expectedUs, … while above `expectedUs`.
 */
function correctedLikeWrk(histogram: Histogram, expectedUs: number): Histogram {
  const counts = new Map<number, number>();
  for (const [us, count] of histogram) counts.set(us, (counts.get(us) ?? 0) + count);
  for (const [us, count] of histogram) {
    if (us < 2 * expectedUs) continue;
    for (let m = us - expectedUs; m > expectedUs; m -= expectedUs)
      counts.set(m, (counts.get(m) ?? 0) + count);
  }
  return [...counts].sort((a, b) => a[0] - b[0]);
}

describe('pooledQuantileMs', () => {
  it('is the quantile of all the runs’ samples together', () => {
    const a: Histogram = [
      [1000, 98],
      [50_000, 2],
    ];
    const b: Histogram = [[2000, 100]];
    // 200 samples; rank ceil(0.99 × 200) = 198 is a 2 ms one, rank 199 one of the two 50 ms ones.
    expect(pooledQuantileMs([a, b], 0.99)).toBe(2);
    expect(pooledQuantileMs([a, b], 0.995)).toBe(50);
    expect(pooledQuantileMs([a], 0.99)).toBe(50);
    expect(pooledQuantileMs([], 0.99)).toBe(0);
  });

  it('matches sorting the expanded samples', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 20 })), {
            minLength: 1,
            maxLength: 30,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (runs, q) => {
          const histograms = runs.map((run) => run as Histogram);
          const samples = runs.flatMap((run) => run.flatMap(([us, count]) => Array<number>(count).fill(us)));
          samples.sort((x, y) => x - y);
          const expected = samples[Math.ceil(q * samples.length) - 1] as number;
          expect(pooledQuantileMs(histograms, q)).toBe(Number((expected / 1000).toFixed(2)));
        },
      ),
    );
  });
});

describe("wrk's correction for coordinated omission", () => {
  it('adds a sample every interval below a slow response, down to the interval, and can be undone', () => {
    // 1 s, 2 connections, 1,000 requests: 500 each, 2,000 µs apart.
    expect(wrkIntervalUs(1_000_000, 1_000, 2)).toBe(2_000);
    expect(wrkIntervalUs(1_000_000, 1, 2)).toBe(0); // too few requests: wrk corrects nothing
    const recorded: Histogram = [
      [1_000, 990],
      [3_000, 9], // under twice the interval: stands for no one else
      [9_000, 1], // stands for requests at 7,000, 5,000 and 3,000 µs (not 1,000: not above the interval)
    ];
    const corrected = correctedLikeWrk(recorded, 2_000);
    expect(corrected).toEqual([
      [1_000, 990],
      [3_000, 10],
      [5_000, 1],
      [7_000, 1],
      [9_000, 1],
    ]);
    expect(asRecorded(corrected, 2_000)).toEqual(recorded);
    // A sample at exactly the interval gets nothing from the multiples above it (6,000 adds at 4,000 only).
    const onTheInterval: Histogram = [
      [2_000, 5],
      [6_000, 1],
    ];
    expect(correctedLikeWrk(onTheInterval, 2_000)).toEqual([
      [2_000, 5],
      [4_000, 1],
      [6_000, 1],
    ]);
    expect(asRecorded(correctedLikeWrk(onTheInterval, 2_000), 2_000)).toEqual(onTheInterval);
    expect(() =>
      asRecorded(
        [
          [3_000, 1],
          [5_000, 2],
        ],
        2_000,
      ),
    ).toThrow(/not corrected at 2000/);
    expect(() =>
      asRecorded(
        [
          [5_000, 1],
          [3_000, 2],
        ],
        2_000,
      ),
    ).toThrow(/ascending/);
  });

  it('asRecorded undoes correctedLikeWrk for any distribution and interval', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 3_000 }),
        (values, counts, interval) => {
          const recorded: Histogram = [...values]
            .sort((a, b) => a - b)
            .map((us, k) => [us, counts[k] as number] as const);
          expect(asRecorded(correctedLikeWrk(recorded, interval), interval)).toEqual(recorded);
        },
      ),
    );
  });
});
