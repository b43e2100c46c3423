/**
 * A hot key expires under load: every guard against the stampede measured on the same workload —
 * database queries per expiry, stale values served, tail latency.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { guards, type Guard } from '../app';
import type { CacheCluster, CacheParams } from '../cluster';
import { figures, hashOf, round, run, updateEvery, type Figures } from './common';

/** One hot key, 1,000 reads/s (600 in quick mode) over 4 application servers, a 30 ms database read, a 500 ms TTL. */
export function stampedeParams(
  quick: boolean | undefined,
  extra: Partial<CacheParams> = {},
): Partial<CacheParams> {
  return {
    workload: 'hot',
    apps: 4,
    clients: quick ? 6 : 10,
    rate: 100,
    ttlMs: 500,
    dbReadMs: 30,
    dbCapacity: 8,
    durationMs: quick ? 1_600 : 10_600,
    ...extra,
  };
}

/** The hot key's value changes in the database every 200 ms on average, so serving an old one is measurable. */
const UPDATE_EVERY_MS = 200;

export function stampedeRun(
  guard: Guard,
  seed: number,
  quick: boolean | undefined,
  extra: Partial<CacheParams> = {},
) {
  return run(
    stampedeParams(quick, { guard, ...(guard === 'lease' ? { staleMs: 1_000 } : {}), ...extra }),
    seed,
    updateEvery('k0', UPDATE_EVERY_MS),
  );
}

function row(name: string, f: Figures): (string | number)[] {
  return [
    name,
    round(f.queriesPerExpiry, 1),
    f.maxPerExpiry,
    f.staleServed,
    f.servedStaleCopies,
    round(f.p50, 1),
    round(f.p99, 1),
    round(f.max, 1),
    f.failed + f.timedOut,
  ];
}

const columns = [
  'guard',
  'db queries per expiry',
  'most in one expiry',
  'stale answers',
  'of them expired copies',
  'p50 ms',
  'p99 ms',
  'max ms',
  'errors + timeouts',
];

export const hotKeyStampede: Scenario = {
  id: 'hot-key-stampede',
  title: 'A hot key expires: every concurrent reader goes to the database',
  claim: 'When a hot key expires, every concurrent reader misses and hits the database.',
  expected: 'holds',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const runs = new Map<Guard, CacheCluster>();
    for (const guard of guards) runs.set(guard, stampedeRun(guard, seed, quick));
    const plain = runs.get('none') as CacheCluster;
    const f = figures(plain);
    let misses = 0;
    let fetches = 0;
    for (const id of plain.apps) {
      misses += plain.app(id).misses;
      fetches += plain.app(id).fetches;
    }
    // "Every concurrent reader": each miss went to the database, and an expiry brought many of them.
    const every = misses === fetches;
    const many = f.queriesPerExpiry >= 2;
    const table = [...runs].map(([guard, cluster]) => row(guard, figures(cluster)));
    return {
      observed: every && many ? 'holds' : 'fails',
      summary:
        `With no guard each expiry of the hot key sent ${round(f.queriesPerExpiry, 1)} reads to the database on average ` +
        `(${f.maxPerExpiry} at most); ${fetches} of ${misses} misses queried it. Every guard is measured on the same load below.`,
      measurements: {
        queriesPerExpiry: f.queriesPerExpiry,
        maxPerExpiry: f.maxPerExpiry,
        misses,
        fetches,
        p99Ms: f.p99,
        ...Object.fromEntries(
          [...runs].map(([guard, c]) => [`${guard}QueriesPerExpiry`, figures(c).queriesPerExpiry]),
        ),
      },
      tables: [{ title: 'One hot key, 500 ms TTL, 30 ms database read', columns, rows: table }],
      traceHash: hashOf([...runs.values()]),
    };
  },
};

