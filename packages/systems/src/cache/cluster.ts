/** Builds a cached service from params: clients → application servers → cache servers and the database. */
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { AppServer, appMutants, guards, writeModes } from './app';
import { CacheServer, cacheServerMutants } from './cache-server';
import { CLIENT_IN_FLIGHT_BOUND, CacheClient } from './client';
import { DB_QUEUE_BOUND, Database, databaseMutants } from './database';
import { Ledger } from './ledger';
import type { CacheMessage } from './messages';
import { policyKinds } from './policies';
import { ZipfSampler } from './zipf';

export const cacheMutants = [...databaseMutants, ...cacheServerMutants, ...appMutants] as const;

export const workloads = ['hot', 'zipf'] as const;

export const cacheParams = z
  .object({
    apps: z.number().int().min(1).max(32).default(4),
    caches: z.number().int().min(1).max(8).default(1),
    clients: z.number().int().min(1).max(64).default(8),
    /** Requests per second per client. */
    rate: z.number().min(0).max(100_000).default(100),
    /** `hot`: every read is for k0; `zipf`: keys k0…k(keys−1) by Zipf popularity. */
    workload: z.enum(workloads).default('zipf'),
    keys: z.number().int().min(1).max(1_000_000).default(200),
    zipfS: z.number().min(0).max(3).default(0.9),
    writeFraction: z.number().min(0).max(1).default(0),
    /** Requests a client keeps in flight at most (1: each waits for the previous answer). */
    clientMaxInFlight: z.number().int().min(1).max(CLIENT_IN_FLIGHT_BOUND).default(CLIENT_IN_FLIGHT_BOUND),
    /** Fraction of reads for keys that do not exist… */
    missingFraction: z.number().min(0).max(1).default(0),
    /** …drawn from this many distinct missing keys (0: a fresh random key each time). */
    missingKeys: z.number().int().min(0).max(1_000_000).default(0),
    guard: z.enum(guards).default('none'),
    readThrough: z.boolean().default(false),
    writeMode: z.enum(writeModes).default('invalidate'),
    policy: z.enum(policyKinds).default('lru'),
    cacheCapacity: z.number().int().min(3).max(1_000_000).default(1_000),
    ttlMs: z.number().positive().max(3_600_000).default(1_000),
    ttlJitterMs: z.number().min(0).max(3_600_000).default(0),
    lockTtlMs: z.number().positive().max(60_000).default(500),
    recheck: z.boolean().default(true),
    lockRetryMs: z.number().positive().max(10_000).default(10),
    leaseMs: z.number().positive().max(60_000).default(2_000),
    leaseRetryMs: z.number().positive().max(10_000).default(10),
    staleMs: z.number().min(0).max(60_000).default(0),
    beta: z.number().min(0).max(100).default(1),
    dbCapacity: z.number().int().min(1).max(10_000).default(8),
    dbQueue: z.number().int().min(0).max(100_000).default(DB_QUEUE_BOUND),
    dbReadMs: z.number().min(0).max(60_000).default(30),
    dbWriteMs: z.number().min(0).max(60_000).default(10),
    replicaLagMs: z.number().min(0).max(60_000).default(0),
    latencyMs: z.number().min(0).max(10_000).default(1),
    netJitterMs: z.number().min(0).max(10_000).default(1),
    clientTimeoutMs: z.number().positive().max(60_000).default(1_000),
    requestTimeoutMs: z.number().positive().max(60_000).default(900),
    fetchTimeoutMs: z.number().positive().max(60_000).default(800),
    cacheTimeoutMs: z.number().positive().max(60_000).default(50),
    cacheDownMs: z.number().min(0).max(600_000).default(1_000),
    nullTtlMs: z.number().min(0).max(3_600_000).default(0),
    bloom: z.boolean().default(false),
    bloomFalsePositiveRate: z.number().gt(0).lt(1).default(0.01),
    localCapacity: z.number().int().min(0).max(1_000_000).default(0),
    localTtlMs: z.number().positive().max(3_600_000).default(100),
    flushEveryMs: z.number().min(0).max(60_000).default(100),
    /** Clients start after this long (a warm-up the scenario drives itself), and stop at the duration. */
    startAtMs: z.number().min(0).max(3_600_000).default(0),
    durationMs: z.number().positive().max(3_600_000).default(3_000),
    mutant: z.enum(cacheMutants).optional(),
  })
  .strict();

