/** Resilience patterns (catalog H2): timeouts, retries with backoff and budgets, breakers, bulkheads, adaptive limits, φ accrual. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type FinalCheck, type SimulationSpec } from '../kit';
import {
  BREAKER_CHECK,
  BUDGET_CHECK,
  BULKHEAD_CHECK,
  PROBE_CHECK,
  buildGraph,
  type GraphCluster,
} from './cluster';
import { breakerKinds, graphFromParams, resilienceParams, type ResilienceParams } from './params';
import { resilienceScenarios } from './scenarios';
import { resilienceDetail } from './view-detail';

export {
  CircuitBreaker,
  breakerMutants,
  type BreakerConfig,
  type BreakerState,
  type Permit,
  type Transition,
} from './breaker';
export {
  RetryBudget,
  backoffMs,
  backoffKinds,
  type RetryPolicy,
  type BudgetConfig,
  type BackoffKind,
} from './retry';
export { Bulkhead } from './bulkhead';
export { ConcurrencyLimiter, limiterKinds, type LimiterConfig } from './adaptive';
export { PhiAccrualDetector, evaluateDetector, type PhiConfig, type DetectorSpec } from './phi';
export { heartbeatTrace } from './heartbeats';
export { buildGraph, resilienceMutants, type GraphSpec, type GraphCluster } from './cluster';
export { resilienceParams, graphFromParams, type ResilienceParams } from './params';
export type { ResilienceLiveDetail, ResilienceNodeDetail, ResilienceEdgeDetail } from './view-detail';

export const RECOVERY_CHECK = 'breakers close after recovery';
export const SERVED_CHECK = 'requests succeed after recovery';

/** Healthy traffic after the faults, long enough for every breaker to half-open and close. */
const FINAL_MS = 2_000;
/** The share of the final second's requests that must succeed once everything healed. */
const FINAL_OK_SHARE = 0.9;

function nodeCards(cluster: GraphCluster): LiveNodeView[] {
  const { world } = cluster;
  const cards: LiveNodeView[] = [];
  for (const id of cluster.services) {
    if (!world.isUp(id)) {
      cards.push({ id, up: false, paused: false, facts: {} });
      continue;
    }
    const s = cluster.service(id).snapshot();
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: s.mode,
      facts: {
        busy: s.busy,
        queued: s.queued,
        served: s.served,
        failed: s.failed,
        shed: s.shed,
        ...(s.limit !== undefined ? { limit: s.limit } : {}),
      },
    });
  }
  for (const id of cluster.clients) {
    if (!world.isUp(id)) {
      cards.push({ id, up: false, paused: false, facts: {} });
      continue;
    }
    const s = cluster.client(id).snapshot();
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: 'client',
      facts: { requests: s.requests, ok: s.ok, failed: s.failed },
    });
  }
  return cards;
}

function metrics(cluster: GraphCluster): Record<string, number> {
  const detail = resilienceDetail(cluster);
  let opens = 0;
  let retries = 0;
  let timeouts = 0;
  for (const { caller } of cluster.callers()) {
    opens += caller.breaker?.transitions.filter((t) => t.to === 'open').length ?? 0;
    retries += caller.retries;
  }
  for (const counts of cluster.ledger.edges.values()) timeouts += counts.timeout;
  return {
    'client requests': detail.clientRequests,
    'client ok': detail.clientOk,
    'deepest calls per request': detail.amplification,
    'breaker opens': opens,
    retries,
    timeouts,
    messages: cluster.world.stats.sent,
  };
}

/** Client totals at the start of the final second of a fuzz run (see `drive`). */
const finalMark = new WeakMap<GraphCluster, { requests: number; ok: number }>();

function clientTotals(cluster: GraphCluster) {
  let requests = 0;
  let ok = 0;
  for (const id of cluster.clients)
    if (cluster.world.isUp(id)) {
      const s = cluster.client(id).snapshot();
      requests += s.requests - s.pending;
      ok += s.ok;
    }
  return { requests, ok };
}

const recoveryChecks: FinalCheck<GraphCluster>[] = [
  {
    name: RECOVERY_CHECK,
    check: (cluster) => {
      const now = cluster.world.now();
      for (const { node, caller } of cluster.callers()) {
        const state = caller.breaker?.state(now);
        if (state !== undefined && state !== 'closed')
          return `${node}'s breaker on ${caller.dependency} is ${state} ${FINAL_MS} ms after every fault healed`;
      }
      return undefined;
    },
  },
  {
    name: SERVED_CHECK,
    check: (cluster) => {
      const before = finalMark.get(cluster);
      if (!before) return 'the run did not reach its final phase';
      const after = clientTotals(cluster);
      const requests = after.requests - before.requests;
      const ok = after.ok - before.ok;
      if (requests === 0) return 'no request completed in the final second';
      return ok / requests >= FINAL_OK_SHARE
        ? undefined
        : `only ${ok} of ${requests} requests succeeded in the final second, all healed`;
    },
  },
];

