/** Avalanche, penetration, the stale-set race, write-through, versioned keys, write-behind, two levels. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { CacheCluster, CacheParams } from '../cluster';
import { perBucket, quantile } from '../ledger';
import { hashOf, round, run } from './common';

const BUCKET_MS = 50;

/** Pauses a random application server every `everyMs` for 20–80 ms: GC pauses, the classic slow reader. */
function gcPauses(everyMs: number): (cluster: CacheCluster) => void {
  return (cluster) => {
    const rng = cluster.world.rng.fork('gc');
    const tick = () => {
      if (cluster.world.now() >= cluster.params.durationMs) return;
      cluster.world.pause(rng.pick(cluster.apps), rng.uniform(20, 80));
      cluster.world.after(everyMs, 'gc pause', tick);
    };
    cluster.world.after(everyMs, 'gc pause', tick);
  };
}

function dbReadsOf(cluster: CacheCluster, prefix: string): number {
  let n = 0;
  for (const [key, count] of cluster.ledger.dbReadsByKey) if (key.startsWith(prefix)) n += count;
  return n;
}

/** The most database reads the application servers asked for in one 50 ms bucket (demand, before any queue). */
function peak(cluster: CacheCluster, fromMs: number, toMs: number): number {
  const buckets = perBucket(cluster.ledger.fetchAt, BUCKET_MS, toMs);
  return Math.max(0, ...buckets.slice(Math.floor(fromMs / BUCKET_MS)));
}

export const ttlJitter: Scenario = {
  id: 'ttl-jitter',
  title: 'TTL jitter spreads a mass expiry, and does nothing for a lost cache node',
  claim: 'TTL jitter spreads a mass expiry; it does nothing for losing a cache node.',
  expected: 'holds',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const base: Partial<CacheParams> = {
      caches: 3,
      apps: 2,
      clients: quick ? 3 : 10,
      rate: 200,
      keys: 300,
      zipfS: 0,
      ttlMs: 1_000,
      dbCapacity: 32,
      durationMs: quick ? 1_600 : 2_600,
      cacheTimeoutMs: 20,
    };
    const warm = (cluster: CacheCluster) =>
      cluster.world.after(0, 'warm the cache', () => cluster.app('app1').warm(cluster.keys));
    const crashAt = 450;
    const lose = (cluster: CacheCluster) => {
      warm(cluster);
      cluster.world.after(crashAt, 'lose cache2', () => cluster.world.crash('cache2'));
    };
    const start = { startAtMs: 100 };
    const plain = run({ ...base, ...start }, seed, warm);
    const jitter = run({ ...base, ...start, ttlJitterMs: 1_000 }, seed, warm);
    const lostPlain = run({ ...base, ...start }, seed, lose);
    const lostJitter = run({ ...base, ...start, ttlJitterMs: 1_000 }, seed, lose);
    const expiryPeak = (c: CacheCluster) => peak(c, 900, c.params.durationMs);
    const lossPeak = (c: CacheCluster) => peak(c, crashAt, 900);
    const [pe, je, pl, jl] = [
      expiryPeak(plain),
      expiryPeak(jitter),
      lossPeak(lostPlain),
      lossPeak(lostJitter),
    ];
    const p99 = (c: CacheCluster) => quantile(c.ledger.latencies, 0.99);
    // "Spreads": the peak of database reads per 50 ms at least halves. "Does nothing": the spike after
    // losing a node is the same with and without jitter, within three Poisson standard deviations.
    const spreads = je <= pe / 2;
    const same = Math.abs(jl - pl) <= 3 * Math.sqrt(Math.max(pl, 1));
    return {
      observed: spreads && same ? 'holds' : 'fails',
      summary:
        `300 keys warmed at once with a 1 s TTL: at their expiry the servers asked the database for up to ${pe} reads per 50 ms without ` +
        `jitter, ${je} with 0–1 s of jitter. Losing one of three cache nodes at ${crashAt} ms: ${pl} per 50 ms without ` +
        `jitter, ${jl} with it.`,
      measurements: {
        expiryPeakPlain: pe,
        expiryPeakJitter: je,
        lossPeakPlain: pl,
        lossPeakJitter: jl,
        refusedPlain: plain.ledger.refusedAt.length,
        refusedJitter: jitter.ledger.refusedAt.length,
      },
      tables: [
        {
          title: 'Database reads asked for per 50 ms, at the peak',
          columns: ['case', 'no jitter', '0–1 s jitter'],
          rows: [
            ['mass expiry (t ≥ 900 ms)', pe, je],
            ['lost cache node (450–900 ms)', pl, jl],
            [
              'refused by the database, mass expiry',
              plain.ledger.refusedAt.length,
              jitter.ledger.refusedAt.length,
            ],
            ['p99 latency ms, mass expiry', round(p99(plain), 1), round(p99(jitter), 1)],
          ],
        },
        {
          title: 'Database reads per 50 ms over time (mass expiry)',
          columns: ['from ms', 'no jitter', 'jitter'],
          rows: perBucket(plain.ledger.fetchAt, BUCKET_MS, plain.params.durationMs).map((n, i) => [
            i * BUCKET_MS,
            n,
            perBucket(jitter.ledger.fetchAt, BUCKET_MS, plain.params.durationMs)[i] as number,
          ]),
        },
      ],
      traceHash: hashOf([plain, jitter, lostPlain, lostJitter]),
    };
  },
};

