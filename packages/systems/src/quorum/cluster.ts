/** Builds a quorum-store world from params and seed: what `run`, the scenarios, the fuzzer and the lab share. */
import { HistoryRecorder } from '@dslab/check';
import { World, type Env, type LinkConfig, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { ConsistentHashRing } from '../hashring/ring';
import { simpleLink } from '../link-params';
import { QuorumClient, type QuorumClientConfig, type WorkloadOp } from './client';
import { CONVERGENCE_CHECK, QuorumObserver, describeState } from './invariants';
import { levels, quorumMutants, type QuorumMessage } from './messages';
import { QuorumNode, type QuorumNodeConfig } from './node';
import { conflictModes, sameState, siblingCount, type Stored } from './versions';

export const quorumParams = z
  .object({
    nodes: z.number().int().min(1).max(16).default(5),
    /** N: replicas per key. */
    replicas: z.number().int().min(1).max(9).default(3),
    conflict: z.enum(conflictModes).default('dvv'),
    readLevel: z.enum(levels).default('quorum'),
    writeLevel: z.enum(levels).default('quorum'),
    /** Sloppy quorum with hinted handoff (Dynamo); off: strict quorums on the preference list. */
    sloppy: z.boolean().default(true),
    readRepair: z.enum(['off', 'async', 'blocking']).default('async'),
    /** Anti-entropy period per node; 0 turns it off. */
    antiEntropyMs: z.number().min(0).max(60_000).default(400),
    handoffMs: z.number().positive().max(60_000).default(100),
    gossipMs: z.number().positive().max(60_000).default(50),
    failAfterMs: z.number().positive().max(600_000).default(400),
    requestTimeoutMs: z.number().positive().max(60_000).default(150),
    treeDepth: z.number().int().min(0).max(16).default(6),
    vnodes: z.number().int().min(1).max(256).default(16),
    clients: z.number().int().min(0).max(32).default(4),
    /** Client operations per virtual second, all clients together. */
    opsPerSecond: z.number().positive().max(10_000).default(100),
    keys: z.number().int().min(1).max(10_000).default(8),
    readFraction: z.number().min(0).max(1).default(0.5),
    latencyMs: z.number().min(0).max(10_000).default(2),
    jitterMs: z.number().min(0).max(10_000).default(6),
    loss: z.number().min(0).max(0.5).default(0),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    mutant: z.enum(quorumMutants).optional(),
  })
  .strict()
  .refine((p) => p.replicas <= p.nodes, { message: 'replicas (N) must not exceed nodes' });

export type QuorumParams = z.infer<typeof quorumParams>;

export interface QuorumCluster {
  readonly world: World;
  readonly params: QuorumParams;
  readonly nodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly keys: readonly string[];
  readonly observer: QuorumObserver;
  readonly recorder: HistoryRecorder;
  /** The harness's own ring (the same one every node builds), for checks and pictures. */
  readonly ring: ConsistentHashRing;
  /** 'run': the workload goes on; 'stop': clients issue nothing new. */
  phase: 'run' | 'stop';
  node(id: NodeId): QuorumNode;
  client(id: NodeId): QuorumClient;
  preferenceList(key: string): NodeId[];
}

export interface QuorumBuildOptions {
  readonly trace?: TraceMode;
  /** Record the clients' operations for the checker (default true). */
  readonly record?: boolean;
  /** Per-client settings over the defaults (a fixed coordinator, levels, a scripted client without workload). */
  readonly client?: (id: NodeId) => Partial<QuorumClientConfig>;
  /** Per-pair link settings applied after the defaults. */
  readonly links?: readonly { from: NodeId | '*'; to: NodeId | '*'; config: Partial<LinkConfig> }[];
  /** Whole-network latency model instead of latencyMs + jitter. */
  readonly network?: Partial<LinkConfig>;
  /** Clients are cut off by partitions like servers (default: exempt, as Jepsen's control node). */
  readonly clientsPartitionable?: boolean;
}

export function nodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function clientIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `c${i + 1}`);
}

export function nodeConfig(
  params: QuorumParams,
  nodes: readonly NodeId[],
  observer?: QuorumObserver,
): QuorumNodeConfig {
  return {
    nodes,
    vnodes: params.vnodes,
    replicas: params.replicas,
    mode: params.conflict,
    sloppy: params.sloppy,
    readRepair: params.readRepair,
    requestTimeoutMs: params.requestTimeoutMs,
    handoffMs: params.handoffMs,
    antiEntropyMs: params.antiEntropyMs,
    treeDepth: params.treeDepth,
    gossip: { gossipMs: params.gossipMs, failAfterMs: params.failAfterMs },
    ...(observer ? { observer } : {}),
    ...(params.mutant ? { mutant: params.mutant } : {}),
  };
}

