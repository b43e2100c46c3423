/** Sagas (catalog I1): orchestrated and choreographed sagas for an order and a trip, checked under faults. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { buildSagaWorld, CLIENT, sagaParams, type SagaCluster, type SagaParams } from './cluster';
import { serviceIds, type ServiceId } from './definitions';
import { FINAL_CHECK, finalCheck } from './invariants';
import type { SagaMutant } from './mutants';
import type { Orchestrator } from './orchestrator';
import { INVARIANTS } from './recorder';
import { sagaScenarios } from './scenarios';
import { settled } from './settle';
import type { SagaClient } from './client';
import { liveDetail } from './view-detail';

export { sagaMutants, type SagaMutant } from './mutants';
export { buildSagaWorld, sagaParams, type SagaCluster, type SagaParams } from './cluster';
export type {
  SagaLiveDetail,
  SagaDetail,
  SagaStepDetail,
  SagaServiceDetail,
  SagaStepState,
} from './view-detail';

/** After the nemesis heals: at most this long for every accepted saga to end. */
const SETTLE_LIMIT_MS = 30_000;

function nodeCards(cluster: SagaCluster): LiveNodeView[] {
  const { world, recorder } = cluster;
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    const base = { id, up, paused: up && world.isPaused(id) };
    if ((serviceIds as readonly string[]).includes(id)) {
      const ledger = recorder.ledger(id as ServiceId);
      return {
        ...base,
        role: 'service',
        facts: {
          held: ledger.held,
          applied: ledger.applied,
          tombstones: ledger.tombstones.size,
          'nothing to undo': ledger.compensationsWithNothingToUndo,
        },
      };
    }
    if (id === CLIENT) return { ...base, role: 'customers', facts: { accepted: recorder.acceptedAt.size } };
    return {
      ...base,
      role: 'orchestrator',
      facts:
        up && cluster.params.mode === 'orchestrated'
          ? { sagas: world.node<Orchestrator>(id).sagas.size }
          : {},
    };
  });
}

function metrics({ world, recorder }: SagaCluster): Record<string, number> {
  let committed = 0;
  let compensated = 0;
  let latency = 0;
  for (const [saga, end] of recorder.endedAt) {
    if (end.outcome === 'committed') committed++;
    else compensated++;
    latency += end.t - (recorder.acceptedAt.get(saga) ?? end.t);
  }
  return {
    accepted: recorder.acceptedAt.size,
    committed,
    compensated,
    'mean saga ms': recorder.endedAt.size > 0 ? latency / recorder.endedAt.size : 0,
    'messages duplicated by the network': world.stats.duplicated,
    'compensations with nothing to undo': [...recorder.ledgers.values()].reduce(
      (n, l) => n + l.compensationsWithNothingToUndo,
      0,
    ),
    'late requests refused by a tombstone': [...recorder.ledgers.values()].reduce(
      (n, l) => n + l.refusedByTombstone,
      0,
    ),
  };
}

const orchestratedOnly: readonly SagaMutant[] = [
  'cancel-no-tombstone',
  'persist-after-send',
  'charge-without-key',
  'compensate-after-pivot',
];

export const sagaSimulation: SimulationSpec<SagaParams, SagaCluster> = {
  systemId: 'sagas',
  build: (params, seed, trace) => buildSagaWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  detail: liveDetail,
  liveChecks: ({ recorder }) => {
    const checks: Record<string, string | undefined> = {};
    for (const [key, name] of Object.entries(INVARIANTS))
      checks[name] = recorder.problems[key as keyof typeof INVARIANTS];
    return checks;
  },
  fuzz: {
    mutants: [
      {
        name: 'refund-not-idempotent',
        breaks: 'a refund ignores its idempotency key: a redelivered refund pays out again',
        seed: 0,
        caughtBy: INVARIANTS.noDoubleRefund,
      },
      {
        name: 'cancel-no-tombstone',
        breaks: 'a cancel with nothing to undo leaves no tombstone, so a late reserve holds stock forever',
        seed: 28,
        caughtBy: FINAL_CHECK,
      },
      {
        name: 'persist-after-send',
        breaks: 'the orchestrator syncs its saga log every 100 ms instead of before it sends',
        seed: 1,
        caughtBy: FINAL_CHECK,
      },
      {
        name: 'charge-without-key',
        breaks: 'the orchestrator sends the charge without an idempotency key, so a retry charges again',
        seed: 0,
        caughtBy: INVARIANTS.noDoubleCharge,
      },
      {
        name: 'compensate-after-pivot',
        breaks: 'the orchestrator compensates when any step times out, even after the pivot succeeded',
        seed: 1,
        caughtBy: INVARIANTS.nothingUndoneAfterPivot,
      },
      {
        name: 'payment-on-order-created',
        breaks: 'in the choreography payment reacts to OrderCreated beside inventory, not to StockReserved',
        seed: 0,
        caughtBy: INVARIANTS.noChargeWithoutReservation,
      },
      {
        name: 'reservation-expires',
        breaks: 'inventory lets a reservation lapse after 40 ms whether or not the saga charged against it',
        seed: 0,
        caughtBy: INVARIANTS.noChargeWithoutReservation,
      },
    ],
    params: (seed, mutant) => {
      const choreographed =
        mutant === 'payment-on-order-created' ||
        (mutant === undefined && seed % 3 === 2) ||
        (mutant !== undefined && !orchestratedOnly.includes(mutant as SagaMutant) && seed % 2 === 1);
      return sagaParams.parse({
        mode: choreographed ? 'choreographed' : 'orchestrated',
        sagas: 30,
        intervalMs: 30,
        stepTimeoutMs: 60,
        retryMs: 20,
        duplicate: 0.02,
        durationMs: 1_500,
        ...(mutant ? { mutant } : {}),
      });
    },
    nemesis: ({ world, targets }, seed, params) =>
      standardNemesis(world, seed, targets, {
        startMs: 50,
        endMs: params.durationMs,
        meanIntervalMs: 120,
        maxDurationMs: 400,
      }),
    drive: (cluster, params) => {
      const { world } = cluster;
      world.runFor(params.durationMs);
      world.runUntilCondition(() => settled(cluster), SETTLE_LIMIT_MS);
      // A last round for late duplicates and redeliveries to land.
      world.runFor(500);
      const pending = world.node<SagaClient>(CLIENT).pendingStarts;
      return pending > 0 ? `${pending} sagas still not accepted after the heal` : undefined;
    },
    finalChecks: [{ name: FINAL_CHECK, check: finalCheck }],
  },
};

export const sagaSystem: SystemDefinition<SagaParams> = {
  id: 'sagas',
  title: 'Sagas',
  rows: ['I1'],
  view: 'sagas',
  summary:
    'Orders (create → reserve stock → charge → ship → commit → confirm) and trips (flight → hotel → payment → ticket) ' +
    'run as sagas across six services, orchestrated from a write-ahead log or choreographed through durable outboxes; ' +
    'every request carries an idempotency key, compensations are no-ops with a tombstone when there is nothing to undo, ' +
    'and after the pivot a saga only moves forward. Checked under crashes, partitions, duplication and reordering.',
  params: sagaParams,
  scenarios: sagaScenarios,
  ...simulatedSystem(sagaSimulation),
};
