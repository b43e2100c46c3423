import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pooledQuantileMs, type Histogram } from './latency-histogram';

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
