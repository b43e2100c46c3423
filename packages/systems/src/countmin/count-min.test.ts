import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CountMinSketch, TopK, countMinSystem } from './index';

describe('count-min sketch (K1)', () => {
  it.each(countMinSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 4, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('count-min-overestimates: never an underestimate', async () => {
    const result = await countMinSystem.scenarios
      .find((s) => s.id === 'count-min-overestimates')!
      .run({
        seed: 4,
        quick: true,
      });
    expect(result.measurements.underestimates).toBe(0);
  });

  it('top-k-heavy-hitters: finds every top item that stands out by more than εN, never counting one low', async () => {
    const scenario = countMinSystem.scenarios.find((s) => s.id === 'top-k-heavy-hitters');
    expect(scenario, 'top-k-heavy-hitters is a count-min scenario').toBeDefined();
    const result = await scenario!.run({ seed: 1, quick: true });
    expect(result.observed, result.summary).toBe('holds');
    expect(result.measurements.mustFind).toBeGreaterThan(5);
    expect(result.measurements.missed).toBe(0);
    expect(result.measurements.maxOverestimate).toBeGreaterThanOrEqual(0);
    expect(result.measurements.maxOverestimate).toBeLessThanOrEqual(result.measurements.bound as number);
  });

  it('the README names every scenario the system ships, and no scenario id that does not exist', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const ids = countMinSystem.scenarios.map((s) => s.id);
    for (const id of ids) expect(readme, id).toContain(id);
    const named = [...readme.matchAll(/`([a-z0-9.]+(?:-[a-z0-9.]+){2,})`/g)].map((m) => m[1]);
    expect(named.filter((id) => !ids.includes(id as string))).toEqual([]);
  });

  it('never underestimates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.integer({ min: 1, max: 5 })), { maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 5 }),
        (adds, width, depth) => {
          const sketch = new CountMinSketch(width, depth);
          const truth = new Map<string, number>();
          for (const [item, count] of adds) {
            sketch.add(item, count);
            truth.set(item, (truth.get(item) ?? 0) + count);
          }
          for (const [item, count] of truth) expect(sketch.estimate(item)).toBeGreaterThanOrEqual(count);
        },
      ),
    );
  });

  it('sizes by ε and δ', () => {
    const sketch = CountMinSketch.forError(0.01, 0.01);
    expect(sketch.width).toBe(272);
    expect(sketch.depth).toBe(5);
    expect(() => CountMinSketch.forError(0, 0.1)).toThrow();
  });
});

describe('top-K', () => {
  it('finds the K most frequent items when they stand out, and never counts one low', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 12, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (weights, k) => {
          const topk = new TopK(k, 0.01, 0.01);
          const stream: string[] = [];
          weights.forEach((w, i) => {
            for (let c = 0; c < w * (i < k ? 50 : 1); c++) stream.push(`item${i}`);
          });
          // Interleave deterministically so heavy items do not arrive in one block.
          stream.sort(
            (a, b) =>
              ((a.length * 7 + a.charCodeAt(a.length - 1)) % 11) -
              ((b.length * 7 + b.charCodeAt(b.length - 1)) % 11),
          );
          for (const item of stream) topk.add(item);
          const found = topk
            .top()
            .map((t) => t.item)
            .sort();
          expect(found).toEqual(Array.from({ length: k }, (_, i) => `item${i}`).sort());
          for (const t of topk.top())
            expect(t.count).toBeGreaterThanOrEqual(stream.filter((s) => s === t.item).length);
        },
      ),
      { numRuns: 40 },
    );
  });
});