function penetrationRun(seed: number, quick: boolean | undefined, extra: Partial<CacheParams>): CacheCluster {
  return run(
    {
      apps: 2,
      clients: 4,
      rate: 100,
      keys: 100,
      missingFraction: 0.5,
      ttlMs: 2_000,
      dbCapacity: 16,
      durationMs: quick ? 1_500 : 5_000,
      ...extra,
    },
    seed,
  );
}

export const nullCaching: Scenario = {
  id: 'null-caching',
  title: 'Caching nulls stops repeated misses, not random ones',
  claim: 'Caching nulls stops penetration.',
  expected: 'partly',
  corrected:
    'A cached null answers only the same missing key again: random non-existent keys each miss once and reach the database. A Bloom filter of the keys that exist, in front, stops those.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const cases: [string, Partial<CacheParams>][] = [
      ['20 missing keys, no null caching', { missingKeys: 20 }],
      ['20 missing keys, nulls cached 1 s', { missingKeys: 20, nullTtlMs: 1_000 }],
      ['random missing keys, nulls cached 1 s', { missingKeys: 0, nullTtlMs: 1_000 }],
      ['random missing keys, Bloom filter (1%)', { missingKeys: 0, nullTtlMs: 1_000, bloom: true }],
    ];
    const runs = cases.map(([, extra]) => penetrationRun(seed, quick, extra));
    const share = runs.map((c) => dbReadsOf(c, 'x') / Math.max(1, c.ledger.missingReads));
    const [repeatedPlain, repeatedNull, randomNull, randomBloom] = share as [number, number, number, number];
    // Null caching "stops" repeated misses (at most half as many reach the database: each missing key
    // once per null TTL) but not random ones (≥ 90% still do); the filter lets through about its
    // false-positive rate (1%), at most three times it.
    const repeatedStopped = repeatedNull <= repeatedPlain / 2;
    const randomThrough = randomNull >= 0.9;
    const bloomStops = randomBloom <= 0.03;
    return {
      observed:
        repeatedStopped && randomThrough && bloomStops
          ? 'partly'
          : repeatedStopped && !randomThrough
            ? 'holds'
            : 'fails',
      summary: `Share of reads for missing keys that reached the database: ${cases.map(([name], i) => `${name} ${round((share[i] as number) * 100, 1)}%`).join('; ')}.`,
      measurements: { repeatedPlain, repeatedNull, randomNull, randomBloom },
      tables: [
        {
          title: 'Reads for keys that do not exist (half the traffic)',
          columns: ['case', 'missing-key reads', 'reached the database', 'share'],
          rows: cases.map(([name], i) => {
            const c = runs[i] as CacheCluster;
            return [name, c.ledger.missingReads, dbReadsOf(c, 'x'), round(share[i] as number, 4)];
          }),
        },
      ],
      traceHash: hashOf(runs),
    };
  },
};

