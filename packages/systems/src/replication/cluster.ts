/** Builds a replication world from params and seed: what `run`, the scenarios, the fuzzer and the lab share. */
import { HistoryRecorder, checkSessionGuarantees, type SessionCheckResult } from '@dslab/check';
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { ReplicationClient, readPolicies } from './client';
import { ReplicationObserver } from './invariants';
import { FailoverManager } from './manager';
import { commitLevels, replicationMutants, type ReplicationMessage, type SyncStandbys } from './messages';
import { ReplicaNode } from './node';
import { Wal, formatLsn } from './wal';

export const replicationParams = z
  .object({
    /** Standbys beside the primary. */
    standbys: z.number().int().min(1).max(4).default(2),
    /** synchronous_commit of the clients' writes. */
    commitLevel: z.enum(commitLevels).default('on'),
    /** synchronous_standby_names: FIRST k or ANY k of every data node; k = 0 is asynchronous replication. */
    syncMethod: z.enum(['first', 'any']).default('first'),
    syncCount: z.number().int().min(0).max(4).default(0),
    readPolicy: z.enum(readPolicies).default('round-robin'),
    /** primary-after-write: how long after a write a session reads from the primary. */
    windowMs: z.number().min(0).max(600_000).default(1_000),
    clients: z.number().int().min(0).max(32).default(4),
    /** How many of the clients only read (reporting sessions); the others read and write. */
    readers: z.number().int().min(0).max(32).default(0),
    /** Client operations per virtual second, all clients together. */
    opsPerSecond: z.number().positive().max(20_000).default(200),
    keys: z.number().int().min(1).max(1_000).default(4),
    readFraction: z.number().min(0).max(1).default(0.7),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(2),
    /** Round-trip time to the last standby, for a standby in another region (0: same network). */
    farStandbyRttMs: z.number().min(0).max(10_000).default(0),
    fsyncMs: z.number().min(0).max(1_000).default(2),
    walWriterMs: z.number().positive().max(10_000).default(200),
    /** Replay time per record on the standbys; the last standby replays `slowReplayFactor` times slower. */
    replayMs: z.number().min(0).max(1_000).default(0.5),
    slowReplayFactor: z.number().min(1).max(1_000).default(4),
    fenced: z.boolean().default(true),
    leaseMs: z.number().positive().max(60_000).default(300),
    failoverAfterMs: z.number().positive().max(600_000).default(500),
    autoFailover: z.boolean().default(true),
    timeoutMs: z.number().positive().max(60_000).default(500),
    lsnWaitMs: z.number().positive().max(60_000).default(1_000),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    mutant: z.enum(replicationMutants).optional(),
  })
  .strict()
  .refine((p) => !p.fenced || p.failoverAfterMs > p.leaseMs, {
    message: 'with fencing, failoverAfterMs must exceed leaseMs (the old primary must have stopped first)',
  })
  .refine((p) => p.syncCount <= p.standbys, { message: 'syncCount cannot exceed the number of standbys' })
  .refine((p) => p.readers <= p.clients, { message: 'readers cannot exceed clients' });

export type ReplicationParams = z.infer<typeof replicationParams>;

export const MANAGER: NodeId = 'm';

export interface ReplicationCluster {
  readonly world: World;
  readonly params: ReplicationParams;
  readonly dataNodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly sync: SyncStandbys;
  readonly observer: ReplicationObserver;
  readonly recorder: HistoryRecorder;
  readonly keys: readonly string[];
  /** 'run': the workload goes on; 'stop': clients issue nothing new. */
  phase: 'run' | 'stop';
  node(id: NodeId): ReplicaNode;
  client(id: NodeId): ReplicationClient;
  manager(): FailoverManager;
}

export interface BuildOptions {
  readonly trace?: TraceMode;
  /** Clients without a workload (all, or those the function picks), for scenarios that script requests. */
  readonly scripted?: boolean | ((index: number) => boolean);
  /** Whether partitions cut clients off too (default: clients reach every node, as Jepsen's control node). */
  readonly clientsPartitionable?: boolean;
  /** A per-client read policy, overriding the params' (scenarios compare policies side by side). */
  readonly readPolicyOf?: (index: number) => ReplicationParams['readPolicy'];
}

