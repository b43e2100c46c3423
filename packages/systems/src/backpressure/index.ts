/** Backpressure and load shedding (catalog G3). */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  backpressureParams,
  buildBackpressureWorld,
  stopProducingAt,
  type BackpressureCluster,
  type BackpressureParams,
} from './cluster';
import { CONSERVATION, PRIORITY_ORDER, QUEUE_BOUNDED } from './invariants';
import { PRODUCER, SERVER } from './names';
import { backpressureScenarios } from './scenarios';
import { backpressureDetail } from './view-detail';

export { backpressureParams, buildBackpressureWorld, capacityOf } from './cluster';
export type { BackpressureParams, BackpressureCluster } from './cluster';
export { WorkQueue, UNBOUNDED_SAFETY_CAP } from './queue';
export type { BackpressureLiveDetail, BackpressureBinDetail } from './view-detail';

export const ACCOUNTED = 'every request answered or given up';

function nodeCards(cluster: BackpressureCluster): LiveNodeView[] {
  const { world } = cluster;
  const cards: LiveNodeView[] = [];
  if (world.isUp(PRODUCER)) {
    const s = cluster.producer().snapshot();
    cards.push({
      id: PRODUCER,
      up: true,
      paused: world.isPaused(PRODUCER),
      role: s.blocked ? 'blocked' : 'producer',
      facts: { outstanding: s.outstanding, 'rate ×': Math.round(s.rateFactor * 100) / 100 },
    });
  } else cards.push({ id: PRODUCER, up: false, paused: false, facts: {} });
  if (world.isUp(SERVER)) {
    const s = cluster.server().snapshot();
    cards.push({
      id: SERVER,
      up: true,
      paused: world.isPaused(SERVER),
      role: 'consumer',
      facts: { queued: s.depth, busy: s.busy, completed: s.completed, refused: s.refused },
    });
  } else cards.push({ id: SERVER, up: false, paused: false, facts: {} });
  return cards;
}

/** Time after the producer stops for every request to be answered or to time out on every attempt. */
function settleMs(params: BackpressureParams): number {
  return params.timeoutMs * params.maxAttempts + 1_000;
}

export const backpressureSimulation: SimulationSpec<BackpressureParams, BackpressureCluster> = {
  systemId: 'backpressure',
  build: (params, seed, trace) => buildBackpressureWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: (cluster) => {
    const t = cluster.ledger.totals;
    return {
      offered: t.offered,
      served: t.served,
      failed: t.failed,
      retries: t.retries,
      'answers too late': t.late,
      'queue depth': cluster.world.isUp(SERVER) ? cluster.server().queue.length : 0,
    };
  },
  nodes: nodeCards,
  detail: backpressureDetail,
  fuzz: {
    mutants: [
      {
        name: 'bound-off-by-one',
        breaks:
          'the bounded queue compares its length with > instead of >=, so it holds one request past its bound',
        seed: 0,
        caughtBy: QUEUE_BOUNDED,
      },
      {
        name: 'evict-uncounted',
        breaks:
          'a low-priority request pushed out of a full queue is neither answered nor counted: it vanishes',
        seed: 0,
        caughtBy: CONSERVATION,
      },
      {
        name: 'shed-high-first',
        breaks: 'at the bound the queue pushes out its oldest request, whatever its priority',
        seed: 0,
        caughtBy: PRIORITY_ORDER,
      },
      {
        name: 'retry-timeout-unarmed',
        breaks:
          'the producer arms no timeout for a retry, so a retry whose message is lost is waited for forever',
        seed: 0,
        caughtBy: ACCOUNTED,
      },
    ],
    // Every seed overloads the server (so bounds and shedding are exercised); seeds vary the queue and
    // the producer. A mutant fixes what it needs to be reachable.
    params: (seed, mutant) => {
      const overflow =
        mutant === 'bound-off-by-one'
          ? 'refuse'
          : mutant === 'evict-uncounted' || mutant === 'shed-high-first'
            ? 'shed-low'
            : (['refuse', 'shed-low', 'unbounded'] as const)[seed % 3];
      return backpressureParams.parse({
        rate: 120 + (seed % 4) * 20,
        highShare: 0.3,
        serviceMs: 10,
        workers: 1 + (seed % 2),
        overflow,
        queueBound: 10 + (seed % 5) * 5,
        order: seed % 4 === 3 ? 'adaptive-lifo' : 'fifo',
        dropExpired: seed % 3 === 1,
        flow: mutant ? 'none' : (['none', 'credits', 'depth-signal'] as const)[seed % 3],
        timeoutMs: 200,
        maxAttempts: mutant === 'retry-timeout-unarmed' ? 3 : 1 + (seed % 3),
        triggerAtMs: 1_000,
        triggerForMs: 1_000,
        triggerSlowdown: 2,
        durationMs: 4_000,
        ...(mutant ? { mutant } : {}),
      });
    },
    nemesis: (cluster, seed, params) =>
      standardNemesis(cluster.world, seed, [SERVER, PRODUCER], {
        startMs: 200,
        endMs: params.durationMs - 500,
        meanIntervalMs: 400,
        maxDurationMs: 600,
      }),
    drive: (cluster, params) => {
      stopProducingAt(cluster, params.durationMs);
      cluster.world.runFor(params.durationMs + settleMs(params));
      return undefined;
    },
    finalChecks: [
      {
        name: ACCOUNTED,
        check: (cluster) => {
          if (!cluster.world.isUp(PRODUCER)) return undefined;
          const pending = cluster.producer().pending;
          return pending === 0
            ? undefined
            : `${pending} requests neither answered nor given up ${settleMs(cluster.params)} ms after the producer stopped`;
        },
      },
    ],
  },
};

export const backpressureSystem: SystemDefinition<BackpressureParams> = {
  id: 'backpressure',
  title: 'Backpressure and load shedding',
  rows: ['G3'],
  summary:
    'A producer and a slower consumer: unbounded and bounded queues, refusing or blocking the producer at the ' +
    'bound, shedding low priority first, a queue-depth signal the producer slows on; latency against utilisation ' +
    "with Little's law checked on the run; metastable overload kept alive by retries and timed-out work, and the " +
    'retry budget, expired-work dropping and adaptive LIFO that end it.',
  params: backpressureParams,
  scenarios: backpressureScenarios,
  view: 'backpressure',
  ...simulatedSystem(backpressureSimulation),
};