export function buildQuorumCluster(
  params: QuorumParams,
  seed: number,
  options: QuorumBuildOptions = {},
): QuorumCluster {
  const world = new World({
    seed,
    trace: options.trace ?? 'hash',
    network: options.network ?? simpleLink(params),
  });
  const nodes = nodeIds(params.nodes);
  const clients = clientIds(params.clients);
  const keys = Array.from({ length: params.keys }, (_, i) => `k${i}`);
  const observer = new QuorumObserver();
  const recorder = new HistoryRecorder();
  const ring = new ConsistentHashRing(params.vnodes);
  for (const id of nodes) ring.add(id);
  const config = nodeConfig(params, nodes, observer);
  for (const id of nodes) world.addNode(id, (env: Env<QuorumMessage>) => new QuorumNode(env, config));
  const cluster: QuorumCluster = {
    world,
    params,
    nodes,
    clients,
    keys,
    observer,
    recorder,
    ring,
    phase: 'run',
    node: (id) => world.node<QuorumNode>(id),
    client: (id) => world.node<QuorumClient>(id),
    preferenceList: (key) => ring.replicas(key, params.replicas),
  };
  const thinkMs = params.clients > 0 ? (1_000 * params.clients) / params.opsPerSecond : 1e9;
  const workload = (random: () => number): WorkloadOp | undefined => {
    if (cluster.phase !== 'run') return undefined;
    const key = keys[Math.floor(random() * keys.length)] as string;
    return random() < params.readFraction ? { f: 'get', key } : { f: 'put', key };
  };
  for (const id of clients) {
    const overrides = options.client?.(id) ?? {};
    world.addNode(
      id,
      (env: Env<QuorumMessage>) =>
        new QuorumClient(env, {
          nodes,
          trueNow: () => world.now(),
          timeoutMs: 4 * params.requestTimeoutMs,
          observer,
          ...(options.record === false ? {} : { recorder }),
          readLevel: params.readLevel,
          writeLevel: params.writeLevel,
          workload,
          thinkMs,
          ...overrides,
        }),
    );
  }
  if (!options.clientsPartitionable) world.network.exemptFromPartitions(clients);
  for (const link of options.links ?? []) world.network.configure(link.from, link.to, link.config);
  observer.install(world);
  return cluster;
}

/** Keys some node holds, in order. */
export function heldKeys(cluster: QuorumCluster): string[] {
  const keys = new Set<string>(cluster.keys);
  for (const id of cluster.nodes)
    if (cluster.world.isUp(id)) for (const key of cluster.node(id).keys()) keys.add(key);
  return [...keys].sort();
}

/** Hints waiting on every node that is up. */
export function pendingHints(cluster: QuorumCluster): number {
  let total = 0;
  for (const id of cluster.nodes) if (cluster.world.isUp(id)) total += cluster.node(id).hintCount;
  return total;
}

/** Keys whose preferred replicas do not all hold the same state. */
export function divergentKeys(cluster: QuorumCluster): { key: string; states: (Stored | undefined)[] }[] {
  const out: { key: string; states: (Stored | undefined)[] }[] = [];
  for (const key of heldKeys(cluster)) {
    const states = cluster
      .preferenceList(key)
      .map((id) => (cluster.world.isUp(id) ? cluster.node(id).replica(key) : undefined));
    if (states.some((s) => !sameState(s, states[0]))) out.push({ key, states });
  }
  return out;
}

/** Undefined once every key's preferred replicas agree and no hint is pending; otherwise what is not. */
export function convergenceProblem(cluster: QuorumCluster): string | undefined {
  const hints = pendingHints(cluster);
  const divergent = divergentKeys(cluster);
  if (hints === 0 && divergent.length === 0) return undefined;
  const first = divergent[0];
  const example = first
    ? `; ${first.key} on ${cluster.preferenceList(first.key).join(', ')}: ${first.states.map((s) => describeState(s)).join(' | ')}`
    : '';
  return `${divergent.length} keys differ across their replicas and ${hints} hints are pending${example}`;
}

/**
 * Runs until the replicas agree and no hint is pending, checking every `stepMs`, for at most `maxMs`.
 * Returns the virtual ms it took, or undefined when they had not converged by then.
 */
export function settle(cluster: QuorumCluster, maxMs: number, stepMs = 50): number | undefined {
  const start = cluster.world.now();
  for (;;) {
    if (convergenceProblem(cluster) === undefined) return cluster.world.now() - start;
    if (cluster.world.now() - start >= maxMs) return undefined;
    cluster.world.runFor(stepMs);
  }
}

/** The most siblings any replica holds for any key. */
export function maxSiblings(cluster: QuorumCluster): number {
  let most = 0;
  for (const id of cluster.nodes) {
    if (!cluster.world.isUp(id)) continue;
    const node = cluster.node(id);
    for (const key of node.keys()) most = Math.max(most, siblingCount(node.replica(key)));
  }
  return most;
}

export { CONVERGENCE_CHECK };