export const mutexOneQuery: Scenario = {
  id: 'mutex-one-query',
  title: 'A mutex gives one query per expiry only under three conditions',
  claim: 'With a mutex exactly one database query happens.',
  expected: 'partly',
  corrected:
    'One query per expiry only if waiters re-check the cache after taking the lock, the lock outlives the recompute, and the holder does not die: a lock TTL shorter than the query lets a second holder in, and a dead holder stalls every reader until its lock expires.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const good = stampedeRun('mutex', seed, quick);
    const noRecheck = stampedeRun('mutex', seed, quick, { recheck: false });
    const shortLock = stampedeRun('mutex', seed, quick, { lockTtlMs: 10 });
    // The holder dies: its server crashes the moment the cache grants the first lock after the cold start (back 50 ms on).
    const lockTtlMs = 300;
    let crashedAt = -1;
    const died = run(stampedeParams(quick, { guard: 'mutex', lockTtlMs }), seed, (cluster) => {
      updateEvery('k0', UPDATE_EVERY_MS)(cluster);
      cluster.ledger.onLock = (_key, owner) => {
        if (crashedAt >= 0 || cluster.world.now() < cluster.params.ttlMs) return;
        crashedAt = cluster.world.now();
        const holder = owner.split('/')[0] as string;
        cluster.world.after(0, 'crash the lock holder', () => cluster.world.crash(holder));
        cluster.world.after(50, `restart ${holder}`, () => cluster.world.restart(holder));
      };
    });
    const fs = [good, noRecheck, shortLock, died].map(figures);
    const [g, n, s, d] = fs as [Figures, Figures, Figures, Figures];
    const stallMs = stallAfter(died, crashedAt);
    const one = g.queriesPerExpiry <= 1.05;
    const broken = n.queriesPerExpiry > 1 || s.queriesPerExpiry > 1;
    // A dead holder: nobody refills until its lock expires (the lock TTL, less the time it already held it).
    const stalled = crashedAt >= 0 && stallMs >= lockTtlMs * 0.8;
    return {
      observed: one && broken && stalled ? 'partly' : one ? 'holds' : 'fails',
      summary:
        `Re-check, 500 ms lock, no crash: ${round(g.queriesPerExpiry, 2)} queries per expiry. Without the re-check ` +
        `${round(n.queriesPerExpiry, 2)}, with a 10 ms lock TTL (query 30 ms) ${round(s.queriesPerExpiry, 2)}; a holder ` +
        `crashed at ${round(crashedAt, 0)} ms left the key unfilled for ${round(stallMs, 0)} ms (lock TTL ${lockTtlMs} ms).`,
      measurements: {
        goodQueriesPerExpiry: g.queriesPerExpiry,
        noRecheckQueriesPerExpiry: n.queriesPerExpiry,
        shortLockQueriesPerExpiry: s.queriesPerExpiry,
        crashedAtMs: crashedAt,
        stallMs,
        crashedP99Ms: d.p99,
      },
      tables: [
        {
          title: 'Mutex variants on the hot key (30 ms query, 500 ms TTL)',
          columns,
          rows: [
            row('re-check, lock 500 ms', g),
            row('no re-check', n),
            row('lock TTL 10 ms', s),
            row(`holder crashed, lock ${lockTtlMs} ms`, d),
          ],
        },
      ],
      traceHash: hashOf([good, noRecheck, shortLock, died]),
    };
  },
};

/** How long after `fromMs` the database saw no read of the hot key (the key stayed unfilled). */
function stallAfter(cluster: CacheCluster, fromMs: number): number {
  if (fromMs < 0) return 0;
  const next = cluster.ledger.dbReads.find((t) => t > fromMs + 1);
  return next === undefined ? 0 : next - fromMs;
}

export const singleFlightPerInstance: Scenario = {
  id: 'single-flight-per-instance',
  title: 'In-process single-flight: one fetch per instance, not one in all',
  claim: 'In-process single-flight stops stampedes.',
  expected: 'partly',
  corrected:
    'It collapses the misses of one process into one fetch, so an expiry still costs one database query per application instance: N instances, about N queries.',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const counts = quick ? [1, 4] : [1, 2, 4, 8];
    const rows: (string | number)[][] = [];
    const measurements: Record<string, number> = {};
    const clusters: CacheCluster[] = [];
    const per: [number, number][] = [];
    for (const apps of counts) {
      const cluster = stampedeRun('single-flight', seed, quick, { apps });
      clusters.push(cluster);
      const f = figures(cluster);
      per.push([apps, f.queriesPerExpiry]);
      measurements[`queriesPerExpiryWith${apps}`] = f.queriesPerExpiry;
      rows.push([apps, round(f.queriesPerExpiry, 2), f.maxPerExpiry, round(f.p99, 1)]);
    }
    const one = (per[0] as [number, number])[1];
    const [apps, most] = per[per.length - 1] as [number, number];
    // Within one process it stops the stampede: fewer than two queries per expiry (a miss answered
    // just after the flight ended can start a second one). Across N processes it grows with N: at
    // least three quarters of N times the one-process figure.
    const withinOne = one < 2;
    const perInstance = most >= 0.75 * apps * one;
    return {
      observed: withinOne && perInstance ? 'partly' : withinOne ? 'holds' : 'fails',
      summary: `Queries per expiry: ${per.map(([n, q]) => `${round(q, 2)} with ${n} instance${n > 1 ? 's' : ''}`).join(', ')}.`,
      measurements,
      tables: [
        {
          title: 'Single-flight per instance on the hot key',
          columns: ['instances', 'db queries per expiry', 'most in one expiry', 'p99 ms'],
          rows,
        },
      ],
      traceHash: hashOf(clusters),
    };
  },
};

