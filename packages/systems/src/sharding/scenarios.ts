/** The sharding claims of CLAIMS.md D2 that a computation can settle, each measured. */
import { Rng, murmur3 } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { runRekey, type BackfillWrite, type RekeyResult } from './rekey';
import { PreShardedCluster, RangeShards, hashShard, snowflakeId } from './strategies';

const SHARDS = 10;
const share = (counts: number[]) => Math.max(...counts) / counts.reduce((a, b) => a + b, 0);

/** Range splits over fixed-width decimal ids: shard boundaries at equal steps of the id space. */
function idRangeShards(minId: bigint, maxId: bigint): RangeShards {
  const step = (maxId - minId) / BigInt(SHARDS);
  return new RangeShards(
    Array.from({ length: SHARDS - 1 }, (_, i) => (minId + step * BigInt(i + 1)).toString().padStart(20, '0')),
  );
}

export const rangeShardingHotTail: Scenario = {
  id: 'range-sharding-hot-last-shard',
  title: 'Range sharding on time-ordered keys sends every new write to the last shard',
  claim:
    'Range sharding by date or sequential id sends all new writes to the newest shard; hash sharding spreads them and turns range queries into scatter-gather.',
  expected: 'holds',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed);
    const writes = quick ? 20_000 : 100_000;
    // A year of existing data split evenly by id; then today's inserts arrive.
    const start = 1_700_000_000_000;
    const year = 365 * 86_400_000;
    const ranges = idRangeShards(
      BigInt(snowflakeId(start, 0, 0)),
      BigInt(snowflakeId(start + year, 1023, 4095)),
    );
    const rangeCounts = new Array<number>(SHARDS).fill(0);
    const hashCounts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < writes; i++) {
      const id = snowflakeId(start + year - 86_400_000 + rng.int(86_400_000), rng.int(1024), rng.int(4096));
      rangeCounts[ranges.shardOf(id)]!++;
      hashCounts[hashShard(id, SHARDS)]!++;
    }
    // A one-day range scan: how many shards each layout must ask.
    const from = snowflakeId(start + 100 * 86_400_000, 0, 0);
    const to = snowflakeId(start + 101 * 86_400_000, 0, 0);
    const rangeScan = ranges.shardsForRange(from, to);
    const rangeHot = share(rangeCounts);
    const hashHot = share(hashCounts);
    return {
      observed: rangeHot > 0.99 && hashHot < 0.15 && rangeScan <= 2 ? 'holds' : 'fails',
      summary: `Of today's inserts the busiest range shard took ${(rangeHot * 100).toFixed(1)}%, the busiest hash shard ${(hashHot * 100).toFixed(1)}%; a one-day scan asks ${rangeScan} range shard(s) but all ${SHARDS} hash shards.`,
      measurements: {
        rangeBusiestShare: rangeHot,
        hashBusiestShare: hashHot,
        rangeScanShards: rangeScan,
        hashScanShards: SHARDS,
      },
      tables: [
        {
          title: "Today's inserts per shard",
          columns: ['shard', 'range', 'hash'],
          rows: rangeCounts.map((c, i) => [i, c, hashCounts[i] as number]),
        },
      ],
    };
  },
};

export const snowflakeStillHot: Scenario = {
  id: 'time-ordered-ids-still-hot',
  title: 'Time-ordered ids (Snowflake, ULID) do not cure the hot last range',
  claim: 'Use Snowflake or time-ordered IDs to avoid the hot last range.',
  expected: 'fails',
  corrected:
    'Time-ordered ids sort by time, so range sharding still sends every insert to the last range; only random keys or hashing spread inserts.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed);
    const writes = quick ? 20_000 : 100_000;
    const start = 1_700_000_000_000;
    const ranges = idRangeShards(
      BigInt(snowflakeId(start, 0, 0)),
      BigInt(snowflakeId(start + 30 * 86_400_000, 1023, 4095)),
    );
    const snow = new Array<number>(SHARDS).fill(0);
    const random = new Array<number>(SHARDS).fill(0);
    const randomRanges = new RangeShards(
      Array.from({ length: SHARDS - 1 }, (_, i) =>
        Math.floor(((i + 1) * 2 ** 32) / SHARDS)
          .toString(16)
          .padStart(8, '0'),
      ),
    );
    for (let i = 0; i < writes; i++) {
      snow[
        ranges.shardOf(
          snowflakeId(start + 30 * 86_400_000 - 3_600_000 + rng.int(3_600_000), rng.int(1024), rng.int(4096)),
        )
      ]!++;
      random[randomRanges.shardOf(rng.nextUint32().toString(16).padStart(8, '0'))]!++;
    }
    const snowHot = share(snow);
    return {
      observed: snowHot > 0.99 ? 'fails' : 'holds',
      summary: `With Snowflake ids the last range shard took ${(snowHot * 100).toFixed(1)}% of the last hour's inserts; with random ids the busiest took ${(share(random) * 100).toFixed(1)}%.`,
      measurements: { snowflakeBusiestShare: snowHot, randomBusiestShare: share(random) },
      counterexample: { insertsPerShard: snow },
    };
  },
};

