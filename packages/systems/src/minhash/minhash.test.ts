import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { estimateJaccard, exactJaccard, minhashSystem, signature } from './index';

describe('MinHash (K1)', () => {
  it('the scenario reproduces its expected verdict', async () => {
    const scenario = minhashSystem.scenarios[0]!;
    const result = await scenario.run({ seed: 6, quick: true });
    expect(result.observed, result.summary).toBe(scenario.expected);
  });

  it('identical sets estimate 1, disjoint sets near 0, and estimates are in [0, 1]', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 50 }), (items) => {
        const a = signature(items, 32);
        expect(estimateJaccard(a, signature([...items].reverse(), 32))).toBe(1);
        const other = signature(
          items.map((x) => `other:${x}`),
          32,
        );
        const estimate = estimateJaccard(a, other);
        expect(estimate).toBeGreaterThanOrEqual(0);
        expect(estimate).toBeLessThanOrEqual(1);
      }),
    );
    expect(exactJaccard(new Set(['a', 'b']), new Set(['b', 'c']))).toBeCloseTo(1 / 3);
    expect(() => estimateJaccard(new Uint32Array(2), new Uint32Array(3))).toThrow(/different lengths/);
  });
});
