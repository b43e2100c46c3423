/** Builds a causal-store world from params: replicas (one per datacenter) and clients attached to them. */
import { HistoryRecorder } from '@dslab/check';
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { CausalClient } from './client';
import type { CausalMessage } from './messages';
import { CausalReplica, causalMutants } from './replica';
import { MAX_REPLICAS } from './versions';

export const causalParams = z
  .object({
    replicas: z.number().int().min(1).max(MAX_REPLICAS).default(3),
    clients: z.number().int().min(1).max(64).default(6),
    keys: z.number().int().min(1).max(64).default(2),
    /** Share of the random workload's operations that are writes. */
    writeShare: z.number().min(0).max(1).default(0.3),
    thinkMs: z.number().positive().max(60_000).default(20),
    /** Client ↔ its own replica: one datacenter, in order. */
    localLatencyMs: z.number().min(0).max(10_000).default(1),
    /** Jitter on the local link: a snapshot read's parallel gets may then meet the replica between two writes. */
    localJitterMs: z.number().min(0).max(10_000).default(0),
    /** Replica ↔ replica: between datacenters, with jitter that reorders messages. */
    wanLatencyMs: z.number().min(0).max(10_000).default(10),
    wanJitterMs: z.number().min(0).max(10_000).default(40),
    resendMs: z.number().positive().max(60_000).default(100),
    timeoutMs: z.number().positive().max(60_000).default(300),
    durationMs: z.number().positive().max(3_600_000).default(2_000),
    /** Clients run the random workload (off: scenarios drive them by hand). */
    workload: z.boolean().default(true),
    mutant: z.enum(causalMutants).optional(),
  })
  .strict();

export type CausalParams = z.infer<typeof causalParams>;

export interface CausalCluster {
  readonly world: World;
  readonly params: CausalParams;
  readonly replicas: readonly string[];
  readonly clients: readonly string[];
  readonly keys: readonly string[];
  /** Each client's replica. */
  readonly replicaOf: ReadonlyMap<string, string>;
  readonly recorder: HistoryRecorder;
  replica(id: string): CausalReplica;
  client(id: string): CausalClient;
}

export interface BuildOptions {
  /** The replica of client i (default: round robin over the replicas). */
  readonly clientAt?: (i: number) => number;
}

export function buildCausalCluster(
  params: CausalParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): CausalCluster {
  const world = new World({ seed, trace });
  const replicas = Array.from({ length: params.replicas }, (_, i) => `r${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const keys = Array.from({ length: params.keys }, (_, i) => `k${i + 1}`);
  const recorder = new HistoryRecorder();
  const replicaOf = new Map<string, string>();
  replicas.forEach((id, index) =>
    world.addNode(
      id,
      (env: Env<CausalMessage>) =>
        new CausalReplica(env, {
          peers: replicas,
          index,
          resendMs: params.resendMs,
          ...(params.mutant ? { mutant: params.mutant } : {}),
        }),
    ),
  );
  clients.forEach((id, i) => {
    const at = replicas[(options.clientAt?.(i) ?? i) % replicas.length] as string;
    replicaOf.set(id, at);
    world.addNode(
      id,
      (env: Env<CausalMessage>) =>
        new CausalClient(env, {
          replica: at,
          timeoutMs: params.timeoutMs,
          recorder,
          trueNow: () => world.now(),
          ...(params.workload
            ? { workload: { keys, writeShare: params.writeShare, thinkMs: params.thinkMs } }
            : {}),
        }),
    );
  });
  world.network.configure('*', '*', {
    latency:
      params.wanJitterMs > 0
        ? { kind: 'uniform', min: params.wanLatencyMs, max: params.wanLatencyMs + params.wanJitterMs }
        : { kind: 'constant', ms: params.wanLatencyMs },
    fifo: false,
  });
  for (const [client, at] of replicaOf) {
    // Clients wait for each answer before the next operation, so only a snapshot read's parallel gets can reorder.
    const local = {
      latency:
        params.localJitterMs > 0
          ? ({
              kind: 'uniform',
              min: params.localLatencyMs,
              max: params.localLatencyMs + params.localJitterMs,
            } as const)
          : ({ kind: 'constant', ms: params.localLatencyMs } as const),
      fifo: params.localJitterMs === 0,
    };
    world.network.configure(client, at, local);
    world.network.configure(at, client, local);
  }
  return {
    world,
    params,
    replicas,
    clients,
    keys,
    replicaOf,
    recorder,
    replica: (id) => world.node<CausalReplica>(id),
    client: (id) => world.node<CausalClient>(id),
  };
}

/** Keys on which the replicas that are up show different values (after healing: must be none). */
export function divergence(cluster: CausalCluster): string | undefined {
  const up = cluster.replicas.filter((id) => cluster.world.isUp(id));
  const first = up[0];
  if (first === undefined) return undefined;
  const reference = cluster.replica(first).visibleValues();
  for (const id of up.slice(1)) {
    const values = cluster.replica(id).visibleValues();
    for (const key of cluster.keys)
      if ((values.get(key) ?? null) !== (reference.get(key) ?? null))
        return `${key} is ${JSON.stringify(reference.get(key) ?? null)} on ${first} but ${JSON.stringify(values.get(key) ?? null)} on ${id}`;
  }
  return undefined;
}
