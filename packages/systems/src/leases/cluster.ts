/** Builds a leases world from params: what the free run, the scenarios, the fuzzer and the lab share. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { EtcdNode } from './etcd-node';
import { LeaseLedger } from './ledger';
import { LockClient } from './lock-client';
import { LeaseService } from './lock-service';
import type { LeaseMessage } from './messages';
import { leaseMutants } from './mutants';
import { lockProtocols } from './protocols';
import { RedisNode } from './redis-node';
import { StorageService } from './storage';

export const LOCK_SERVICE = 'lock';
export const STORAGE = 'storage';
export const ETCD = 'etcd';

export const leaseParams = z
  .object({
    protocol: z.enum(lockProtocols).default('lease'),
    /** How the storage treats a write's token. */
    fence: z.enum(['none', 'max-seen', 'current-term']).default('max-seen'),
    clients: z.number().int().min(1).max(16).default(3),
    ttlMs: z.number().min(10).max(600_000).default(300),
    writeEveryMs: z.number().min(1).max(60_000).default(40),
    workMs: z.number().min(0).max(60_000).default(10),
    /** A holder lets go after this long (0: keeps it while it can renew). */
    holdMs: z.number().min(0).max(3_600_000).default(700),
    retryMs: z.number().min(1).max(60_000).default(60),
    checkWithService: z.boolean().default(false),
    /** Redlock: the number of Redis-like servers (1: a single instance). */
    redisNodes: z.number().int().min(1).max(9).default(5),
    redisPersistence: z.enum(['none', 'always']).default('none'),
    /** Redlock's allowance for clock drift, ms. */
    driftMs: z.number().min(0).max(60_000).default(5),
    requestTimeoutMs: z.number().min(1).max(60_000).default(50),
    /** A stop-the-world pause of this long hits a holder while it prepares a write (0: none)… */
    gcPauseMs: z.number().min(0).max(600_000).default(500),
    /** …once every this many ms. */
    gcEveryMs: z.number().min(1).max(3_600_000).default(1_500),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(2),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    mutant: z.enum(leaseMutants).optional(),
  })
  .strict();

export type LeaseParams = z.infer<typeof leaseParams>;

export interface LeaseCluster {
  readonly world: World;
  readonly ledger: LeaseLedger;
  readonly params: LeaseParams;
  readonly clients: readonly string[];
  readonly redis: readonly string[];
  /** The nodes the nemesis may hurt (the storage is the system's database: it is left alone). */
  readonly targets: readonly string[];
}

