/** Cache-aside, read-through, write-through and write-behind on one workload: hit ratio and database load. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { CacheCluster, CacheParams } from '../cluster';
import { quantile } from '../ledger';
import { hashOf, round, run } from './common';

function hitRatio(cluster: CacheCluster): { ratio: number; lookups: number } {
  let hits = 0;
  let lookups = 0;
  for (const id of cluster.caches) {
    const s = cluster.cache(id).snapshot();
    hits += s.hits;
    lookups += s.hits + s.misses;
  }
  return { ratio: lookups > 0 ? hits / lookups : 0, lookups };
}

export const readWritePatterns: Scenario = {
  id: 'read-write-patterns',
  title: 'Cache-aside, read-through, write-through, write-behind: hit ratio and database load',
  claim:
    'Read-through moves the cache-aside logic into the cache without changing its hit ratio; write-through and write-behind fill the cache on every write and so raise it.',
  expected: 'holds',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const base: Partial<CacheParams> = {
      apps: 2,
      clients: 4,
      rate: 100,
      keys: 200,
      zipfS: 0.9,
      writeFraction: 0.2,
      ttlMs: 2_000,
      durationMs: quick ? 1_500 : 6_000,
    };
    const cases: [string, Partial<CacheParams>][] = [
      ['cache-aside (delete on write)', {}],
      ['read-through (delete on write)', { readThrough: true }],
      ['write-through', { writeMode: 'write-through' }],
      ['write-behind (flush every 100 ms)', { writeMode: 'write-behind' }],
    ];
    const runs = cases.map(([, extra]) => run({ ...base, ...extra }, seed));
    const ratios = runs.map(hitRatio);
    const [aside, through, writeThrough, behind] = ratios as [
      { ratio: number; lookups: number },
      { ratio: number; lookups: number },
      { ratio: number; lookups: number },
      { ratio: number; lookups: number },
    ];
    // Two hit ratios agree when they differ by at most three standard errors of their difference.
    const se = (a: typeof aside, b: typeof aside) =>
      Math.sqrt(
        (a.ratio * (1 - a.ratio)) / Math.max(1, a.lookups) +
          (b.ratio * (1 - b.ratio)) / Math.max(1, b.lookups),
      );
    const same = Math.abs(through.ratio - aside.ratio) <= 3 * se(through, aside);
    const raised =
      writeThrough.ratio - aside.ratio > 3 * se(writeThrough, aside) &&
      behind.ratio - aside.ratio > 3 * se(behind, aside);
    const seconds = (c: CacheCluster) => c.params.durationMs / 1_000;
    return {
      observed: same && raised ? 'holds' : 'fails',
      summary:
        `Hit ratio ${cases.map(([name], i) => `${name} ${round((ratios[i] as { ratio: number }).ratio, 3)}`).join(', ')}; ` +
        `database reads per second ${runs.map((c) => round(c.ledger.dbReads.length / seconds(c), 0)).join(', ')}.`,
      measurements: {
        cacheAsideHitRatio: aside.ratio,
        readThroughHitRatio: through.ratio,
        writeThroughHitRatio: writeThrough.ratio,
        writeBehindHitRatio: behind.ratio,
      },
      tables: [
        {
          title: 'Zipf(0.9) over 200 keys, 20% writes, 2 s TTL',
          columns: ['pattern', 'hit ratio', 'db reads/s', 'db writes/s', 'stale answers', 'p50 ms', 'p99 ms'],
          rows: runs.map((c, i) => [
            (cases[i] as [string, unknown])[0],
            round((ratios[i] as { ratio: number }).ratio, 3),
            round(c.ledger.dbReads.length / seconds(c), 0),
            round(c.ledger.dbWrites / seconds(c), 0),
            c.ledger.staleServed,
            round(quantile(c.ledger.latencies, 0.5), 1),
            round(quantile(c.ledger.latencies, 0.99), 1),
          ]),
        },
      ],
      traceHash: hashOf(runs),
    };
  },
};
