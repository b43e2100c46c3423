/** Builds a rate-limited service from params: clients, servers behind a load balancer, the central limiter. */
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { algorithmKinds, algorithmMutants, type Policy } from './algorithms';
import { RateClient, retryPolicies } from './client';
import type { GateConfig } from './gate';
import { hierarchyMutants, type HierarchySpec } from './hierarchical';
import type { RateMessage } from './messages';
import { CentralLimiter, RateServer, modes, type Mode } from './node';

/** Answers the ledger keeps for the lab's picture (the newest ones). */
export const MAX_RECENT_ANSWERS = 4_000;
/** Level samples kept for the lab's picture (the newest ones). */
export const MAX_LEVEL_SAMPLES = 8_000;

export const rateMutants = [...algorithmMutants, ...hierarchyMutants] as const;

export const rateParams = z
  .object({
    servers: z.number().int().min(1).max(32).default(3),
    clients: z.number().int().min(1).max(64).default(4),
    /** Client i belongs to tenant i mod tenants. */
    tenants: z.number().int().min(1).max(16).default(2),
    endpoints: z.number().int().min(1).max(8).default(2),
    mode: z.enum(modes).default('central'),
    algorithm: z.enum(algorithmKinds).default('token-bucket'),
    /** Requests per window: per tenant (keyed), or the global level of a hierarchy. */
    limit: z.number().int().min(1).max(1_000_000).default(100),
    windowMs: z.number().positive().max(3_600_000).default(1_000),
    /** Bucket capacity of token bucket, leaky meter and GCRA (the limit when absent). */
    burst: z.number().int().min(1).max(1_000_000).optional(),
    /** Global → tenant → endpoint token buckets instead of one limiter per tenant. */
    hierarchical: z.boolean().default(false),
    tenantLimit: z.number().int().min(1).max(1_000_000).default(60),
    endpointLimit: z.number().int().min(1).max(1_000_000).default(25),
    syncMs: z.number().positive().max(60_000).default(100),
    ratePerClient: z.number().min(0).max(100_000).default(60),
    burstSize: z.number().int().min(0).max(10_000).default(20),
    burstEveryMs: z.number().min(0).max(600_000).default(1_000),
    retry: z.enum(retryPolicies).default('retry-after'),
    maxAttempts: z.number().int().min(1).max(100).default(3),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(1),
    loss: z.number().min(0).max(1).default(0),
    checkTimeoutMs: z.number().positive().max(60_000).default(50),
    clientTimeoutMs: z.number().positive().max(60_000).default(200),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    mutant: z.enum(rateMutants).optional(),
  })
  .strict();

export type RateParams = z.infer<typeof rateParams>;

export const LIMITER: NodeId = 'limiter';

/** Every answer servers gave, in true (world) time: what scenarios measure, never what limiters see. */
export class AnswerLedger {
  readonly admittedAt: number[] = [];
  /** The last answers, for the lab's picture: at least the newest `MAX_RECENT_ANSWERS`, at most twice that. */
  readonly recent: { t: number; admitted: boolean; tenant: string }[] = [];
  admitted = 0;
  refused = 0;
  readonly byTenant = new Map<string, number>();

  constructor(
    private readonly world: World,
    private readonly keep: boolean,
  ) {}

  record(tenant: string, admitted: boolean): void {
    this.recent.push({ t: this.world.now(), admitted, tenant });
    // Trimmed in halves, so recording stays O(1) amortised.
    if (this.recent.length >= 2 * MAX_RECENT_ANSWERS) this.recent.splice(0, MAX_RECENT_ANSWERS);
    if (!admitted) {
      this.refused++;
      return;
    }
    this.admitted++;
    this.byTenant.set(tenant, (this.byTenant.get(tenant) ?? 0) + 1);
    if (this.keep) this.admittedAt.push(this.world.now());
  }
}

export interface RateCluster {
  readonly world: World;
  readonly params: RateParams;
  readonly servers: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly ledger: AnswerLedger;
  /** Levels right after each decision of the drawn limiter, in world time (see view-detail.ts). */
  readonly samples: { t: number; key: string; level: number }[];
  server(id: NodeId): RateServer;
  client(id: NodeId): RateClient;
  limiter(): CentralLimiter;
}

export function policyOf(params: RateParams): Policy {
  return {
    kind: params.algorithm,
    limit: params.limit,
    windowMs: params.windowMs,
    ...(params.burst !== undefined ? { burst: params.burst } : {}),
  };
}

export function hierarchyOf(params: RateParams): HierarchySpec {
  const bucket = (limit: number) => ({ capacity: limit, ratePerMs: limit / params.windowMs });
  return {
    global: bucket(params.limit),
    tenant: bucket(params.tenantLimit),
    endpoint: bucket(params.endpointLimit),
  };
}

export function gateConfigOf(params: RateParams): GateConfig {
  return {
    policy: policyOf(params),
    ...(params.hierarchical ? { hierarchy: hierarchyOf(params) } : {}),
    ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
  };
}

export interface BuildOptions {
  /** Keep every admission's time (scenarios measure windows); fuzzing only counts. */
  readonly keep?: boolean;
  /** Servers' clock offsets in ms (by index), for the skew experiments. */
  readonly clockOffsets?: readonly number[];
}

