/** Caches and their failure modes (catalog F1). */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simpleLink } from '../link-params';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { guards } from './app';
import {
  DB,
  DB_CAPACITY,
  FRESHNESS,
  ONE_LOCK_HOLDER,
  SINGLE_FLIGHT,
  buildCacheWorld,
  cacheParams,
  type CacheCluster,
  type CacheParams,
} from './cluster';
import { cacheScenarios } from './scenarios';
import { SETTLE_MS } from './scenarios/common';
import { cacheDetail } from './view-detail';

export * from './policies';
export { ZipfSampler, zipfTrace, hitRatio, xfetchRecompute } from './zipf';
export { cacheParams, buildCacheWorld, type CacheParams, type CacheCluster } from './cluster';
export { quantile, perBucket } from './ledger';
export { stampedeRun } from './scenarios/stampede';
export { figures, type Figures } from './scenarios/common';
export { guards, type Guard } from './app';
export { DETAIL_SPAN_MS, type CacheLiveDetail } from './view-detail';

export const CONVERGES = 'cache converges to the database';

function nodeCards(cluster: CacheCluster): LiveNodeView[] {
  const { world } = cluster;
  const card = (id: string, role: string, facts: () => Record<string, number>): LiveNodeView =>
    world.isUp(id)
      ? { id, up: true, paused: world.isPaused(id), role, facts: facts() }
      : { id, up: false, paused: false, role, facts: {} };
  return [
    card(DB, 'database', () => cluster.db().snapshot()),
    ...cluster.caches.map((id) => card(id, 'cache', () => cluster.cache(id).snapshot())),
    ...cluster.apps.map((id) => card(id, 'app', () => cluster.app(id).snapshot())),
    ...cluster.clients.map((id) => card(id, 'client', () => cluster.client(id).snapshot())),
  ];
}

export const cacheSimulation: SimulationSpec<CacheParams, CacheCluster> = {
  systemId: 'cache',
  build: (params, seed, trace) => buildCacheWorld(params, seed, trace),
  durationMs: (params) => params.durationMs + SETTLE_MS,
  metrics: ({ ledger }) => ({
    'db reads': ledger.dbReads.length,
    'db writes': ledger.dbWrites,
    'db refused': ledger.refusedAt.length,
    ok: ledger.ok,
    failed: ledger.failed,
    'timed out': ledger.timedOut,
    'stale answers': ledger.staleServed,
    'stale fills': ledger.staleFills,
  }),
  nodes: nodeCards,
  detail: cacheDetail,
  fuzz: {
    mutants: [
      {
        name: 'db-admits-all',
        breaks: 'the database starts every query at once instead of queueing past its capacity',
        seed: 0,
        caughtBy: DB_CAPACITY,
      },
      {
        name: 'flight-registered-late',
        breaks: 'single-flight registers a fetch only when it returns, so concurrent misses each fetch',
        seed: 0,
        caughtBy: SINGLE_FLIGHT,
      },
      {
        name: 'sliding-expiry',
        breaks: 'the cache pushes an entry’s expiry forward on every read, so a hot key never expires',
        seed: 0,
        caughtBy: FRESHNESS,
      },
      {
        name: 'lock-without-nx',
        breaks: 'the lock is taken with a plain SET (no NX): a second caller overwrites the holder',
        seed: 0,
        caughtBy: ONE_LOCK_HOLDER,
      },
      {
        name: 'fill-without-ttl',
        breaks: 'cache-aside fills without a TTL, so an old value put back after a delete stays forever',
        seed: 0,
        caughtBy: CONVERGES,
      },
    ],
    // Seeds cycle through the stampede guards; a mutant fixes the guard its broken code lives in.
    params: (seed, mutant) => {
      const guard =
        mutant === 'flight-registered-late'
          ? 'single-flight'
          : mutant === 'lock-without-nx'
            ? 'mutex'
            : mutant === 'db-admits-all'
              ? 'none'
              : guards[seed % guards.length];
      return cacheParams.parse({
        apps: 3,
        caches: 2,
        clients: 4,
        rate: 150,
        keys: 20,
        zipfS: 1.2,
        writeFraction: 0.1,
        guard,
        ttlMs: 300,
        lockTtlMs: 200,
        staleMs: guard === 'lease' ? 200 : 0,
        dbCapacity: 4,
        dbQueue: 16,
        durationMs: 3_000,
        ...(mutant ? { mutant } : {}),
      });
    },
    nemesis: (cluster, seed, params) =>
      standardNemesis(cluster.world, seed, [...cluster.caches, ...cluster.apps, ...cluster.clients], {
        startMs: 300,
        endMs: params.durationMs - 800,
        meanIntervalMs: 300,
        maxDurationMs: 400,
        baseLink: simpleLink({ latencyMs: params.latencyMs, jitterMs: params.netJitterMs }),
      }),
    drive: (cluster, params) => {
      const healedAt = params.durationMs - 800;
      cluster.world.runUntil(healedAt + 300);
      const before = cluster.ledger.ok;
      cluster.world.runUntil(params.durationMs + SETTLE_MS);
      if (cluster.ledger.ok === before)
        return `no request succeeded in the ${params.durationMs - healedAt - 300} ms after healing`;
      return undefined;
    },
    finalChecks: [
      {
        name: CONVERGES,
        check: (cluster) => {
          // Clients stopped SETTLE_MS ago, longer than any TTL here: every live entry must match the database.
          for (const id of cluster.caches) {
            if (!cluster.world.isUp(id)) continue;
            const cache = cluster.cache(id);
            for (const key of cluster.keys) {
              const cached = cache.live(key);
              const current = cluster.db().current(key);
              if (cached !== undefined && cached.version !== current.version)
                return `${id} holds ${key} at version ${cached.version}, the database at ${current.version}`;
            }
          }
          return undefined;
        },
      },
    ],
  },
};

export const cacheSystem: SystemDefinition<CacheParams> = {
  id: 'cache',
  title: 'Caches and their failure modes',
  rows: ['F1'],
  summary:
    'LRU, LFU (with and without decay) and W-TinyLFU with TTLs; a database with a capacity behind cache servers and ' +
    'application servers: cache-aside, read-through, write-through and write-behind; a hot key’s stampede with no guard, ' +
    'a mutex, single-flight, XFetch and memcache leases; avalanche, penetration, the stale-set race, versioned keys and ' +
    'a two-level cache, each measured.',
  params: cacheParams,
  scenarios: cacheScenarios,
  view: 'cache',
  ...simulatedSystem(cacheSimulation),
};