export const bloomNeverRejects: Scenario = {
  id: 'bloom-gate',
  title: 'A Bloom filter gate never rejects a valid key',
  claim: 'A Bloom filter gate occasionally rejects a valid key.',
  expected: 'fails',
  corrected:
    'A Bloom filter has no false negatives: every key added passes. Its errors go the other way — false positives let a fraction of invalid keys through to the cache and the database.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const cluster = penetrationRun(seed, quick, {
      missingKeys: 0,
      bloom: true,
      bloomFalsePositiveRate: 0.05,
    });
    const { ledger } = cluster;
    const validReads = ledger.reads - ledger.missingReads;
    const passedShare = ledger.missingPassed / Math.max(1, ledger.missingReads);
    return {
      observed: ledger.validRejected > 0 ? 'holds' : ledger.missingPassed > 0 ? 'fails' : 'partly',
      summary:
        `Of ${validReads} reads of valid keys the filter rejected ${ledger.validRejected}; of ${ledger.missingReads} reads of ` +
        `keys that do not exist it let ${ledger.missingPassed} through (${round(passedShare * 100, 2)}%, sized for 5%).`,
      measurements: {
        validReads,
        validRejected: ledger.validRejected,
        invalidReads: ledger.missingReads,
        invalidPassed: ledger.missingPassed,
        invalidPassedShare: passedShare,
      },
      traceHash: cluster.world.traceHash(),
    };
  },
};

function raceRun(
  seed: number,
  quick: boolean | undefined,
  extra: Partial<CacheParams>,
  pauses: boolean,
  setup?: (cluster: CacheCluster) => void,
): CacheCluster {
  return run(
    {
      apps: 3,
      clients: 6,
      rate: 100,
      keys: 10,
      zipfS: 0.5,
      writeFraction: 0.1,
      ttlMs: 1_000,
      dbReadMs: 20,
      dbWriteMs: 5,
      dbCapacity: 16,
      durationMs: quick ? 1_500 : 6_000,
      ...extra,
    },
    seed,
    (cluster) => {
      if (pauses) gcPauses(40)(cluster);
      setup?.(cluster);
    },
  );
}

export const cacheAsideRace: Scenario = {
  id: 'cache-aside-race',
  title: 'Delete on update, and a slow reader puts the old value back',
  claim: 'Cache-aside: delete on update and the next read fills fresh data.',
  expected: 'partly',
  corrected:
    'Only when no read is in flight across the update: a reader that read the database before the write and fills after the delete puts the old value back (and a lagging replica refills it), stale until the TTL. Leases (the delete voids the reader’s token) stop the first, not the second.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const cases: [string, CacheCluster][] = [
      [
        'one client, one request at a time',
        raceRun(seed, quick, { clients: 1, rate: 20, clientMaxInFlight: 1 }, false),
      ],
      ['6 clients, GC pauses on the app servers', raceRun(seed, quick, {}, true)],
      ['6 clients, reads from a replica 50 ms behind', raceRun(seed, quick, { replicaLagMs: 50 }, false)],
      ['6 clients, GC pauses, memcache leases', raceRun(seed, quick, { guard: 'lease' }, true)],
    ];
    const fills = cases.map(([, c]) => c.ledger.staleAfterDelete);
    const [alone, paused, replica, leased] = fills as [number, number, number, number];
    return {
      observed: alone === 0 && paused > 0 && replica > 0 ? 'partly' : alone === 0 ? 'holds' : 'fails',
      summary:
        `Old values put back into the cache after the delete that removed them: ${cases.map(([name], i) => `${name}: ${fills[i]}`).join('; ')}. ` +
        `Each stays until its ${cases[1]?.[1].params.ttlMs} ms TTL.`,
      measurements: {
        staleFillsAlone: alone,
        staleFillsPaused: paused,
        staleFillsReplica: replica,
        staleFillsLeases: leased,
        staleAnswersPaused: cases[1]?.[1].ledger.staleServed ?? 0,
      },
      tables: [
        {
          title: 'Cache-aside with delete on update',
          columns: ['case', 'writes', 'old values put back after the delete', 'stale answers'],
          rows: cases.map(([name, c]) => [
            name,
            c.ledger.dbWrites,
            c.ledger.staleAfterDelete,
            c.ledger.staleServed,
          ]),
        },
      ],
      traceHash: hashOf(cases.map(([, c]) => c)),
    };
  },
};