export const randomSuffixSpread: Scenario = {
  id: 'random-suffix-distinct-partitions',
  title: 'Ten salted keys land on fewer than ten partitions',
  claim: 'A random suffix 0–9 spreads a celebrity over 10 partitions.',
  expected: 'partly',
  corrected:
    'Ten salted keys hash onto ≈ 6.5 distinct partitions of 10 (collisions), reads must scatter-gather all ten sub-keys, and data written before salting began is never read by them.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const trials = quick ? 2_000 : 20_000;
    let total = 0;
    for (let t = 0; t < trials; t++) {
      const distinct = new Set(
        Array.from({ length: 10 }, (_, s) => hashShard(`celebrity-${seed}-${t}#${s}`, SHARDS)),
      );
      total += distinct.size;
    }
    const mean = total / trials;
    const expected = SHARDS * (1 - (1 - 1 / SHARDS) ** 10);
    return {
      observed: Math.abs(mean - expected) < 0.15 && mean < 9 ? 'partly' : 'fails',
      summary: `Across ${trials.toLocaleString('en-US')} celebrities, 10 salted sub-keys landed on ${mean.toFixed(2)} distinct partitions of 10 on average (10·(1 − 0.9¹⁰) = ${expected.toFixed(2)}).`,
      measurements: { meanDistinctPartitions: mean, predicted: expected },
    };
  },
};

export const timeSuffixMovesHotspot: Scenario = {
  id: 'time-suffix-moves-the-hotspot',
  title: 'A time-based suffix moves the hotspot instead of removing it',
  claim: 'A time-based suffix (hour % 4) relieves a hot partition.',
  expected: 'fails',
  corrected:
    'At any moment every write of the hot key goes to the one partition for the current hour; the hotspot only moves each hour. A random suffix spreads concurrent load.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed);
    const perHour = quick ? 2_000 : 10_000;
    const rows: (string | number)[][] = [];
    let worstTime = 0;
    let worstRandom = 0;
    for (let hour = 0; hour < 8; hour++) {
      const byTime = new Array<number>(4).fill(0);
      const byRandom = new Array<number>(4).fill(0);
      for (let i = 0; i < perHour; i++) {
        byTime[hour % 4]!++;
        byRandom[rng.int(4)]!++;
      }
      worstTime = Math.max(worstTime, share(byTime));
      worstRandom = Math.max(worstRandom, share(byRandom));
      rows.push([hour, hour % 4, round(share(byTime)), round(share(byRandom))]);
    }
    return {
      observed: worstTime === 1 ? 'fails' : 'holds',
      summary: `In every hour the time-suffixed key sent ${(worstTime * 100).toFixed(0)}% of its writes to one of its 4 partitions; a random suffix kept the busiest at ${(worstRandom * 100).toFixed(1)}%.`,
      measurements: { busiestShareTimeSuffix: worstTime, busiestShareRandomSuffix: worstRandom },
      tables: [
        {
          title: 'Busiest sub-partition share per hour',
          columns: ['hour', 'partition in use (hour % 4)', 'time suffix', 'random suffix'],
          rows,
        },
      ],
    };
  },
};

