/** The sharding claims of CLAIMS.md D2 that a computation can settle, each measured. */
import { Rng, murmur3 } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { runRekey, type BackfillWrite, type RekeyResult } from './rekey';
import { SplittingRanges } from './splitting';
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

/** Share of requests on the busiest node, for a stream of keys routed by `nodeOf`. */
function busiestShare(keys: readonly string[], nodeOf: (key: string) => number, nodes: number): number {
  const counts = new Array<number>(nodes).fill(0);
  for (const key of keys) {
    const node = nodeOf(key);
    counts[node] = (counts[node] ?? 0) + 1;
  }
  return Math.max(...counts) / keys.length;
}

export const loadBasedSplitting: Scenario = {
  id: 'load-based-range-splits',
  title: 'Splitting hot ranges: what it fixes and what it cannot',
  claim: 'Range sharding handles hotspots by splitting hot ranges.',
  expected: 'partly',
  corrected:
    'Splits spread a hot range of many keys over many nodes. They cannot split a single hot key, and with time-ordered keys every split leaves the newest range — where all inserts go — hot again.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const nodes = 8;
    const perWindow = quick ? 20_000 : 100_000;
    const windows = 8;
    const pad = (n: number) => String(n).padStart(9, '0');
    const workloads: { name: string; next: (rng: Rng, t: number) => string }[] = [
      // 60% of requests on 1% of a 1,000,000-key space (users 0..9,999), the rest uniform.
      {
        name: 'hot range of 10,000 keys',
        next: (rng) => `user${pad(rng.next() < 0.6 ? rng.int(10_000) : rng.int(1_000_000))}`,
      },
      { name: 'one hot key', next: (rng) => `user${pad(rng.next() < 0.6 ? 4_242 : rng.int(1_000_000))}` },
      { name: 'time-ordered inserts', next: (_rng, t) => `event${pad(t)}` },
    ];
    const rows: (string | number)[][] = [];
    const after: number[] = [];
    for (const workload of workloads) {
      const rng = new Rng(seed).fork(workload.name);
      const ranges = new SplittingRanges(nodes, 0.1);
      let t = 0;
      let first = 0;
      let last = 0;
      for (let w = 0; w < windows; w++) {
        const keys: string[] = [];
        for (let i = 0; i < perWindow; i++) keys.push(workload.next(rng, t++));
        const share = busiestShare(keys, (k) => ranges.nodeOf(k), nodes);
        if (w === 0) first = share;
        last = share;
        for (const key of keys) ranges.record(key);
        ranges.endWindow();
      }
      after.push(last);
      rows.push([
        workload.name,
        Number(first.toFixed(3)),
        Number(last.toFixed(3)),
        ranges.splitsMade,
        ranges.ranges,
      ]);
    }
    const [hotRange, hotKey, timeOrdered] = after as [number, number, number];
    return {
      observed:
        hotRange < 0.25 && hotKey > 0.55 && timeOrdered > 0.9
          ? 'partly'
          : hotRange < 0.25
            ? 'holds'
            : 'fails',
      summary: `After ${windows} windows of load-based splits over ${nodes} nodes, the busiest node took ${(hotRange * 100).toFixed(0)}% of a hot 10,000-key range's traffic (was ${((rows[0]?.[1] as number) * 100).toFixed(0)}%), but still ${(hotKey * 100).toFixed(0)}% with one hot key and ${(timeOrdered * 100).toFixed(0)}% with time-ordered inserts.`,
      measurements: {
        busiestShareHotRange: hotRange,
        busiestShareHotKey: hotKey,
        busiestShareTimeOrdered: timeOrdered,
      },
      tables: [
        {
          title: `Busiest node's share of requests, ${nodes} nodes, ranges split above 10% of a window`,
          columns: ['workload', 'first window', 'last window', 'splits', 'ranges'],
          rows,
        },
      ],
    };
  },
};

