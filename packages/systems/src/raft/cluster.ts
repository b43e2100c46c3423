/** Builds a Raft KV cluster with its clients, checker hooks and workload from params: shared by run, scenarios, fuzzing and the lab. */
import { HistoryRecorder } from '@dslab/check';
import { World, type Env, type LinkConfig, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { KvClient } from './client';
import { simpleLink } from '../link-params';
import { RaftNode } from './node';
import { LogMatchingCheck, RaftSafety } from './safety';
import {
  canonicalRaftConfig,
  defaultRaftConfig,
  raftMutants,
  type ClientOp,
  type RaftConfig,
  type RaftMessage,
} from './types';

export const raftParams = z
  .object({
    nodes: z.number().int().min(1).max(9).default(5),
    clients: z.number().int().min(0).max(32).default(3),
    /** Client operations per virtual second, all clients together. */
    opsPerSecond: z.number().min(0).max(10_000).default(30),
    keys: z.number().int().min(1).max(1_000).default(5),
    readFraction: z.number().min(0).max(1).default(0.5),
    electionMinMs: z.number().positive().max(60_000).default(defaultRaftConfig.electionMinMs),
    electionMaxMs: z.number().positive().max(120_000).default(defaultRaftConfig.electionMaxMs),
    heartbeatMs: z.number().positive().max(30_000).default(defaultRaftConfig.heartbeatMs),
    preVote: z.boolean().default(true),
    checkQuorum: z.boolean().default(true),
    readMode: z.enum(['read-index', 'lease', 'log']).default('read-index'),
    snapshotEvery: z.number().int().min(0).max(1_000_000).default(200),
    /** Pairs of the state sorted or written per turn while a snapshot is taken. */
    snapshotSlice: z.number().int().min(1).max(1_000_000).default(defaultRaftConfig.snapshotSlice),
    noopOnElection: z.boolean().default(true),
    /** Off: a follower's refusal sends the leader back one entry at a time (the basic algorithm). */
    fastBackoff: z.boolean().default(true),
    /** AppendEntries with entries in flight to each follower at once (etcd's MaxInflightMsgs). */
    maxInflightAppends: z.number().int().min(1).max(1_024).default(defaultRaftConfig.maxInflightAppends),
    latencyMs: z.number().min(0).max(10_000).default(5),
    jitterMs: z.number().min(0).max(10_000).default(5),
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    durationMs: z.number().positive().max(3_600_000).default(10_000),
    mutant: z.enum(raftMutants).optional(),
  })
  .strict()
  .refine((p) => p.electionMaxMs > p.electionMinMs, { message: 'electionMaxMs must exceed electionMinMs' })
  .refine((p) => p.heartbeatMs < p.electionMinMs, { message: 'heartbeatMs must be below electionMinMs' });

export type RaftParams = z.infer<typeof raftParams>;

export function serverIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function clientIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`);
}

export function raftConfigFrom(params: RaftParams, voters: readonly NodeId[]): RaftConfig {
  return canonicalRaftConfig({
    ...defaultRaftConfig,
    electionMinMs: params.electionMinMs,
    electionMaxMs: params.electionMaxMs,
    heartbeatMs: params.heartbeatMs,
    preVote: params.preVote,
    checkQuorum: params.checkQuorum,
    readMode: params.readMode,
    snapshotEvery: params.snapshotEvery,
    snapshotSlice: params.snapshotSlice,
    maxInflightAppends: params.maxInflightAppends,
    noopOnElection: params.noopOnElection,
    fastBackoff: params.fastBackoff,
    voters,
    mutant: params.mutant,
  });
}

/** What the clients do now: the harness moves it from `run` to `final` (read every key once) to `stop`. */
export type WorkloadPhase = 'run' | 'final' | 'stop';

export interface RaftCluster {
  readonly world: World;
  readonly servers: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly recorder: HistoryRecorder;
  readonly safety: RaftSafety;
  readonly params: RaftParams;
  phase: WorkloadPhase;
  /** Live server instances (skips crashed ones). */
  liveServers(): RaftNode[];
  client(id: NodeId): KvClient;
  /** The leader of the highest term among live nodes, if any. */
  leader(): RaftNode | undefined;
  /** Adds a server that starts with an empty configuration, waiting to be added by the leader. */
  addSpareServer(id: NodeId): void;
}

export interface BuildOptions {
  readonly trace?: TraceMode;
  /** Per-pair link settings applied after the defaults (geo latency matrices). */
  readonly links?: readonly { from: NodeId; to: NodeId; config: Partial<LinkConfig> }[];
  /** Replace the random workload: return undefined to stop the client. */
  readonly nextOp?: (client: NodeId, random: () => number) => ClientOp | undefined;
  /** Client timeouts (per attempt and per operation). */
  readonly clientTimeoutMs?: number;
  readonly clientGiveUpMs?: number;
  readonly freezeMessages?: boolean;
  /** Check log matching across all pairs every this many events (default 512; 0: never). */
  readonly logMatchingEvery?: number;
}

export function buildRaftCluster(params: RaftParams, seed: number, options: BuildOptions = {}): RaftCluster {
  const world = new World({
    seed,
    trace: options.trace ?? 'hash',
    network: simpleLink(params),
    ...(options.freezeMessages !== undefined ? { freezeMessages: options.freezeMessages } : {}),
  });
  const servers = serverIds(params.nodes);
  const clients = clientIds(params.clients);
  const recorder = new HistoryRecorder();
  const safety = new RaftSafety();
  const serverList: NodeId[] = [...servers];
  const config = raftConfigFrom(params, servers);
  for (const id of servers) {
    world.addNode(id, (env: Env<RaftMessage>) => new RaftNode(env, config, safety));
  }
  const workload = randomWorkload(params);
  const cluster: RaftCluster = {
    world,
    servers: serverList,
    clients,
    recorder,
    safety,
    params,
    phase: 'run',
    liveServers: () => serverList.filter((id) => world.isUp(id)).map((id) => world.node<RaftNode>(id)),
    client: (id) => world.node<KvClient>(id),
    leader() {
      let best: RaftNode | undefined;
      for (const node of cluster.liveServers()) {
        if (node.role === 'leader' && (!best || node.term > best.term)) best = node;
      }
      return best;
    },
    addSpareServer(id) {
      world.addNode(id, (env: Env<RaftMessage>) => new RaftNode(env, { ...config, voters: [] }, safety));
      serverList.push(id);
      world.network.exemptFromPartitions(clients);
    },
  };
  const opsPerClient = params.clients > 0 ? params.opsPerSecond / params.clients : 0;
  for (const id of clients) {
    const finalReads = Array.from({ length: params.keys }, (_, k) => `k${k}`);
    world.addNode(
      id,
      (env: Env<RaftMessage>) =>
        new KvClient(env, {
          servers: serverList,
          recorder,
          trueNow: () => world.now(),
          nextOp: (random) => {
            if (cluster.phase === 'stop') return undefined;
            if (cluster.phase === 'final') {
              const key = finalReads.shift();
              return key === undefined ? undefined : { f: 'get', key };
            }
            return options.nextOp ? options.nextOp(id, random) : workload(random);
          },
          timeoutMs: options.clientTimeoutMs ?? Math.max(200, params.electionMaxMs * 2),
          giveUpMs: options.clientGiveUpMs ?? Math.max(1_000, params.electionMaxMs * 8),
          thinkMs: opsPerClient > 0 ? 1_000 / opsPerClient : 1e9,
        }),
    );
  }
  world.network.exemptFromPartitions(clients);
  for (const l of options.links ?? []) world.network.configure(l.from, l.to, l.config);
  // One check for every safety property (it runs after each event), reporting the broken one by name;
  // every `logMatchingEvery` events it also runs log matching across all pairs. One invariant, not two:
  // it is called after every event.
  const every = options.logMatchingEvery ?? 512;
  // Incremental: each run reads only what the logs appended or rewrote since the last (same verdicts).
  const logMatching = new LogMatchingCheck();
  let countdown = every;
  world.addInvariant('raft safety', () => {
    const violation = safety.violation;
    if (violation) return { name: violation.property, detail: violation.detail };
    if (every <= 0 || --countdown > 0) return undefined;
    countdown = every;
    const problem = logMatching.check(world, serverList);
    return problem === undefined ? undefined : { name: 'log matching', detail: problem };
  });
  return cluster;
}

/**
 * Reads, writes with unique values, appends and compare-and-sets over a few keys: unique values make
 * every read point at the one write it saw, which is what gives the checker its power.
 */
export function randomWorkload(params: RaftParams): (random: () => number) => ClientOp {
  let counter = 0;
  const lastWritten = new Map<string, string>();
  // The key names made once: a string built per operation was garbage, and a fresh one is hashed anew
  // by every map it meets (the state machine's, its sessions').
  const keyNames = Array.from({ length: params.keys }, (_, k) => `k${k}`);
  return (random) => {
    const key = keyNames[Math.floor(random() * params.keys)] as string;
    const roll = random();
    if (roll < params.readFraction) return { f: 'get', key };
    const value = `v${++counter}`;
    const rest = (roll - params.readFraction) / (1 - params.readFraction || 1);
    if (rest < 0.5) {
      lastWritten.set(key, value);
      return { f: 'put', key, value };
    }
    if (rest < 0.75) return { f: 'append', key, value: `.${counter}` };
    if (rest < 0.95) {
      const from = lastWritten.get(key) ?? null;
      lastWritten.set(key, value);
      return { f: 'cas', key, from, to: value };
    }
    return { f: 'delete', key };
  };
}
