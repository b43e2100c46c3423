/** Rate limiting (catalog H3): the algorithms, limits local, central, synced and hierarchical, and the Redis scripts. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  CONSERVATION_CHECK,
  FAIRNESS_CHECK,
  LIMITER,
  PROMISE_CHECK,
  buildRateWorld,
  clientTotals,
  rateParams,
  type RateCluster,
  type RateParams,
} from './cluster';
import { algorithmKinds } from './algorithms';
import { rateScenarios } from './scenarios';
import { rateDetail } from './view-detail';

export * from './algorithms';
export { LeakyQueue, type Queued } from './leaky-queue';
export {
  HierarchicalLimiter,
  SketchHierarchy,
  type HierarchySpec,
  type HierarchyDecision,
} from './hierarchical';
export { monitorFor, maxInAnyWindow, arrivalCurveExcess, type PromiseMonitor } from './promises';
export { RedisModel, evalScript } from './redis-model';
export * as rateScripts from './redis-scripts';
export { rateParams, buildRateWorld, type RateParams, type RateCluster } from './cluster';
export type { RateLiveDetail } from './view-detail';

/** After the clients stop: long enough for every retry and in-flight request to finish. */
const SETTLE_MS = 1_500;

function nodeCards(cluster: RateCluster): LiveNodeView[] {
  const { world } = cluster;
  const cards: LiveNodeView[] = [];
  const down = (id: string): LiveNodeView => ({ id, up: false, paused: false, facts: {} });
  if (world.isUp(LIMITER)) {
    const s = cluster.limiter().snapshot();
    cards.push({
      id: LIMITER,
      up: true,
      paused: world.isPaused(LIMITER),
      role: cluster.params.mode === 'synced' ? 'coordinator' : 'limiter',
      facts: { admitted: s.admitted, refused: s.refused },
    });
  } else cards.push(down(LIMITER));
  for (const id of cluster.servers) {
    if (!world.isUp(id)) {
      cards.push(down(id));
      continue;
    }
    const s = cluster.server(id).snapshot();
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: 'server',
      facts: { admitted: s.admitted, refused: s.refused, unavailable: s.unavailable },
    });
  }
  for (const id of cluster.clients) {
    if (!world.isUp(id)) {
      cards.push(down(id));
      continue;
    }
    const s = cluster.client(id).snapshot();
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: 'client',
      facts: { requests: s.requests, admitted: s.admitted, refused: s.refused, retries: s.retries },
    });
  }
  return cards;
}

export const rateSimulation: SimulationSpec<RateParams, RateCluster> = {
  systemId: 'ratelimit',
  build: (params, seed, trace) => buildRateWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: (cluster) => ({
    ...clientTotals(cluster),
    'answers admitted': cluster.ledger.admitted,
    'answers refused': cluster.ledger.refused,
    messages: cluster.world.stats.sent,
  }),
  nodes: nodeCards,
  detail: rateDetail,
  fuzz: {
    mutants: [
      {
        name: 'token-bucket-overfill',
        breaks:
          'the token bucket refills past its capacity while idle, so the next burst is larger than promised',
        seed: 0,
        caughtBy: PROMISE_CHECK,
      },
      {
        name: 'fixed-window-no-reset',
        breaks: 'the fixed window forgets to reset its count when a new window starts',
        seed: 0,
        caughtBy: FAIRNESS_CHECK,
      },
      {
        name: 'hierarchy-charges-on-refusal',
        breaks:
          'the hierarchical limiter takes the global and tenant tokens before the endpoint refuses, and keeps them',
        seed: 0,
        caughtBy: CONSERVATION_CHECK,
      },
    ],
    // Seeds vary the algorithm, local or central limiting and the hierarchy; a mutant fixes what it needs.
    params: (seed, mutant) => {
      const algorithm =
        mutant === 'token-bucket-overfill'
          ? 'token-bucket'
          : mutant === 'fixed-window-no-reset'
            ? 'fixed-window'
            : algorithmKinds[seed % algorithmKinds.length];
      return rateParams.parse({
        servers: 3,
        clients: 4,
        tenants: 2,
        endpoints: 2,
        mode: seed % 2 === 0 ? 'central' : 'local',
        algorithm,
        hierarchical: mutant === 'hierarchy-charges-on-refusal' || (mutant === undefined && seed % 3 === 2),
        limit: 50,
        tenantLimit: 30,
        endpointLimit: 12,
        ratePerClient: 20,
        burstSize: 30,
        burstEveryMs: 700,
        jitterMs: 3,
        durationMs: 3_000,
        ...(mutant ? { mutant } : {}),
      });
    },
    nemesis: (cluster, seed, params) =>
      standardNemesis(cluster.world, seed, [LIMITER, ...cluster.servers, ...cluster.clients], {
        startMs: 200,
        endMs: params.durationMs - 300,
        meanIntervalMs: 250,
        maxDurationMs: 500,
      }),
    drive: (cluster, params) => {
      cluster.world.runFor(params.durationMs + SETTLE_MS);
      return undefined;
    },
    finalChecks: [],
  },
};

export const rateLimitSystem: SystemDefinition<RateParams> = {
  id: 'ratelimit',
  title: 'Rate limiting',
  rows: ['H3'],
  summary:
    'Token bucket, leaky bucket (meter and queue), fixed window, sliding log, sliding-window counter and GCRA against a ' +
    'clock passed in, each checked against its promise by an outside monitor; clients bursting at servers that limit ' +
    'locally, through a central atomic limiter, or with counters synced on an interval; a hierarchical limiter ' +
    '(global → tenant → endpoint); the Redis scripts engineers copy, with their flaws measured.',
  params: rateParams,
  scenarios: rateScenarios,
  view: 'ratelimit',
  ...simulatedSystem(rateSimulation),
};