export function buildRateWorld(
  params: RateParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): RateCluster {
  const world = new World({
    seed,
    trace,
    network: simpleLink({ latencyMs: params.latencyMs, jitterMs: params.jitterMs, loss: params.loss }),
  });
  const servers = Array.from({ length: params.servers }, (_, i) => `s${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const endpoints = Array.from({ length: params.endpoints }, (_, i) => `GET /e${i + 1}`);
  const ledger = new AnswerLedger(world, options.keep ?? false);
  const gate = gateConfigOf(params);
  const mode: Mode = params.mode;
  // The lab draws one limiter: the central one, or the first server's in local mode.
  const samples: RateCluster['samples'] = [];
  const drawn: GateConfig = {
    ...gate,
    onLevels: (levels) => {
      for (const [key, level] of levels) samples.push({ t: world.now(), key, level });
      if (samples.length >= 2 * MAX_LEVEL_SAMPLES) samples.splice(0, MAX_LEVEL_SAMPLES);
    },
  };
  world.addNode(LIMITER, (env: Env<RateMessage>) => new CentralLimiter(env, mode === 'local' ? gate : drawn));
  servers.forEach((id, i) =>
    world.addNode(
      id,
      (env: Env<RateMessage>) =>
        new RateServer(env, {
          mode,
          gate: mode === 'local' && i === 0 ? drawn : gate,
          limiterId: LIMITER,
          checkTimeoutMs: params.checkTimeoutMs,
          syncMs: params.syncMs,
          onAnswer: (_server, tenant, admitted) => ledger.record(tenant, admitted),
        }),
      options.clockOffsets?.[i] !== undefined
        ? { clock: { offsetMs: options.clockOffsets[i] as number } }
        : {},
    ),
  );
  clients.forEach((id, i) =>
    world.addNode(
      id,
      (env: Env<RateMessage>) =>
        new RateClient(env, {
          servers,
          tenant: `t${(i % params.tenants) + 1}`,
          endpoints,
          ratePerSecond: params.ratePerClient,
          burstSize: params.burstSize,
          burstEveryMs: params.burstEveryMs,
          retry: params.retry,
          maxAttempts: params.maxAttempts,
          timeoutMs: params.clientTimeoutMs,
          stopAtMs: params.durationMs,
        }),
    ),
  );
  const cluster: RateCluster = {
    world,
    params,
    servers,
    clients,
    ledger,
    samples,
    server: (id) => world.node<RateServer>(id),
    client: (id) => world.node<RateClient>(id),
    limiter: () => world.node<CentralLimiter>(LIMITER),
  };
  installInvariants(cluster);
  return cluster;
}

/** The gates alive now: each server's (local mode) and the central limiter's. */
function gates(cluster: RateCluster) {
  const { world } = cluster;
  const out = [];
  if (world.isUp(LIMITER)) out.push([LIMITER, cluster.limiter().gate] as const);
  for (const id of cluster.servers) if (world.isUp(id)) out.push([id, cluster.server(id).gate] as const);
  return out;
}

export const PROMISE_CHECK = 'limiters keep their promise';
export const FAIRNESS_CHECK = 'limiters refuse only when full';
export const CONSERVATION_CHECK = 'refusals charge no bucket';

export const rateInvariants: Record<string, (cluster: RateCluster) => string | undefined> = {
  [PROMISE_CHECK]: (cluster) => {
    for (const [id, gate] of gates(cluster)) if (gate.broken.bound) return `${id}: ${gate.broken.bound}`;
    return undefined;
  },
  [FAIRNESS_CHECK]: (cluster) => {
    for (const [id, gate] of gates(cluster))
      if (gate.broken.fairness) return `${id}: ${gate.broken.fairness}`;
    return undefined;
  },
  [CONSERVATION_CHECK]: (cluster) => {
    for (const [id, gate] of gates(cluster)) if (gate.conservation) return `${id}: ${gate.conservation}`;
    return undefined;
  },
};

function installInvariants(cluster: RateCluster): void {
  for (const [name, check] of Object.entries(rateInvariants))
    cluster.world.addInvariant(name, () => check(cluster));
}

/** Client totals, added up. */
export interface ClientTotals {
  requests: number;
  attempts: number;
  admitted: number;
  refused: number;
  refusedFirst: number;
  retries: number;
  timedOut: number;
  gaveUp: number;
}

export function clientTotals(cluster: RateCluster): ClientTotals {
  const totals: ClientTotals = {
    requests: 0,
    attempts: 0,
    admitted: 0,
    refused: 0,
    refusedFirst: 0,
    retries: 0,
    timedOut: 0,
    gaveUp: 0,
  };
  for (const id of cluster.clients) {
    if (!cluster.world.isUp(id)) continue;
    const s = cluster.client(id).snapshot();
    totals.requests += s.requests;
    totals.attempts += s.attempts;
    totals.admitted += s.admitted;
    totals.refused += s.refused;
    totals.retries += s.retries;
    totals.refusedFirst += s.refusedFirst;
    totals.timedOut += s.timedOut;
    totals.gaveUp += s.gaveUp;
  }
  return totals;
}