export type CacheParams = z.infer<typeof cacheParams>;

export const DB: NodeId = 'db';

export interface CacheCluster {
  readonly world: World;
  readonly params: CacheParams;
  readonly ledger: Ledger;
  readonly apps: readonly NodeId[];
  readonly caches: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly keys: readonly string[];
  db(): Database;
  app(id: NodeId): AppServer;
  cache(id: NodeId): CacheServer;
  client(id: NodeId): CacheClient;
}

export function keyName(rank: number): string {
  return `k${rank}`;
}

export function buildCacheWorld(params: CacheParams, seed: number, trace: TraceMode = 'hash'): CacheCluster {
  const world = new World({
    seed,
    trace,
    network: simpleLink({ latencyMs: params.latencyMs, jitterMs: params.netJitterMs }),
  });
  const ledger = new Ledger(world);
  const apps = Array.from({ length: params.apps }, (_, i) => `app${i + 1}`);
  const caches = Array.from({ length: params.caches }, (_, i) => `cache${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const keys = Array.from({ length: params.keys }, (_, i) => keyName(i));
  const mutant = params.mutant !== undefined ? { mutant: params.mutant } : {};
  world.addNode(
    DB,
    (env: Env<CacheMessage>) =>
      new Database(env, {
        capacity: params.dbCapacity,
        queueBound: params.dbQueue,
        readMs: params.dbReadMs,
        writeMs: params.dbWriteMs,
        replicaLagMs: params.replicaLagMs,
        keys,
        onQuery: (kind, key) => ledger.dbQuery(kind, key),
        onWrite: (key, val) => ledger.dbWrite(key, val),
        onRefuse: () => ledger.refused(),
        ...mutant,
      }),
  );
  for (const key of keys) ledger.version.set(key, 1);
  for (const id of caches)
    world.addNode(
      id,
      (env: Env<CacheMessage>) =>
        new CacheServer(env, {
          capacity: params.cacheCapacity,
          policy: params.policy,
          leaseMs: params.leaseMs,
          staleMs: params.staleMs,
          dbId: DB,
          flushEveryMs: params.writeMode === 'write-behind' ? params.flushEveryMs : 0,
          writeBehindTtlMs: params.ttlMs,
          loadTimeoutMs: params.fetchTimeoutMs,
          onSet: (cache, setId, key, ttlMs, val) => ledger.cacheSet(cache, setId, key, ttlMs, val),
          onServe: (cache, setId) => ledger.cacheServe(cache, setId),
          onStart: (cache) => ledger.cacheStarted(cache),
          onDelete: (_cache, key) => ledger.cacheDeleted(key),
          onLock: (cache, key, owner, ttlMs) => ledger.lockGranted(cache, key, owner, ttlMs),
          onUnlock: (cache, key, owner) => ledger.lockReleased(cache, key, owner),
          onAck: (key, value) => ledger.ack(key, value),
          ...mutant,
        }),
    );
  for (const id of apps)
    world.addNode(
      id,
      (env: Env<CacheMessage>) =>
        new AppServer(env, {
          caches,
          dbId: DB,
          guard: params.guard,
          readThrough: params.readThrough,
          writeMode: params.writeMode,
          ttlMs: params.ttlMs,
          jitterMs: params.ttlJitterMs,
          lockTtlMs: params.lockTtlMs,
          recheck: params.recheck,
          lockRetryMs: params.lockRetryMs,
          leaseRetryMs: params.leaseRetryMs,
          serveStale: params.staleMs > 0,
          beta: params.beta,
          cacheTimeoutMs: params.cacheTimeoutMs,
          cacheDownMs: params.cacheDownMs,
          fetchTimeoutMs: params.fetchTimeoutMs,
          requestTimeoutMs: params.requestTimeoutMs,
          nullTtlMs: params.nullTtlMs,
          onMiss: () => ledger.miss(),
          onFetch: () => ledger.fetch(),
          onXfetch: (left, delta, early) => {
            if (delta > 0 && params.beta > 0) ledger.xfetch.push({ x: left / (delta * params.beta), early });
          },
          ...(params.bloom ? { bloomKeys: keys } : {}),
          bloomFalsePositiveRate: params.bloomFalsePositiveRate,
          ...(params.localCapacity > 0
            ? { local: { capacity: params.localCapacity, ttlMs: params.localTtlMs } }
            : {}),
          ...mutant,
        }),
    );
  const zipf = new ZipfSampler(params.keys, params.zipfS);
  const nextKey = (random: () => number): string => {
    if (params.missingFraction > 0 && random() < params.missingFraction)
      return params.missingKeys > 0
        ? `x${Math.floor(random() * params.missingKeys)}`
        : `x${Math.floor(random() * 2 ** 40)}`;
    return params.workload === 'hot' ? 'k0' : keyName(zipf.rank(random()));
  };
  for (const id of clients)
    world.addNode(
      id,
      (env: Env<CacheMessage>) =>
        new CacheClient(env, {
          apps,
          rate: params.rate,
          timeoutMs: params.clientTimeoutMs,
          startAtMs: params.startAtMs,
          stopAtMs: params.durationMs,
          nextKey,
          writeFraction: params.writeFraction,
          maxInFlight: params.clientMaxInFlight,
          onRequest: (client, rid, key, write) => ledger.request(client, rid, key, write),
          onResult: (client, rid, ok, val, from) => ledger.result(client, rid, ok, val, from),
        }),
    );
  const cluster: CacheCluster = {
    world,
    params,
    ledger,
    apps,
    caches,
    clients,
    keys,
    db: () => world.node<Database>(DB),
    app: (id) => world.node<AppServer>(id),
    cache: (id) => world.node<CacheServer>(id),
    client: (id) => world.node<CacheClient>(id),
  };
  installInvariants(cluster);
  return cluster;
}

export const DB_CAPACITY = 'database within its capacity';
export const SINGLE_FLIGHT = 'one fetch in flight per key per instance';
export const FRESHNESS = 'values served within their TTL';
export const ONE_LOCK_HOLDER = 'a lock has one holder';

export const cacheInvariants: Record<string, (cluster: CacheCluster) => string | undefined> = {
  [DB_CAPACITY]: (cluster) => {
    if (!cluster.world.isUp(DB)) return undefined;
    const db = cluster.db();
    const { dbCapacity, dbQueue } = cluster.params;
    if (db.inService > dbCapacity) return `${db.inService} queries in service, capacity ${dbCapacity}`;
    if (db.queued > dbQueue) return `${db.queued} queries queued, bound ${dbQueue}`;
    return undefined;
  },
  [SINGLE_FLIGHT]: (cluster) => {
    if (cluster.params.guard !== 'single-flight') return undefined;
    for (const id of cluster.apps) {
      if (!cluster.world.isUp(id)) continue;
      const most = cluster.app(id).maxInFlightPerKey;
      if (most > 1) return `${id} had ${most} database reads in flight for one key`;
    }
    return undefined;
  },
  [FRESHNESS]: (cluster) => cluster.ledger.freshness,
  [ONE_LOCK_HOLDER]: (cluster) => cluster.ledger.lockProblem,
};

function installInvariants(cluster: CacheCluster): void {
  for (const [name, check] of Object.entries(cacheInvariants))
    cluster.world.addInvariant(name, () => check(cluster));
}
