/** Builds a saga world from params: what the free run, the scenarios, the fuzzer and the lab share. */
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { reactions } from './choreography';
import { SagaClient } from './client';
import { serviceIds, type ServiceId } from './definitions';
import { installInvariants } from './invariants';
import type { SagaMessage } from './messages';
import { sagaMutants } from './mutants';
import { Orchestrator } from './orchestrator';
import { SagaRecorder } from './recorder';
import { ServiceNode } from './service';
import { TryExceptOrchestrator } from './try-except';

export const CLIENT = 'client';
export const ORCHESTRATOR = 'orchestrator';
export const TRY_EXCEPT = 'try-except';

export const sagaModes = ['orchestrated', 'choreographed', 'try-except'] as const;
export type SagaMode = (typeof sagaModes)[number];

export const sagaParams = z
  .object({
    mode: z.enum(sagaModes).default('orchestrated'),
    /** Choreography only: `parallel` has payment react to OrderCreated beside inventory. */
    choreography: z.enum(['chained', 'parallel']).default('chained'),
    sagas: z.number().int().min(1).max(10_000).default(40),
    intervalMs: z.number().positive().max(60_000).default(25),
    tripShare: z.number().min(0).max(1).default(0.4),
    /** Units in stock, flight seats and hotel rooms. */
    stock: z.number().int().min(0).max(1_000_000).default(30),
    seats: z.number().int().min(0).max(1_000_000).default(20),
    rooms: z.number().int().min(0).max(1_000_000).default(20),
    declineRate: z.number().min(0).max(1).default(0.15),
    undeliverableRate: z.number().min(0).max(1).default(0.1),
    /** Inventory reservations lapse after this long unless committed (0: never). */
    reservationTtlMs: z.number().min(0).max(3_600_000).default(0),
    blindCompensations: z.boolean().default(false),
    /** On a refusal undo every compensatable step, including those that never ran. */
    compensateEverything: z.boolean().default(false),
    semanticLock: z.boolean().default(true),
    cancelShare: z.number().min(0).max(1).default(0),
    cancelAfterMs: z.number().min(0).max(60_000).default(20),
    stepTimeoutMs: z.number().positive().max(600_000).default(300),
    retryMs: z.number().positive().max(60_000).default(40),
    /** try/except only: each call's reply timeout. */
    callTimeoutMs: z.number().positive().max(600_000).default(100),
    latencyMs: z.number().min(0).max(10_000).default(2),
    jitterMs: z.number().min(0).max(10_000).default(6),
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    durationMs: z.number().positive().max(3_600_000).default(3_000),
    mutant: z.enum(sagaMutants).optional(),
  })
  .strict();

export type SagaParams = z.infer<typeof sagaParams>;

export interface SagaCluster {
  readonly world: World;
  readonly recorder: SagaRecorder;
  readonly params: SagaParams;
  /** The orchestrator's id, or undefined for a choreography. */
  readonly coordinator: NodeId | undefined;
  /** The nodes faults may hit: the services and the coordinator, never the client. */
  readonly targets: readonly NodeId[];
}

export interface BuildOptions {
  /** Install the invariants (default); scenarios that run a broken variant count instead. */
  readonly invariants?: boolean;
}

function capacity(params: SagaParams, service: ServiceId): number {
  if (service === 'inventory') return params.stock;
  if (service === 'flights') return params.seats;
  if (service === 'hotels') return params.rooms;
  return 0;
}

export function buildSagaWorld(
  params: SagaParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): SagaCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const recorder = new SagaRecorder(() => world.now());
  const variant = params.mutant === 'payment-on-order-created' ? 'parallel' : params.choreography;
  const choreographed = params.mode === 'choreographed';
  const table = choreographed ? reactions(variant) : undefined;
  const coordinator =
    params.mode === 'orchestrated' ? ORCHESTRATOR : params.mode === 'try-except' ? TRY_EXCEPT : undefined;
  for (const service of serviceIds)
    world.addNode(
      service,
      (env: Env<SagaMessage>) =>
        new ServiceNode(env, {
          service,
          capacity: capacity(params, service),
          declineRate: params.declineRate,
          undeliverableRate: params.undeliverableRate,
          salt: seed,
          reservationTtlMs: params.reservationTtlMs,
          blindCompensations: params.blindCompensations,
          semanticLock: params.semanticLock,
          ...(table ? { reactions: table } : {}),
          retryMs: params.retryMs,
          ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
          observe: (id, entry) => recorder.observe(id, entry),
        }),
    );
  if (params.mode === 'orchestrated')
    world.addNode(
      ORCHESTRATOR,
      (env: Env<SagaMessage>) =>
        new Orchestrator(env, {
          stepTimeoutMs: params.stepTimeoutMs,
          retryMs: params.retryMs,
          compensateEverything: params.compensateEverything,
          ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
          onEnd: (saga, outcome) => recorder.ended(saga, outcome),
        }),
    );
  if (params.mode === 'try-except')
    world.addNode(
      TRY_EXCEPT,
      (env: Env<SagaMessage>) => new TryExceptOrchestrator(env, { callTimeoutMs: params.callTimeoutMs }),
    );
  world.addNode(
    CLIENT,
    (env: Env<SagaMessage>) =>
      new SagaClient(env, {
        coordinator,
        sagas: params.sagas,
        intervalMs: params.intervalMs,
        tripShare: params.tripShare,
        retryMs: params.retryMs,
        cancelShare: params.cancelShare,
        cancelAfterMs: params.cancelAfterMs,
        onAccepted: (saga) => recorder.accepted(saga),
        onCancel: (saga, acknowledged) => recorder.cancels.set(saga, acknowledged),
      }),
  );
  const cluster: SagaCluster = {
    world,
    recorder,
    params,
    coordinator,
    targets: [...serviceIds, ...(coordinator !== undefined ? [coordinator] : [])],
  };
  if (options.invariants ?? true) installInvariants(cluster);
  return cluster;
}
