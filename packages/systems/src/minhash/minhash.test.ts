import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  candidateProbability,
  estimateJaccard,
  exactJaccard,
  lshCandidates,
  minhashSystem,
  signature,
} from './index';
import { lshSCurve } from './scenarios';

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

describe('LSH banding', () => {
  it('identical sets always collide, disjoint sets never do, and the S-curve scenario matches its formula', async () => {
    const a = signature(['x', 'y', 'z'], 100);
    const b = signature(['x', 'y', 'z'], 100);
    const c = signature(['p', 'q', 'r'], 100);
    const pairs = lshCandidates([a, b, c], 20, 5);
    expect(pairs.has('0:1')).toBe(true);
    expect(pairs.has('0:2') || pairs.has('1:2')).toBe(false);
    expect(candidateProbability(1, 20, 5)).toBe(1);
    expect(candidateProbability(0, 20, 5)).toBe(0);
    const result = await lshSCurve.run({ seed: 1, quick: true });
    expect(result.observed).toBe('holds');
  });
});
