/**
 * The params of a free run (the lab's controls, `dslab run resilience`): clients → frontend → backends
 * `a` and `b` (route `a` calls a, route `b` calls b), or a chain of layers; one set of resilience
 * settings on the frontend's calls, one on the clients'; and one fault on a backend for a while.
 */
import { z } from 'zod';
import { limiterKinds, type LimiterConfig } from './adaptive';
import type { BreakerConfig } from './breaker';
import type { CallPolicy } from './caller';
import {
  resilienceMutants,
  type ClientSpec,
  type FaultSpec,
  type GraphSpec,
  type ServiceSpec,
} from './cluster';
import { backoffKinds, type RetryPolicy } from './retry';
import type { ServiceMode } from './service';

export const breakerKinds = ['none', 'consecutive', 'count', 'time'] as const;
export type BreakerKind = (typeof breakerKinds)[number];
export const faultModes = ['healthy', 'slow', 'error', 'down', 'refuse'] as const;

export const resilienceParams = z
  .object({
    topology: z.enum(['fanout', 'chain']).default('fanout'),
    clients: z.number().int().min(1).max(200).default(4),
    ratePerClient: z.number().min(0).max(10_000).default(50),
    /** Share of requests on route b (fanout). */
    shareB: z.number().min(0).max(1).default(0.5),
    /** Layers below the clients (chain). */
    depth: z.number().int().min(1).max(6).default(3),
    frontendWorkers: z.number().int().min(1).max(10_000).default(24),
    frontendQueue: z.number().int().min(0).max(100_000).default(24),
    backendWorkers: z.number().int().min(1).max(10_000).default(16),
    backendQueue: z.number().int().min(0).max(100_000).default(32),
    backendWorkMs: z.number().positive().max(60_000).default(10),
    backendP99Ms: z.number().positive().max(600_000).default(40),
    instancesA: z.number().int().min(1).max(32).default(1),
    instancesB: z.number().int().min(1).max(32).default(1),
    /** The frontend's timeout on each backend call (0: none). */
    callTimeoutMs: z.number().min(0).max(600_000).default(200),
    clientTimeoutMs: z.number().min(0).max(600_000).default(1_000),
    backoff: z.enum(backoffKinds).default('full'),
    maxAttempts: z.number().int().min(1).max(20).default(3),
    baseMs: z.number().min(0).max(60_000).default(20),
    capMs: z.number().min(0).max(600_000).default(1_000),
    clientMaxAttempts: z.number().int().min(1).max(20).default(1),
    /** Retries per request allowed by a retry budget (absent: no budget). */
    budgetRatio: z.number().min(0).max(10).optional(),
    breaker: z.enum(breakerKinds).default('count'),
    /** consecutive: failures in a row; count/time: failure rate in percent. */
    breakerThreshold: z.number().positive().max(100).default(50),
    breakerWindow: z.number().int().min(1).max(100_000).default(20),
    openMs: z.number().min(0).max(600_000).default(500),
    probes: z.number().int().min(1).max(100).default(2),
    slowCallMs: z.number().min(0).max(600_000).default(0),
    /** The frontend's slots per backend (0: no bulkhead). */
    bulkhead: z.number().int().min(0).max(10_000).default(8),
    ejection: z.boolean().default(false),
    limiter: z.enum(limiterKinds).optional(),
    queueTimeoutMs: z.number().min(0).max(600_000).default(0),
    faultTarget: z.enum(['a', 'b', 'frontend']).default('b'),
    faultMode: z.enum(faultModes).default('slow'),
    faultFactor: z.number().min(1).max(10_000).default(30),
    faultErrorRate: z.number().min(0).max(1).default(0.5),
    faultFromMs: z.number().min(0).max(3_600_000).default(1_500),
    faultUntilMs: z.number().min(0).max(3_600_000).default(4_000),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(1),
    durationMs: z.number().positive().max(3_600_000).default(6_000),
    mutant: z.enum(resilienceMutants).optional(),
  })
  .strict();

export type ResilienceParams = z.infer<typeof resilienceParams>;

export function breakerOf(params: ResilienceParams): BreakerConfig | undefined {
  const slow = params.slowCallMs > 0 ? { slowCallMs: params.slowCallMs } : {};
  const common = { openMs: params.openMs, probes: params.probes, ...slow };
  const rate = Math.min(1, params.breakerThreshold / 100);
  const slowRate = params.slowCallMs > 0 ? { slowCallRate: rate } : {};
  switch (params.breaker) {
    case 'none':
      return undefined;
    case 'consecutive':
      return {
        ...common,
        window: { kind: 'consecutive', failures: Math.max(1, Math.round(params.breakerThreshold)) },
      };
    case 'count':
      return {
        ...common,
        window: {
          kind: 'count',
          size: params.breakerWindow,
          minimumCalls: Math.min(params.breakerWindow, 10),
          failureRate: rate,
          ...slowRate,
        },
      };
    case 'time':
      return {
        ...common,
        window: {
          kind: 'time',
          windowMs: params.breakerWindow * 50,
          buckets: 10,
          minimumCalls: 10,
          failureRate: rate,
          ...slowRate,
        },
      };
  }
}

export function retryOf(params: ResilienceParams, maxAttempts: number): RetryPolicy {
  return {
    backoff: params.backoff,
    maxAttempts,
    baseMs: params.baseMs,
    capMs: Math.max(params.capMs, params.baseMs),
  };
}