export const directorySharding: Scenario = {
  id: 'directory-moves-one-tenant',
  title: 'A directory moves one tenant; rehashing moves everyone',
  claim:
    'Directory (lookup-table) sharding lets you move a single hot tenant to its own shard without touching the others.',
  expected: 'holds',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const tenants = 1_000;
    const rowsPerTenant = quick ? 50 : 200;
    const shards = 8;
    const rng = new Rng(seed);
    // Tenant 7 is a whale: 100× the rows of the others.
    const sizes = Array.from({ length: tenants }, (_, t) => (t === 7 ? rowsPerTenant * 100 : rowsPerTenant));
    const directory = new Map<number, number>();
    for (let t = 0; t < tenants; t++) directory.set(t, rng.int(shards));
    const total = sizes.reduce((a, b) => a + b, 0);
    const load = (placement: (t: number) => number, n: number) => {
      const per = new Array<number>(n).fill(0);
      sizes.forEach((size, t) => {
        const shard = placement(t);
        per[shard] = (per[shard] ?? 0) + size;
      });
      return Math.max(...per) / (total / n);
    };
    const before = load((t) => directory.get(t) as number, shards);
    // Directory: give the whale shard 8 of its own; only its rows move.
    const moved = sizes[7] as number;
    directory.set(7, shards);
    const afterDirectory = load((t) => directory.get(t) as number, shards + 1);
    // Rehashing tenants over 9 shards instead: every tenant whose hash bucket changes moves.
    let rehashMoved = 0;
    sizes.forEach((size, t) => {
      const h = murmur3(`tenant-${t}`);
      if (h % shards !== h % (shards + 1)) rehashMoved += size;
    });
    return {
      observed: moved / total < 0.2 && rehashMoved > 3 * moved && afterDirectory < before ? 'holds' : 'fails',
      summary: `Moving the whale tenant through the directory moved ${((moved / total) * 100).toFixed(1)}% of the rows and brought the busiest shard from ${before.toFixed(2)}× to ${afterDirectory.toFixed(2)}× the mean; rehashing tenants from 8 to 9 shards would move ${((rehashMoved / total) * 100).toFixed(1)}%. The price: every request first asks the directory.`,
      measurements: {
        movedShareDirectory: moved / total,
        movedShareRehash: rehashMoved / total,
        busiestBefore: before,
        busiestAfter: afterDirectory,
      },
    };
  },
};

export const geoSharding: Scenario = {
  id: 'geo-sharding-latency',
  title: 'Geo sharding: local for people at home, not for travellers',
  claim: 'Geo sharding (each user’s data in their home region) makes every request local.',
  expected: 'partly',
  corrected:
    'Requests from a user’s home region are local; a traveller, a cross-region query or a user who moved pays the WAN round trip (≈ 80–160 ms here), which dominates the tail.',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const regions = ['us-east', 'eu-west', 'ap-southeast'];
    // Round trips in ms between regions (same region: 1 ms).
    const rtt = [
      [1, 80, 230],
      [80, 1, 160],
      [230, 160, 1],
    ];
    const rng = new Rng(seed);
    const requests = quick ? 20_000 : 200_000;
    const latencies: number[] = [];
    let away = 0;
    for (let i = 0; i < requests; i++) {
      const home = rng.int(3);
      const travelling = rng.next() < 0.03;
      const from = travelling ? (home + 1 + rng.int(2)) % 3 : home;
      if (from !== home) away++;
      latencies.push((rtt[from] as number[])[home] as number);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(requests * 0.5)] as number;
    const p99 = latencies[Math.floor(requests * 0.99)] as number;
    const mean = latencies.reduce((a, b) => a + b, 0) / requests;
    return {
      observed: p50 <= 1 && p99 >= 80 ? 'partly' : 'holds',
      summary: `With 3% of requests made away from home (${regions.join(', ')}), the median request took ${p50} ms, the mean ${mean.toFixed(1)} ms and p99 ${p99} ms: the ${away.toLocaleString('en-US')} travellers' requests set the tail.`,
      measurements: { p50Ms: p50, meanMs: mean, p99Ms: p99, awayShare: away / requests },
    };
  },
};

export const shardingScenarios: readonly Scenario[] = [
  loadBasedSplitting,
  directorySharding,
  geoSharding,
  dualWriteRekey,
  rangeShardingHotTail,
  snowflakeStillHot,
  randomSuffixSpread,
  timeSuffixMovesHotspot,
  preShardingMovesShards,
];
