import { Rng } from '@dslab/sim';
import { runRekey } from './rekey';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { shardingSystem, RangeShards, PreShardedCluster } from './index';

describe('sharding strategies (D2)', () => {
  it.each(shardingSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 3, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('salted keys cover ≈ 6.5 of 10 partitions, as 10·(1 − 0.9¹⁰) predicts', async () => {
    const result = await shardingSystem.scenarios
      .find((s) => s.id === 'random-suffix-distinct-partitions')!
      .run({ seed: 1, quick: true });
    expect(result.measurements.meanDistinctPartitions).toBeGreaterThan(6.3);
    expect(result.measurements.meanDistinctPartitions).toBeLessThan(6.7);
  });

  it('range shards: every key has exactly one shard, in split order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 10 }), fc.string(), (raw, key) => {
        const splits = [...raw].sort();
        const ranges = new RangeShards(splits);
        const shard = ranges.shardOf(key);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(ranges.count);
        if (shard > 0) expect(key >= splits[shard - 1]!).toBe(true);
        if (shard < splits.length) expect(key < splits[shard]!).toBe(true);
      }),
    );
    expect(() => new RangeShards(['b', 'a'])).toThrow(/strictly increasing/);
  });

  it('pre-sharding moves only whole logical shards and keeps them balanced', () => {
    const cluster = new PreShardedCluster(64, ['a', 'b']);
    expect(cluster.addNode('c')).toBe(21);
    const perNode = new Map<string, number>();
    for (const owner of cluster.assignment) perNode.set(owner, (perNode.get(owner) ?? 0) + 1);
    expect(Math.max(...perNode.values()) - Math.min(...perNode.values())).toBeLessThanOrEqual(1);
  });
});

describe('re-keying by dual write and backfill', () => {
  it('versions with tombstones always leave the new store equal to the old; a plain upsert does not', () => {
    let naiveStale = 0;
    for (let seed = 0; seed < 8; seed++) {
      const versioned = runRekey('versioned-with-tombstones', 2_000, new Rng(seed));
      expect(versioned.staleRows + versioned.resurrectedRows + versioned.missingRows).toBe(0);
      naiveStale += runRekey('overwrite', 2_000, new Rng(seed)).staleRows;
    }
    expect(naiveStale).toBeGreaterThan(0);
  });
});