export const xfetchEarly: Scenario = {
  id: 'xfetch-early-recompute',
  title: 'XFetch recomputes before expiry, more likely the nearer it is',
  claim:
    'XFetch: recompute early when now − Δ·β·ln(rand()) ≥ expiry (Δ = recompute time); the chance rises as expiry nears, so the key is refreshed before it expires.',
  expected: 'holds',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const plain = stampedeRun('none', seed, quick);
    const early = stampedeRun('xfetch', seed, quick);
    const p = figures(plain);
    const x = figures(early);
    // Reads that found the key gone, the cold start (the first half TTL) left out.
    const after = (c: CacheCluster) => c.ledger.missAt.filter((t) => t >= c.params.ttlMs / 2).length;
    const expiredMisses = after(early);
    const plainMisses = after(plain);
    // The chance of an early recompute per read, by time left in units of Δ·β, against e^(−x).
    const bins = [0, 1, 2, 3].map((i) => {
      const inBin = early.ledger.xfetch.filter((d) => d.x >= i && d.x < i + 1);
      const n = inBin.length;
      const measured = n > 0 ? inBin.filter((d) => d.early).length / n : 0;
      const predicted = n > 0 ? inBin.reduce((sum, d) => sum + Math.exp(-d.x), 0) / n : 0;
      // Three binomial standard errors of the measured rate.
      const tolerance = n > 0 ? 3 * Math.sqrt((predicted * (1 - predicted)) / n) + 1 / n : 1;
      return { from: i, n, measured, predicted, agrees: Math.abs(measured - predicted) <= tolerance };
    });
    const sampled = bins.filter((b) => b.n >= 20);
    const rising =
      sampled.length >= 2 &&
      sampled.every((b, i) => i === 0 || b.measured < (sampled[i - 1] as typeof b).measured);
    const formula = sampled.every((b) => b.agrees);
    // The cold start is a miss for every strategy; after it XFetch should leave no read to find the key gone.
    const noStampede = x.maxPerExpiry < p.maxPerExpiry && expiredMisses < plainMisses / 4;
    return {
      observed: rising && formula && noStampede ? 'holds' : 'fails',
      summary:
        `Per read, the chance of an early recompute was ${sampled.map((b) => `${round(b.measured * 100, 1)}%`).join(', ')} ` +
        `at ${sampled.map((b) => `${b.from}–${b.from + 1}`).join(', ')} Δβ before expiry (e^(−x) predicts ${sampled.map((b) => `${round(b.predicted * 100, 1)}%`).join(', ')}). ` +
        `${expiredMisses} reads found the key gone after the cold start against ${plainMisses} with plain TTL; queries per refresh ` +
        `${round(x.queriesPerExpiry, 1)} (plain ${round(p.queriesPerExpiry, 1)}), stale answers ${x.staleServed} (plain ${p.staleServed}).`,
      measurements: {
        earlyRecomputes: early.ledger.xfetch.filter((d) => d.early).length,
        xfetchMisses: expiredMisses,
        plainMisses,
        xfetchQueriesPerRefresh: x.queriesPerExpiry,
        plainQueriesPerExpiry: p.queriesPerExpiry,
        xfetchStale: x.staleServed,
        plainStale: p.staleServed,
        xfetchP99Ms: x.p99,
        plainP99Ms: p.p99,
      },
      tables: [
        {
          title: 'Plain TTL against XFetch (β = 1) on the hot key',
          columns,
          rows: [row('plain TTL', p), row('XFetch', x)],
        },
        {
          title: 'Chance of an early recompute per read, by time left before expiry',
          columns: ['time left (Δβ)', 'reads', 'recomputed (measured)', 'e^(−x) (predicted)'],
          rows: bins.map((b) => [
            `${b.from}–${b.from + 1}`,
            b.n,
            round(b.measured, 4),
            round(b.predicted, 4),
          ]),
        },
      ],
      traceHash: hashOf([plain, early]),
    };
  },
};
