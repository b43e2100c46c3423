/**
 * The picture the lab draws of a saga run: the latest sagas with each step's state as the services
 * applied it (done, refused, undone, a compensation with nothing to undo…), and each service's state.
 */
import type { World } from '@dslab/sim';
import type { LiveDetail } from '../contract';
import type { SagaCluster } from './cluster';
import { sagaKindOf, sagaSteps, serviceIds, type StepKind } from './definitions';
import { servicesVerdict } from './invariants';
import type { Orchestrator } from './orchestrator';
import type { AppliedStep } from './recorder';

export type SagaStepState = 'waiting' | 'done' | 'refused' | 'undone' | 'nothing to undo' | 'expired';

export interface SagaStepDetail {
  readonly name: string;
  readonly service: string;
  readonly kind: StepKind;
  readonly state: SagaStepState;
  /** Why it was refused, or what undid it. */
  readonly note?: string;
}

export interface SagaDetail {
  readonly saga: string;
  readonly kind: 'order' | 'trip';
  /** What the coordinator says (or, in a choreography, what the services add up to). */
  readonly phase: string;
  readonly why?: string;
  readonly acceptedAt?: number;
  readonly endedAt?: number;
  readonly steps: readonly SagaStepDetail[];
  /** Every request the services applied for it, in order. */
  readonly applied: readonly AppliedStep[];
}

export interface SagaServiceDetail {
  readonly id: string;
  readonly up: boolean;
  readonly held: number;
  readonly capacity?: number;
  readonly charges: number;
  readonly refunds: number;
  readonly tombstones: number;
  readonly refusedByTombstone: number;
  readonly noops: number;
  readonly outbox: number;
}

export interface SagaLiveDetail extends LiveDetail {
  readonly kind: 'sagas';
  readonly now: number;
  readonly mode: string;
  readonly coordinator?: { readonly id: string; readonly up: boolean; readonly active: number };
  readonly sagas: readonly SagaDetail[];
  readonly services: readonly SagaServiceDetail[];
  readonly problems: Readonly<Record<string, string>>;
}

/** Sagas drawn, at most: the latest ones. */
export const SAGAS_SHOWN = 12;

function stepState(
  applied: readonly AppliedStep[],
  service: string,
  op: string,
  undo: string | undefined,
): {
  state: SagaStepState;
  note?: string;
} {
  let state: SagaStepState = 'waiting';
  let note: string | undefined;
  for (const a of applied) {
    if (a.service !== service) continue;
    if (a.op === op) {
      if (a.change === 'refused') {
        state = 'refused';
        note = a.reason;
      } else state = 'done';
    } else if (a.op === 'expire' && op !== 'commit') {
      state = 'expired';
      note = 'time to live';
    } else if (undo !== undefined && a.op === undo) {
      if (a.change === 'noop') {
        if (state === 'waiting') state = 'nothing to undo';
      } else state = 'undone';
    }
  }
  return note !== undefined ? { state, note } : { state };
}

function coordinatorPhase(
  world: World,
  cluster: SagaCluster,
  saga: string,
): { phase?: string; why?: string } {
  const id = cluster.coordinator;
  if (id === undefined || !world.isUp(id) || cluster.params.mode !== 'orchestrated') return {};
  const state = world.node<Orchestrator>(id).sagas.get(saga);
  if (!state) return {};
  const steps = sagaSteps[state.kind];
  const phase =
    state.phase === 'forward'
      ? `running ${steps[state.step]?.name ?? ''}`
      : state.phase === 'backward'
        ? `compensating ${steps[state.step]?.name ?? ''}`
        : state.phase;
  return state.why !== undefined ? { phase, why: state.why } : { phase };
}

export function liveDetail(cluster: SagaCluster): SagaLiveDetail {
  const { world, recorder, params } = cluster;
  const ids = [...recorder.acceptedAt.keys()].slice(-SAGAS_SHOWN);
  const sagas = ids.map((saga): SagaDetail => {
    const kind = sagaKindOf(saga);
    const applied = recorder.timelines.get(saga) ?? [];
    const fromCoordinator = coordinatorPhase(world, cluster, saga);
    const verdict = servicesVerdict(recorder, saga).verdict;
    const ended = recorder.endedAt.get(saga);
    return {
      saga,
      kind,
      phase: fromCoordinator.phase ?? (verdict === 'partial' ? 'in progress' : verdict),
      ...(fromCoordinator.why !== undefined ? { why: fromCoordinator.why } : {}),
      acceptedAt: recorder.acceptedAt.get(saga) as number,
      ...(ended ? { endedAt: ended.t } : {}),
      steps: sagaSteps[kind].map((s) => ({
        name: s.name,
        service: s.service,
        kind: s.kind,
        ...stepState(applied, s.service, s.op, s.undo),
      })),
      applied,
    };
  });
  const capacities: Record<string, number> = {
    inventory: params.stock,
    flights: params.seats,
    hotels: params.rooms,
  };
  const services = serviceIds.map((id): SagaServiceDetail => {
    const ledger = recorder.ledger(id);
    let charges = 0;
    let refunds = 0;
    for (const record of ledger.records.values()) {
      charges += record.charges;
      refunds += record.refunds;
    }
    return {
      id,
      up: world.isUp(id),
      held: ledger.held,
      ...(capacities[id] !== undefined ? { capacity: capacities[id] } : {}),
      charges,
      refunds,
      tombstones: ledger.tombstones.size,
      refusedByTombstone: ledger.refusedByTombstone,
      noops: ledger.compensationsWithNothingToUndo,
      outbox: ledger.outbox.size,
    };
  });
  const coordinator = cluster.coordinator;
  const problems: Record<string, string> = {};
  for (const [key, problem] of Object.entries(recorder.problems)) if (problem) problems[key] = problem;
  return {
    kind: 'sagas',
    now: world.now(),
    mode: params.mode,
    ...(coordinator !== undefined
      ? {
          coordinator: {
            id: coordinator,
            up: world.isUp(coordinator),
            active:
              world.isUp(coordinator) && params.mode === 'orchestrated'
                ? [...world.node<Orchestrator>(coordinator).sagas.values()].filter(
                    (s) => s.phase === 'forward' || s.phase === 'backward',
                  ).length
                : 0,
          },
        }
      : {}),
    sagas,
    services,
    problems,
  };
}
