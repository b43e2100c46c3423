import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HyperLogLog, hyperloglogSystem } from './index';
import { SparseHyperLogLog } from './sparse';
import { sparseSmallSets } from './scenarios';

describe('HyperLogLog (K1)', () => {
  it.each(hyperloglogSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 2, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('the README names every scenario the system ships, and no scenario id that does not exist', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const ids = hyperloglogSystem.scenarios.map((s) => s.id);
    for (const id of ids) expect(readme, id).toContain(id);
    const named = [...readme.matchAll(/`([a-z0-9.]+(?:-[a-z0-9.]+){2,})`/g)].map((m) => m[1]);
    expect(named.filter((id) => !ids.includes(id as string))).toEqual([]);
  });

  it('merge is commutative, idempotent and equals the sketch of the union (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 200 }),
        fc.array(fc.string(), { maxLength: 200 }),
        (xs, ys) => {
          const a = new HyperLogLog(8);
          const b = new HyperLogLog(8);
          const both = new HyperLogLog(8);
          for (const x of xs) {
            a.add(x);
            both.add(x);
          }
          for (const y of ys) {
            b.add(y);
            both.add(y);
          }
          expect([...a.merge(b).registers]).toEqual([...both.registers]);
          expect([...a.merge(b).registers]).toEqual([...b.merge(a).registers]);
          expect([...a.merge(a).registers]).toEqual([...a.registers]);
        },
      ),
    );
  });

  it('adding the same item again changes nothing; bad precision is rejected', () => {
    const h = new HyperLogLog(10);
    const first = h.add('x');
    expect(h.add('x').changed).toBe(false);
    expect(first.register).toBeLessThan(1024);
    expect(() => new HyperLogLog(3)).toThrow(/precision/);
    expect(() => new HyperLogLog(10).merge(new HyperLogLog(11))).toThrow(/cannot merge/);
  });
});

describe('HyperLogLog++ sparse form', () => {
  it('converts to exactly the registers the dense sketch builds from the same items', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 10 }), fc.array(fc.string(), { maxLength: 400 }), (p, items) => {
        const sparse = new SparseHyperLogLog(p);
        const dense = new HyperLogLog(p);
        for (const item of items) {
          sparse.add(item);
          dense.add(item);
        }
        expect([...sparse.toDense().registers]).toEqual([...dense.registers]);
      }),
    );
  });

  it('is nearly exact while sparse and switches to dense past its limit', async () => {
    const sketch = new SparseHyperLogLog(14);
    for (let i = 0; i < 1_000; i++) sketch.add(`x${i}`);
    expect(sketch.isSparse).toBe(true);
    expect(Math.abs(sketch.estimate() - 1_000)).toBeLessThan(3);
    for (let i = 1_000; i < 5_000; i++) sketch.add(`x${i}`);
    expect(sketch.isSparse).toBe(false);
    expect(sketch.bytes).toBe(12_288);
    const result = await sparseSmallSets.run({ seed: 1, quick: true });
    expect(result.observed).toBe('holds');
  });
});