function limiterOf(params: ResilienceParams, workers: number, queue: number): LimiterConfig | undefined {
  if (params.limiter === undefined) return undefined;
  const max = workers + queue;
  return {
    kind: params.limiter,
    initial: Math.max(1, Math.min(max, workers)),
    min: 1,
    max,
    slowMs: params.backendP99Ms * 2,
    backoff: 0.9,
  };
}

function modeOf(params: ResilienceParams): ServiceMode {
  switch (params.faultMode) {
    case 'slow':
      return { kind: 'slow', factor: params.faultFactor };
    case 'error':
      return { kind: 'error', rate: params.faultErrorRate };
    default:
      return { kind: params.faultMode };
  }
}

const timeout = (ms: number) => (ms > 0 ? ms : Infinity);

export function graphFromParams(params: ResilienceParams, keep = false): GraphSpec {
  const breaker = breakerOf(params);
  const callPolicy: CallPolicy = {
    timeoutMs: timeout(params.callTimeoutMs),
    retry: retryOf(params, params.maxAttempts),
    ...(breaker ? { breaker } : {}),
    ...(params.bulkhead > 0 ? { bulkhead: params.bulkhead } : {}),
    ...(params.budgetRatio !== undefined
      ? { budget: { ratio: params.budgetRatio, minPerSecond: 5, maxTokens: 20 } }
      : {}),
    ...(params.ejection
      ? { ejection: { consecutiveFailures: 5, ejectMs: 1_000, maxEjectedShare: 0.5 } }
      : {}),
  };
  const clientPolicy: CallPolicy = {
    timeoutMs: timeout(params.clientTimeoutMs),
    retry: retryOf(params, params.clientMaxAttempts),
    ...(params.budgetRatio !== undefined
      ? { budget: { ratio: params.budgetRatio, minPerSecond: 5, maxTokens: 20 } }
      : {}),
  };
  const services: ServiceSpec[] = [];
  const work = {
    workMedianMs: params.backendWorkMs,
    workP99Ms: Math.max(params.backendWorkMs, params.backendP99Ms),
  };
  const queueTimeout = params.queueTimeoutMs > 0 ? { queueTimeoutMs: params.queueTimeoutMs } : {};
  let entry: NodeId[];
  let routes: { route: string; weight: number }[];
  let faultNodes: NodeId[];
  if (params.topology === 'fanout') {
    const a = Array.from({ length: params.instancesA }, (_, i) =>
      params.instancesA === 1 ? 'a' : `a${i + 1}`,
    );
    const b = Array.from({ length: params.instancesB }, (_, i) =>
      params.instancesB === 1 ? 'b' : `b${i + 1}`,
    );
    const frontendLimiter = limiterOf(params, params.frontendWorkers, params.frontendQueue);
    services.push({
      id: 'frontend',
      config: {
        service: 'frontend',
        workers: params.frontendWorkers,
        queue: params.frontendQueue,
        workMedianMs: 1,
        workP99Ms: 3,
        dependencies: [
          { service: 'a', instances: a, policy: callPolicy },
          { service: 'b', instances: b, policy: callPolicy },
        ],
        routes: { a: ['a'], b: ['b'] },
        ...(frontendLimiter ? { limiter: frontendLimiter } : {}),
        ...queueTimeout,
      },
    });
    for (const [name, ids] of [
      ['a', a],
      ['b', b],
    ] as const)
      for (const id of ids)
        services.push({
          id,
          config: {
            service: name,
            workers: params.backendWorkers,
            queue: params.backendQueue,
            ...work,
            dependencies: [],
            routes: {},
            ...queueTimeout,
          },
        });
    entry = ['frontend'];
    routes = [
      { route: 'a', weight: 1 - params.shareB },
      { route: 'b', weight: params.shareB },
    ];
    faultNodes = params.faultTarget === 'a' ? a : params.faultTarget === 'b' ? b : ['frontend'];
  } else {
    for (let layer = 1; layer <= params.depth; layer++) {
      const deeper = layer < params.depth ? `l${layer + 1}` : undefined;
      services.push({
        id: `l${layer}`,
        config: {
          service: `l${layer}`,
          workers: params.backendWorkers,
          queue: params.backendQueue,
          ...work,
          dependencies: deeper ? [{ service: deeper, instances: [deeper], policy: callPolicy }] : [],
          routes: { deep: deeper ? [deeper] : [] },
          ...queueTimeout,
        },
      });
    }
    entry = ['l1'];
    routes = [{ route: 'deep', weight: 1 }];
    faultNodes = [`l${params.depth}`];
  }
  const clients: ClientSpec[] = Array.from({ length: params.clients }, (_, i) => ({
    id: `c${i + 1}`,
    config: {
      frontend: params.topology === 'fanout' ? 'frontend' : 'l1',
      instances: entry,
      policy: clientPolicy,
      rate: [{ fromMs: 0, perSecond: params.ratePerClient }],
      routes,
      badShare: 0,
      stopAtMs: params.durationMs,
    },
  }));
  const faults: FaultSpec[] =
    params.faultMode === 'healthy'
      ? []
      : [
          { atMs: params.faultFromMs, nodes: faultNodes, mode: modeOf(params) },
          {
            atMs: Math.max(params.faultFromMs, params.faultUntilMs),
            nodes: faultNodes,
            mode: { kind: 'healthy' },
          },
        ];
  return {
    services,
    clients,
    faults,
    latencyMs: params.latencyMs,
    jitterMs: params.jitterMs,
    sampleEveryMs: 50,
    keep,
    ...(params.mutant ? { mutant: params.mutant } : {}),
  };
}

type NodeId = string;
