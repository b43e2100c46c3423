import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HyperLogLog, hyperloglogSystem } from './index';

describe('HyperLogLog (K1)', () => {
  it.each(hyperloglogSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 2, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

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