export function clientIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`);
}

export function redisIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `r${i + 1}`);
}

export interface LeaseBuildOptions {
  /** Redis-like servers: a replica for r1 (instead of Redlock's independent servers). */
  readonly redisReplica?: { readonly replicationDelayMs: number };
  /** Per-client clock settings (offset ms, drift ppm); the node defaults otherwise. */
  readonly clocks?: Readonly<Record<string, { offsetMs: number; driftPpm: number }>>;
}

export function buildLeaseWorld(
  params: LeaseParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: LeaseBuildOptions = {},
): LeaseCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const ledger = new LeaseLedger(() => world.now());
  const mutant = params.mutant !== undefined ? { mutant: params.mutant } : {};
  const clients = clientIds(params.clients);
  const replica = options.redisReplica;
  const redis = params.protocol === 'redlock' ? redisIds(replica ? 2 : params.redisNodes) : [];
  const targets: string[] = [...clients];

  world.addNode(
    STORAGE,
    (env: Env<LeaseMessage>) => new StorageService(env, { observer: ledger, ...mutant }),
  );
  if (params.protocol === 'lease') {
    world.addNode(
      LOCK_SERVICE,
      (env: Env<LeaseMessage>) => new LeaseService(env, { observer: ledger, ...mutant }),
    );
    targets.push(LOCK_SERVICE);
  }
  if (params.protocol === 'etcd-put' || params.protocol === 'etcd-txn') {
    // Its state lives in memory (no WAL), so the nemesis leaves it be, like the storage.
    world.addNode(ETCD, (env: Env<LeaseMessage>) => new EtcdNode(env));
  }
  redis.forEach((id, i) => {
    const config = replica
      ? i === 0
        ? {
            persistence: params.redisPersistence,
            replica: 'r2',
            replicationDelayMs: replica.replicationDelayMs,
          }
        : { persistence: params.redisPersistence, replicaOf: 'r1' }
      : { persistence: params.redisPersistence };
    world.addNode(id, (env: Env<LeaseMessage>) => new RedisNode(env, config), {
      clock: options.clocks?.[id] ?? {},
    });
    targets.push(id);
  });
  const clientConfig = {
    protocol: params.protocol,
    ttlMs: params.ttlMs,
    writeEveryMs: params.writeEveryMs,
    workMs: params.workMs,
    holdMs: params.holdMs,
    retryMs: params.retryMs,
    fence: params.fence,
    checkWithService: params.checkWithService,
    lockService: LOCK_SERVICE,
    storage: STORAGE,
    etcd: ETCD,
    redisNodes: replica ? ['r1'] : redis,
    requestTimeoutMs: params.requestTimeoutMs,
    driftMs: params.driftMs,
    observer: ledger,
  };
  for (const id of clients)
    world.addNode(id, (env: Env<LeaseMessage>) => new LockClient(env, clientConfig), {
      clock: options.clocks?.[id] ?? {},
    });
  installLeaseInvariants(world, ledger);
  const cluster: LeaseCluster = { world, ledger, params, clients, redis, targets };
  if (params.gcPauseMs > 0) scheduleGcPauses(cluster, params.gcPauseMs, params.gcEveryMs);
  return cluster;
}

/** The invariants, by the name a mutant's `caughtBy` gives. */
export const FENCING_INVARIANT = 'storage never applies a token lower than one it applied';
export const SINGLE_LEASE_INVARIANT = 'one unexpired lease at a time in the lease service’s view';
export const TOKENS_INVARIANT = 'fencing tokens only grow';

export function installLeaseInvariants(world: World, ledger: LeaseLedger): void {
  world.addInvariant(FENCING_INVARIANT, () => ledger.fencingProblem);
  world.addInvariant(SINGLE_LEASE_INVARIANT, () => ledger.leaseProblem);
  world.addInvariant(TOKENS_INVARIANT, () => ledger.tokenProblem);
}

/**
 * A GC pause that hits the next client to prepare a write: paused at once (before its write goes out)
 * for `pauseMs`. Arming again replaces a pause not yet taken.
 */
export function armGcPause(cluster: LeaseCluster, pauseMs: number, onPause?: (client: string) => void): void {
  const { world, ledger } = cluster;
  ledger.onPreparing = (client) => {
    ledger.onPreparing = undefined;
    world.after(0, `gc pause ${client}`, () => {
      world.pause(client, pauseMs);
      onPause?.(client);
    });
  };
}

/** Every `everyMs`, a GC pause of `pauseMs` is armed for the next holder that prepares a write. */
function scheduleGcPauses(cluster: LeaseCluster, pauseMs: number, everyMs: number): void {
  const arm = () => {
    armGcPause(cluster, pauseMs);
    cluster.world.after(everyMs, 'arm gc pause', arm);
  };
  cluster.world.after(everyMs, 'arm gc pause', arm);
}

/** The world's lock clients, to steer them (stop, retarget) from the harness. */
export function lockClient(cluster: LeaseCluster, id: string): LockClient {
  return cluster.world.node<LockClient>(id);
}

export function storage(cluster: LeaseCluster): StorageService {
  return cluster.world.node<StorageService>(STORAGE);
}

export function leaseService(cluster: LeaseCluster): LeaseService {
  return cluster.world.node<LeaseService>(LOCK_SERVICE);
}