export const resilienceSimulation: SimulationSpec<ResilienceParams, GraphCluster> = {
  systemId: 'resilience',
  build: (params, seed, trace) => buildGraph(graphFromParams(params), seed, trace),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  detail: resilienceDetail,
  fuzz: {
    mutants: [
      {
        name: 'breaker-ignores-open',
        breaks: 'the caller sends its call even when the breaker refuses it',
        seed: 0,
        caughtBy: BREAKER_CHECK,
      },
      {
        name: 'half-open-floods',
        breaks: 'a half-open breaker lets every call through instead of its probes',
        seed: 0,
        caughtBy: PROBE_CHECK,
      },
      {
        name: 'bulkhead-unbounded',
        breaks: 'the bulkhead counts calls but never refuses one',
        seed: 0,
        caughtBy: BULKHEAD_CHECK,
      },
      {
        name: 'retries-without-budget',
        breaks: 'retries ignore the retry budget',
        seed: 2,
        caughtBy: BUDGET_CHECK,
      },
      {
        name: 'timeouts-never-fire',
        breaks:
          'a call waits for ever when no answer comes: lost calls hold their bulkhead slots after the fault heals',
        seed: 0,
        caughtBy: SERVED_CHECK,
      },
      {
        name: 'breaker-never-half-opens',
        breaks: 'an open breaker stays open for ever',
        seed: 0,
        caughtBy: RECOVERY_CHECK,
      },
    ],
    // Seeds vary the breaker's window, which backend fails and how; a mutant picks the fault that exercises it.
    params: (seed, mutant) => {
      const modes = ['slow', 'error', 'down', 'refuse'] as const;
      const faultMode =
        mutant === 'bulkhead-unbounded'
          ? 'slow'
          : mutant === 'half-open-floods' || mutant === 'timeouts-never-fire'
            ? 'down'
            : mutant === 'retries-without-budget' ||
                mutant === 'breaker-ignores-open' ||
                mutant === 'breaker-never-half-opens'
              ? 'refuse'
              : modes[seed % modes.length];
      const kinds = breakerKinds.filter((k) => k !== 'none');
      return resilienceParams.parse({
        clients: 3,
        ratePerClient: 60,
        breaker: mutant === undefined ? kinds[Math.floor(seed / modes.length) % kinds.length] : 'count',
        breakerThreshold: 50,
        breakerWindow: 20,
        openMs: 300,
        probes: 2,
        bulkhead: 6,
        budgetRatio: 0.2,
        maxAttempts: 3,
        callTimeoutMs: 150,
        clientTimeoutMs: 1_000,
        faultTarget: seed % 2 === 0 ? 'b' : 'a',
        faultMode,
        faultFactor: 20,
        faultErrorRate: 0.6,
        faultFromMs: 800,
        faultUntilMs: 2_500,
        durationMs: 3_000 + FINAL_MS,
        ...(mutant ? { mutant } : {}),
      });
    },
    nemesis: (cluster, seed) =>
      standardNemesis(cluster.world, seed, cluster.services, {
        startMs: 200,
        endMs: 2_800,
        meanIntervalMs: 400,
        maxDurationMs: 500,
      }),
    drive: (cluster, params) => {
      cluster.world.runUntil(params.durationMs - 1_000);
      finalMark.set(cluster, clientTotals(cluster));
      cluster.world.runUntil(params.durationMs);
      return undefined;
    },
    finalChecks: recoveryChecks,
  },
};

export const resilienceSystem: SystemDefinition<ResilienceParams> = {
  id: 'resilience',
  title: 'Resilience patterns',
  rows: ['H2'],
  summary:
    'A service graph in the simulator — clients, a frontend with a worker pool, backends that turn slow, erroring or dead — ' +
    'where every call goes through a timeout, retries with backoff and jitter under a retry budget, a circuit breaker ' +
    '(consecutive, count or time window, half-open probes), a bulkhead and outlier ejection; adaptive concurrency limits ' +
    '(AIMD, gradient) with load shedding; φ accrual failure detection against a fixed timeout on the same heartbeats.',
  params: resilienceParams,
  scenarios: resilienceScenarios,
  view: 'resilience',
  ...simulatedSystem(resilienceSimulation),
};