/**
 * Keys whose cache holds an older version than the database although the key's last write was more
 * than `settledMs` ago: longer than a write's two steps take, GC pause included.
 */
function divergent(cluster: CacheCluster, settledMs: number): number {
  let n = 0;
  const now = cluster.world.now();
  for (const key of cluster.keys) {
    if (now - (cluster.ledger.lastWriteAt.get(key) ?? -Infinity) < settledMs) continue;
    const current = cluster.db().current(key).version;
    for (const id of cluster.caches) {
      const cached = cluster.cache(id).live(key);
      if (cached !== undefined && cached.version < current) n++;
    }
  }
  return n;
}

/** A write-through's two steps take a few ms; a GC pause here lasts at most 80 ms. */
const SETTLED_MS = 100;

export const writeThroughNoTransaction: Scenario = {
  id: 'write-through-no-transaction',
  title: 'Write-through is two writes, not one transaction',
  claim: 'Write-through updates database and cache in one transaction.',
  expected: 'fails',
  corrected:
    'The database and the cache cannot share a transaction: two writers that interleave (A writes the database, B writes the database, B sets the cache, A sets the cache) leave the cache with A’s older value, until the TTL or the next write.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    let samples = 0;
    let diverged = 0;
    let most = 0;
    const sample = (c: CacheCluster) => {
      const tick = () => {
        if (c.world.now() >= c.params.durationMs) return;
        const n = divergent(c, SETTLED_MS);
        samples++;
        if (n > 0) diverged++;
        most = Math.max(most, n);
        c.world.after(10, 'compare cache and database', tick);
      };
      c.world.after(10, 'compare cache and database', tick);
    };
    const cluster = raceRun(
      seed,
      quick,
      { writeMode: 'write-through', writeFraction: 0.3, ttlMs: 60_000 },
      true,
      sample,
    );
    const share = diverged / Math.max(1, samples);
    return {
      observed: most > 0 ? 'fails' : 'holds',
      summary:
        `${cluster.ledger.dbWrites} write-through writes from 6 clients over 3 servers with GC pauses: ${cluster.ledger.staleFills} ` +
        `cache sets landed older than the database's value; sampled every 10 ms, the cache held an older version than the ` +
        `database ${SETTLED_MS} ms or more after the key's last write ${round(share * 100, 1)}% of the time (up to ${most} of ${cluster.keys.length} keys at once), until the next write of that key.`,
      measurements: {
        writes: cluster.ledger.dbWrites,
        staleSets: cluster.ledger.staleFills,
        divergedShare: share,
        mostDivergent: most,
        staleAnswers: cluster.ledger.staleServed,
      },
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const versionedKeys: Scenario = {
  id: 'versioned-keys',
  title: 'Versioned keys cannot be overwritten; the version pointer can',
  claim: 'Versioned keys stop stale overwrites.',
  expected: 'partly',
  corrected:
    'An entry under `key#v<n>` is never overwritten with other data, but readers find n through a cached pointer, and filling that pointer has the same race: an old pointer put back sends readers to an old version until its TTL.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const cluster = raceRun(seed, quick, { writeMode: 'versioned', writeFraction: 0.2 }, true);
    const { ledger } = cluster;
    return {
      observed:
        ledger.dataOverwrites === 0 && ledger.staleFills > 0
          ? 'partly'
          : ledger.dataOverwrites === 0
            ? 'holds'
            : 'fails',
      summary:
        `${ledger.dbWrites} writes: ${ledger.dataOverwrites} versioned entries rewritten with other data, ${ledger.staleFills} ` +
        `version pointers set back to an older version, ${ledger.staleServed} stale answers.`,
      measurements: {
        writes: ledger.dbWrites,
        dataOverwrites: ledger.dataOverwrites,
        stalePointers: ledger.staleFills,
        staleAnswers: ledger.staleServed,
      },
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const writeBehindLoss: Scenario = {
  id: 'write-behind-loss',
  title: 'Write-behind loses acknowledged writes when the cache dies',
  claim: 'Write-behind to the cache, persist later.',
  expected: 'partly',
  corrected:
    'It persists every acknowledged write only while the cache survives: a crash of the cache loses every write acknowledged since the last flush.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const base: Partial<CacheParams> = {
      apps: 2,
      clients: 4,
      rate: 100,
      keys: 50,
      writeFraction: 0.5,
      writeMode: 'write-behind',
      flushEveryMs: 200,
      durationMs: quick ? 1_500 : 5_000,
    };
    const calm = run(base, seed);
    const crashAt = 1_090;
    const crashed = run(base, seed, (cluster) => {
      cluster.world.after(crashAt, 'crash the cache', () => cluster.world.crash('cache1'));
      cluster.world.after(crashAt + 100, 'restart the cache', () => cluster.world.restart('cache1'));
    });
    const [a, b] = [calm.ledger, crashed.ledger];
    return {
      observed:
        a.lostWrites() === 0 && b.lostWrites() > 0 ? 'partly' : b.lostWrites() === 0 ? 'holds' : 'fails',
      summary:
        `No crash: ${a.lostWrites()} of ${a.acked.size} acknowledged writes lost. The cache crashed at ${crashAt} ms ` +
        `(flushes every 200 ms): ${b.lostWrites()} of ${b.acked.size} acknowledged writes never reached the database.`,
      measurements: {
        ackedCalm: a.acked.size,
        lostCalm: a.lostWrites(),
        ackedCrashed: b.acked.size,
        lostCrashed: b.lostWrites(),
      },
      traceHash: hashOf([calm, crashed]),
    };
  },
};

export const twoLevel: Scenario = {
  id: 'two-level-cache',
  title: 'An in-process cache over the shared one: fewer trips, and stale until its TTL',
  claim: 'An in-process cache in front of the shared cache is a free speed-up.',
  expected: 'partly',
  corrected:
    'It answers most reads without a network trip, but a delete reaches only the shared cache: other servers keep serving their in-process copy until its own TTL, so it trades staleness (bounded by that TTL) for latency.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const base: Partial<CacheParams> = {
      apps: 3,
      clients: 6,
      rate: 100,
      keys: 100,
      zipfS: 1,
      writeFraction: 0.05,
      ttlMs: 2_000,
      latencyMs: 1,
      durationMs: quick ? 1_500 : 6_000,
    };
    const shared = run(base, seed);
    const twoLevels = run({ ...base, localCapacity: 50, localTtlMs: 200 }, seed);
    const local = twoLevels.ledger.from.get('local') ?? 0;
    const p50 = (c: CacheCluster) => quantile(c.ledger.latencies, 0.5);
    const faster = p50(twoLevels) < p50(shared);
    const staler = twoLevels.ledger.staleServed > shared.ledger.staleServed;
    return {
      observed: faster && staler ? 'partly' : faster ? 'holds' : 'fails',
      summary:
        `With a 50-entry, 200 ms in-process cache ${round((local / Math.max(1, twoLevels.ledger.ok)) * 100, 1)}% of reads ` +
        `never left the server; p50 ${round(p50(twoLevels), 2)} ms against ${round(p50(shared), 2)} ms; stale answers ` +
        `${twoLevels.ledger.staleServed} against ${shared.ledger.staleServed} with the shared cache alone.`,
      measurements: {
        localShare: local / Math.max(1, twoLevels.ledger.ok),
        p50TwoLevel: p50(twoLevels),
        p50Shared: p50(shared),
        staleTwoLevel: twoLevels.ledger.staleServed,
        staleShared: shared.ledger.staleServed,
      },
      traceHash: hashOf([shared, twoLevels]),
    };
  },
};
