import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bloomSystem, BloomFilter, CountingBloomFilter, bitsPerItem } from './index';
import { CuckooFilter } from './cuckoo';

describe('Bloom filters (K1)', () => {
  it.each(bloomSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 5, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('never gives a false negative (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string(), { maxLength: 200 }),
        fc.integer({ min: 8, max: 4096 }),
        fc.integer({ min: 1, max: 12 }),
        (keys, m, k) => {
          const filter = new BloomFilter(m, k);
          for (const key of keys) filter.add(key);
          for (const key of keys) expect(filter.mightContain(key)).toBe(true);
        },
      ),
    );
  });

  it('a counting filter forgets removed keys and keeps the others (correct deletes only)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 2, maxLength: 100 }), (keys) => {
        const filter = new CountingBloomFilter(4096, 5);
        for (const key of keys) filter.add(key);
        const [removed, ...kept] = keys;
        filter.remove(removed!);
        for (const key of kept) expect(filter.mightContain(key)).toBe(true);
      }),
    );
  });

  it('inspection reports the positions a step touched', () => {
    const filter = new BloomFilter(64, 3);
    const step = filter.addInspect('alpha');
    expect(step.positions).toHaveLength(3);
    expect(step.zeros.length).toBeGreaterThan(0);
    expect(filter.testInspect('alpha')).toMatchObject({ mightContain: true, zeros: [] });
  });

  it('sizing arithmetic: ≈ 9.59 bits per item at 1 %, bad arguments rejected', () => {
    expect(bitsPerItem(0.01)).toBeCloseTo(9.585, 2);
    expect(() => BloomFilter.forCapacity(0, 0.01)).toThrow();
    expect(() => new BloomFilter(4, 1)).toThrow(/m must be/);
  });
});

describe('cuckoo filter', () => {
  it('never forgets a key it holds, through inserts, kicks and deletes of other keys', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { maxLength: 600 }),
        (ops) => {
          const filter = new CuckooFilter(64, 4, 12);
          const held = new Map<string, number>();
          for (const [add, n] of ops) {
            const key = `k${n}`;
            if (add) {
              if (filter.add(key)) held.set(key, (held.get(key) ?? 0) + 1);
            } else if ((held.get(key) ?? 0) > 0) {
              expect(filter.remove(key)).toBe(true);
              held.set(key, (held.get(key) as number) - 1);
            }
          }
          for (const [key, copies] of held) if (copies > 0) expect(filter.mightContain(key)).toBe(true);
        },
      ),
    );
  });

  it('refuses inserts when full instead of losing residents, and reads at most two buckets', () => {
    const filter = new CuckooFilter(8, 4, 8);
    const added: string[] = [];
    for (let i = 0; i < 100; i++) if (filter.add(`x${i}`)) added.push(`x${i}`);
    expect(added.length).toBeLessThan(100);
    expect(added.length).toBeGreaterThan(20);
    for (const key of added) expect(filter.mightContain(key)).toBe(true);
    expect(filter.bucketsRead).toBeLessThanOrEqual(2 * added.length);
    expect(() => new CuckooFilter(6)).toThrow(/power of two/);
  });
});
