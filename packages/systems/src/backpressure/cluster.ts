/** Params and the world: one producer, one server with a work queue, the ledger, the invariants. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { normalConditions, type Conditions } from './conditions';
import { Ledger, SAMPLE_MS } from './ledger';
import type { BackpressureMessage } from './messages';
import { Producer, type FlowControl } from './producer';
import { QueueServer } from './server';
import { installInvariants } from './invariants';
import { PRODUCER, SERVER } from './names';

export { SERVER, PRODUCER } from './names';

export const backpressureMutants = [
  'bound-off-by-one',
  'evict-uncounted',
  'shed-high-first',
  'retry-timeout-unarmed',
] as const;

const flows = ['none', 'credits', 'depth-signal'] as const satisfies readonly FlowControl[];

export const backpressureParams = z
  .object({
    /** Producer arrivals per second (Poisson) at normal load. */
    rate: z.number().positive().max(100_000).default(80),
    highShare: z.number().min(0).max(1).default(0.2),
    workers: z.number().int().min(1).max(256).default(1),
    /** Mean service time per request (exponential): capacity is workers × 1000 / serviceMs per second. */
    serviceMs: z.number().positive().max(60_000).default(10),
    /** What the queue does at its bound: grow anyway, refuse the newcomer, or push out a low-priority one. */
    overflow: z.enum(['unbounded', 'refuse', 'shed-low']).default('refuse'),
    queueBound: z.number().int().min(1).max(100_000).default(50),
    order: z.enum(['fifo', 'adaptive-lifo']).default('fifo'),
    /** Adaptive LIFO serves newest first while more than this many wait. */
    lifoAbove: z.number().int().min(0).max(100_000).default(10),
    dropExpired: z.boolean().default(false),
    flow: z.enum(flows).default('none'),
    signalDepth: z.number().int().min(0).max(100_000).default(10),
    timeoutMs: z.number().positive().max(600_000).default(300),
    maxAttempts: z.number().int().min(1).max(20).default(3),
    /** Retries allowed per first attempt; absent: retries are not budgeted. */
    retryBudget: z.number().min(0).max(10).optional(),
    /** The trigger: from `triggerAtMs` for `triggerForMs`, service is `triggerSlowdown` times slower and load `triggerLoad` times higher. */
    triggerAtMs: z.number().min(0).max(3_600_000).default(3_000),
    triggerForMs: z.number().min(0).max(3_600_000).default(2_000),
    triggerSlowdown: z.number().min(0.01).max(100).default(3),
    triggerLoad: z.number().min(0).max(100).default(1),
    durationMs: z.number().positive().max(3_600_000).default(10_000),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(1),
    mutant: z.enum(backpressureMutants).optional(),
  })
  .strict();

export type BackpressureParams = z.infer<typeof backpressureParams>;

export interface BackpressureCluster {
  readonly world: World;
  readonly params: BackpressureParams;
  readonly conditions: Conditions;
  readonly ledger: Ledger;
  server(): QueueServer;
  producer(): Producer;
}

/** Capacity in requests per second at normal speed. */
export function capacityOf(params: BackpressureParams): number {
  return (params.workers * 1_000) / params.serviceMs;
}

export interface BuildOptions {
  /** Keep every latency (scenarios compute percentiles); live and fuzz runs only bin. */
  readonly keep?: boolean;
}

export function buildBackpressureWorld(
  params: BackpressureParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): BackpressureCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const conditions = normalConditions();
  const ledger = new Ledger(world, options.keep ?? false);
  const queue = {
    bound: params.queueBound,
    overflow: params.overflow,
    order: params.order,
    lifoAbove: params.lifoAbove,
    mutant: params.mutant,
  };
  world.addNode(
    SERVER,
    (env: Env<BackpressureMessage>) =>
      new QueueServer(
        env,
        {
          workers: params.workers,
          serviceMs: params.serviceMs,
          queue,
          dropExpired: params.dropExpired,
          mutant: params.mutant,
        },
        conditions,
        {
          admitted: () => ledger.admitted(),
          departed: (_item, _outcome, ms) => ledger.departed(ms),
          refused: () => ledger.refused(),
        },
      ),
  );
  world.addNode(
    PRODUCER,
    (env: Env<BackpressureMessage>) =>
      new Producer(
        env,
        SERVER,
        {
          rate: params.rate,
          highShare: params.highShare,
          timeoutMs: params.timeoutMs,
          maxAttempts: params.maxAttempts,
          retryBudget: params.retryBudget,
          flow: params.flow,
          credits: params.queueBound + params.workers,
          signalDepth: params.signalDepth,
          mutant: params.mutant,
        },
        conditions,
        {
          offered: (p) => ledger.offered(p),
          sent: (attempt) => ledger.sent(attempt),
          served: (_p, ms) => ledger.served(_p, ms),
          failed: (_p, why) => ledger.failed(why),
          late: () => ledger.late(),
          blocked: (ms) => ledger.blocked(ms),
        },
      ),
  );
  const cluster: BackpressureCluster = {
    world,
    params,
    conditions,
    ledger,
    server: () => world.node<QueueServer>(SERVER),
    producer: () => world.node<Producer>(PRODUCER),
  };
  scheduleTrigger(cluster);
  sampleForever(cluster);
  installInvariants(cluster);
  world.start();
  return cluster;
}

function scheduleTrigger(cluster: BackpressureCluster): void {
  const { world, params, conditions } = cluster;
  if (params.triggerForMs <= 0) return;
  world.at(params.triggerAtMs, 'trigger starts', () => {
    conditions.slowdown = params.triggerSlowdown;
    conditions.load = params.triggerLoad;
  });
  world.at(params.triggerAtMs + params.triggerForMs, 'trigger ends', () => {
    conditions.slowdown = 1;
    conditions.load = 1;
  });
}

/** Samples depth and in-system count every SAMPLE_MS, for as long as the world runs. */
function sampleForever(cluster: BackpressureCluster): void {
  const { world, ledger } = cluster;
  const tick = () => {
    if (world.isUp(SERVER)) {
      const server = cluster.server();
      ledger.sample(server.queue.length, server.inSystem);
    } else ledger.sample(0, 0);
    world.after(SAMPLE_MS, 'sample', tick);
  };
  world.at(0, 'sample', tick);
}

/** Stops the producer's users at `atMs` (the end of the offered load). */
export function stopProducingAt(cluster: BackpressureCluster, atMs: number): void {
  cluster.world.at(atMs, 'producer stops', () => {
    cluster.conditions.producing = false;
  });
}