export const preShardingMovesShards: Scenario = {
  id: 'pre-sharding-moves-whole-shards',
  title: 'Pre-sharding turns scale-out into moving whole shards',
  claim:
    'Pre-sharding into many logical shards turns scale-out into moving whole shards instead of rehashing keys: measure bytes moved.',
  expected: 'holds',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const keys = Array.from({ length: quick ? 20_000 : 100_000 }, (_, i) => `row-${seed}-${i}`);
    const bytesPerRow = 1024;
    const nodes = ['a', 'b', 'c', 'd'];
    const cluster = new PreShardedCluster(256, nodes);
    const before = keys.map((k) => cluster.nodeOf(k));
    const shardsMoved = cluster.addNode('e');
    let movedPre = 0;
    keys.forEach((k, i) => {
      if (cluster.nodeOf(k) !== before[i]) movedPre++;
    });
    let movedModulo = 0;
    for (const key of keys) if (murmur3(key) % 4 !== murmur3(key) % 5) movedModulo++;
    const pre = movedPre / keys.length;
    const modulo = movedModulo / keys.length;
    return {
      observed: pre < 0.25 && modulo > 0.7 ? 'holds' : 'fails',
      summary: `Adding a 5th node to 256 logical shards on 4 nodes moved ${shardsMoved} whole shards = ${(pre * 100).toFixed(1)}% of rows (${((movedPre * bytesPerRow) / 2 ** 20).toFixed(1)} MiB at 1 KiB/row); rehashing mod 4 → mod 5 would move ${(modulo * 100).toFixed(1)}%.`,
      measurements: {
        shardsMoved,
        movedFractionPreSharded: pre,
        movedFractionModulo: modulo,
        mibMovedPreSharded: (movedPre * bytesPerRow) / 2 ** 20,
      },
    };
  },
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const dualWriteRekey: Scenario = {
  id: 'dual-write-rekey',
  title: 'Re-keying by dual write and backfill',
  claim: 'Re-key by dual write, idempotent backfill, then flip reads.',
  expected: 'partly',
  corrected:
    'The backfill races the dual writes: a plain upsert overwrites rows written after it read them, and insert-if-absent still resurrects rows deleted meanwhile. Copy with versions and keep deletes as tombstones, and the new store equals the old one when reads flip.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const rows = quick ? 5_000 : 50_000;
    const table: (string | number)[][] = [];
    const results = new Map<BackfillWrite, RekeyResult>();
    for (const strategy of ['overwrite', 'insert-if-absent', 'versioned-with-tombstones'] as const) {
      const result = runRekey(strategy, rows, new Rng(seed).fork(strategy));
      results.set(strategy, result);
      table.push([strategy, result.staleRows, result.resurrectedRows, result.missingRows]);
    }
    const naive = results.get('overwrite') as RekeyResult;
    const ifAbsent = results.get('insert-if-absent') as RekeyResult;
    const versioned = results.get('versioned-with-tombstones') as RekeyResult;
    const clean = (r: RekeyResult) => r.staleRows + r.resurrectedRows + r.missingRows === 0;
    return {
      observed:
        !clean(naive) && !clean(ifAbsent) && clean(versioned) ? 'partly' : clean(naive) ? 'holds' : 'fails',
      summary: `${rows.toLocaleString('en-US')} rows migrated under concurrent updates and deletes: a plain upsert left ${naive.staleRows} rows stale, insert-if-absent brought back ${ifAbsent.resurrectedRows} deleted rows, versions with tombstones left the new store identical to the old.`,
      measurements: {
        overwriteStale: naive.staleRows,
        overwriteResurrected: naive.resurrectedRows,
        insertIfAbsentStale: ifAbsent.staleRows,
        insertIfAbsentResurrected: ifAbsent.resurrectedRows,
        versionedDifferences: versioned.staleRows + versioned.resurrectedRows + versioned.missingRows,
      },
      tables: [
        {
          title: 'The new store against the old one when reads flip',
          columns: ['backfill write', 'stale rows', 'resurrected deletes', 'missing rows'],
          rows: table,
        },
      ],
      ...(naive.example ? { counterexample: naive.example } : {}),
    };
  },
};

export const shardingScenarios: readonly Scenario[] = [
  dualWriteRekey,
  rangeShardingHotTail,
  snowflakeStillHot,
  randomSuffixSpread,
  timeSuffixMovesHotspot,
  preShardingMovesShards,
];
