import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashPair } from '@dslab/sim';
import { bloomSystem, BloomFilter, CountingBloomFilter, bitsPerItem } from './index';
import { CuckooFilter } from './cuckoo';
import {
  fprExperiment,
  memoryForRateExperiment,
  twoMillionUrlsExperiment,
  type FilterFactory,
} from './scenarios';

/** A broken filter: its k positions are consecutive bits, so they are set and tested together. */
const consecutiveBits: FilterFactory = (m, k) => {
  const bits = new Uint8Array(m);
  const positions = (key: string) => {
    const [h1] = hashPair(key);
    return Array.from({ length: k }, (_, i) => (h1 + i) % m);
  };
  return {
    add: (key) => positions(key).forEach((p) => (bits[p] = 1)),
    mightContain: (key) => positions(key).every((p) => bits[p] === 1),
    bytes: Math.ceil(m / 8),
  };
};

/** A correct filter held to one hash function: its rate falls like 1/bits, not exponentially. */
const oneHash: FilterFactory = (m) => new BloomFilter(m, 1);

describe('Bloom filters (K1)', () => {
  it.each(bloomSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 5, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('false-positive-rate-formula: each measured rate within 4 binomial standard errors of the formula; a broken filter fails', () => {
    const good = fprExperiment(5, true);
    expect(good.verdict).toBe('holds');
    expect(good.worstZ).toBeLessThanOrEqual(4);
    expect(fprExperiment(5, true, consecutiveBits).verdict).toBe('fails');
  });

  it('ten-times-lower-fpr-costs-2x: the memory each rate needs is found from measured rates, and can say 10×', () => {
    const good = memoryForRateExperiment(5, true);
    expect(good.verdict).toBe('fails');
    // ≈ 4.8 and 9.6 bits per key, from the filters whose measured rate met the target.
    expect(good.bitsFor10Percent).toBeGreaterThan(4.3);
    expect(good.bitsFor10Percent).toBeLessThan(5.3);
    expect(good.bitsFor1Percent).toBeGreaterThan(9);
    expect(good.bitsFor1Percent).toBeLessThan(10.3);
    expect(good.ratioHigh).toBeLessThan(2.5);
    // With one hash function the rate is ≈ 1/bits per key: 10× lower does cost ~10× the memory.
    const single = memoryForRateExperiment(5, true, oneHash);
    expect(single.ratioLow).toBeGreaterThan(8);
    expect(single.verdict).toBe('holds');
  });

  it('two-million-urls-memory: the sized filter must meet 1 % by measurement before its size refutes the claim', () => {
    const good = twoMillionUrlsExperiment(5, true);
    expect(good.verdict).toBe('fails');
    expect(good.megabytes).toBeGreaterThan(2.3);
    expect(good.megabytes).toBeLessThan(2.5);
    expect(good.meetsTarget).toBe(true);
    const broken = twoMillionUrlsExperiment(5, true, consecutiveBits);
    expect(broken.meetsTarget).toBe(false);
    expect(broken.verdict).not.toBe('fails');
  });

  it('the README names every scenario the system ships, and no scenario id that does not exist', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const ids = bloomSystem.scenarios.map((s) => s.id);
    for (const id of ids) expect(readme, id).toContain(id);
    const named = [...readme.matchAll(/`([a-z0-9.]+(?:-[a-z0-9.]+){2,})`/g)].map((m) => m[1]);
    expect(named.filter((id) => !ids.includes(id as string))).toEqual([]);
  });

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