export function buildReplicationCluster(
  params: ReplicationParams,
  seed: number,
  options: BuildOptions = {},
): ReplicationCluster {
  const world = new World({
    seed,
    trace: options.trace ?? 'hash',
    network: { ...simpleLink(params), fifo: true },
  });
  const dataNodes = Array.from({ length: params.standbys + 1 }, (_, i) => `n${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const keys = Array.from({ length: params.keys }, (_, i) => `k${i + 1}`);
  const primary = dataNodes[0] as NodeId;
  const sync: SyncStandbys = { method: params.syncMethod, count: params.syncCount, names: dataNodes };
  const recorder = new HistoryRecorder();
  const observer = new ReplicationObserver(world, {
    sync,
    fenced: params.fenced,
    // A crashed node still has what it flushed: on restart it replays all of it before opening.
    positionsOf: (id) => {
      if (world.isUp(id)) return world.node<ReplicaNode>(id).positions();
      const end = new Wal(world.disk(id)).end();
      return { write: end, flush: end, replay: end };
    },
  });
  const cluster: ReplicationCluster = {
    world,
    params,
    dataNodes,
    clients,
    sync,
    observer,
    recorder,
    keys,
    phase: 'run',
    node: (id) => world.node<ReplicaNode>(id),
    client: (id) => world.node<ReplicationClient>(id),
    manager: () => world.node<FailoverManager>(MANAGER),
  };
  const slowest = dataNodes[dataNodes.length - 1] as NodeId;
  for (const id of dataNodes) {
    world.addNode(
      id,
      (env: Env<ReplicationMessage>) =>
        new ReplicaNode(env, {
          manager: MANAGER,
          initialPrimary: primary,
          sync,
          fsyncMs: params.fsyncMs,
          walWriterMs: params.walWriterMs,
          replayMs: id === slowest ? params.replayMs * params.slowReplayFactor : params.replayMs,
          tickMs: 50,
          senderTimeoutMs: 1_000,
          receiverTimeoutMs: 300,
          fenced: params.fenced,
          leaseMs: params.leaseMs,
          renewMs: Math.max(10, params.leaseMs / 4),
          observer,
          ...(params.mutant ? { mutant: params.mutant } : {}),
        }),
    );
  }
  world.addNode(
    MANAGER,
    (env: Env<ReplicationMessage>) =>
      new FailoverManager(env, {
        dataNodes,
        clients,
        initialPrimary: primary,
        leaseMs: params.leaseMs,
        failoverAfterMs: params.failoverAfterMs,
        autoFailover: params.autoFailover,
        tickMs: 20,
        announceMs: 200,
        syncNames: sync.names,
        syncCount: sync.count,
        ...(params.mutant ? { mutant: params.mutant } : {}),
      }),
  );
  const thinkMs = params.clients > 0 ? (1_000 * params.clients) / params.opsPerSecond : 0;
  clients.forEach((id, index) => {
    const standbys = dataNodes.slice(1);
    world.addNode(
      id,
      (env: Env<ReplicationMessage>) =>
        new ReplicationClient(env, {
          dataNodes,
          manager: MANAGER,
          initialPrimary: primary,
          trueNow: () => world.now(),
          recorder,
          readPolicy: options.readPolicyOf?.(index) ?? params.readPolicy,
          stickyTo: standbys[index % standbys.length] as NodeId,
          windowMs: params.windowMs,
          writeLevel: params.commitLevel,
          timeoutMs: params.timeoutMs,
          lsnWaitMs: params.lsnWaitMs,
          thinkMs,
          ...((typeof options.scripted === 'function' ? options.scripted(index) : options.scripted)
            ? {}
            : {
                workload: (random: () => number) => {
                  if (cluster.phase === 'stop') return undefined;
                  const key = keys[Math.floor(random() * keys.length)] as string;
                  const reader = index >= params.clients - params.readers;
                  return reader || random() < params.readFraction ? { f: 'read', key } : { f: 'write', key };
                },
              }),
        }),
    );
  });
  if (params.farStandbyRttMs > 0) {
    const oneWay = { latency: { kind: 'constant', ms: params.farStandbyRttMs / 2 } } as const;
    world.network.configure(slowest, '*', oneWay);
    world.network.configure('*', slowest, oneWay);
  }
  if (!options.clientsPartitionable) world.network.exemptFromPartitions(clients);
  observer.install(dataNodes);
  return cluster;
}

/** The primary the manager names, when it is up and is a primary. */
export function currentPrimary(cluster: ReplicationCluster): NodeId | undefined {
  const id = cluster.manager().primary;
  return cluster.world.isUp(id) && cluster.node(id).role === 'primary' ? id : undefined;
}

/** Stops the workload and lets the cluster settle: failovers finish, standbys catch up, clients drain. */
export function settle(cluster: ReplicationCluster, ms: number): void {
  cluster.phase = 'stop';
  cluster.world.runFor(ms);
}

/** After the heal: every standby on the primary's timeline has replayed everything the primary flushed. */
export function catchUpProblem(cluster: ReplicationCluster): string | undefined {
  const primary = currentPrimary(cluster);
  if (primary === undefined) return `no primary after the heal (manager names ${cluster.manager().primary})`;
  const p = cluster.node(primary).positions();
  for (const id of cluster.dataNodes) {
    if (id === primary || !cluster.world.isUp(id)) continue;
    const s = cluster.node(id).positions();
    if (s.replay !== p.flush)
      return `${id} replayed to ${formatLsn(s.replay)}, ${primary} flushed ${formatLsn(p.flush)}`;
  }
  return undefined;
}

/** The final primary's history: written value → commit LSN. */
export function finalVersions(cluster: ReplicationCluster): Map<string, number> {
  const out = new Map<string, number>();
  const primary = currentPrimary(cluster) ?? cluster.manager().primary;
  if (!cluster.world.isUp(primary)) return out;
  for (const record of cluster.node(primary).wal.all()) out.set(record.value, record.end);
  return out;
}

export interface LostWrite {
  readonly client: NodeId;
  readonly key: string;
  readonly value: string;
  readonly ackedAt: number;
}

/** Writes a client saw acknowledged that the final primary's history does not hold. */
export function lostAcknowledged(cluster: ReplicationCluster): LostWrite[] {
  const versions = finalVersions(cluster);
  const lost: LostWrite[] = [];
  for (const id of cluster.clients)
    for (const op of cluster.client(id).log)
      if (op.f === 'write' && op.outcome === 'ok' && versions.get(op.value as string) !== op.lsn)
        lost.push({ client: id, key: op.key, value: op.value as string, ackedAt: op.ret });
  return lost;
}

/** The session guarantees judged on the clients' history, against the final primary's order. */
export function sessionCheck(cluster: ReplicationCluster): SessionCheckResult {
  const versions = finalVersions(cluster);
  return checkSessionGuarantees(cluster.recorder.history(), {
    versionOf: (_key, value) => (typeof value === 'string' ? versions.get(value) : undefined),
  });
}
