import { describe, expect, it } from 'vitest';
import { useRedis } from '@dslab/runtime/testing';
import { HyperLogLog } from './hyperloglog';

const redis = useRedis();

describe('HyperLogLog against real Redis PFADD / PFCOUNT', () => {
  it('both estimate the same streams within a few standard errors (both errors reported)', async () => {
    const report: { n: number; ours: number; redis: number }[] = [];
    for (const n of [1_000, 50_000, 200_000]) {
      const ours = new HyperLogLog(14);
      const key = `hll:${n}`;
      for (let start = 0; start < n; start += 5_000) {
        const batch = Array.from(
          { length: Math.min(5_000, n - start) },
          (_, i) => `visitor-${n}-${start + i}`,
        );
        for (const item of batch) ours.add(item);
        await redis().pfadd(key, ...batch);
      }
      const counted = await redis().pfcount(key);
      report.push({ n, ours: ours.estimate() / n - 1, redis: counted / n - 1 });
    }
    console.log(
      'relative errors (ours vs Redis):',
      report.map((r) => `${r.n}: ${(r.ours * 100).toFixed(2)}% / ${(r.redis * 100).toFixed(2)}%`).join(', '),
    );
    for (const r of report) {
      expect(Math.abs(r.ours)).toBeLessThan(0.04);
      expect(Math.abs(r.redis)).toBeLessThan(0.04);
    }
  });
});
