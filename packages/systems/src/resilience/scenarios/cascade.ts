/**
 * Claim: without timeouts a slow dependency exhausts the caller's workers (Little's law), and a slow
 * dependency is worse than a dead one for breakers that count only errors.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { BreakerConfig } from '../breaker';
import type { GraphCluster } from '../cluster';
import type { ServiceMode } from '../service';
import {
  frontend,
  hashes,
  leaf,
  meanBusy,
  mean,
  okShare,
  pct,
  poissonClients,
  policy,
  round,
  runGraph,
  startedIn,
} from './common';

const WORKERS = 20;
const FAULT_AT = 1_000;
/** Counts errors only: a slow call that succeeds is a success to it. */
const errorBreaker: BreakerConfig = {
  window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.5 },
  openMs: 500,
  probes: 2,
};

/** The same window, also tripped by a slow-call rate: a success slower than 100 ms counts against b. */
const slowCallBreaker: BreakerConfig = {
  window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.5, slowCallRate: 0.5 },
  slowCallMs: 100,
  openMs: 500,
  probes: 2,
};

function run(
  mode: ServiceMode,
  timeoutMs: number,
  seed: number,
  untilMs: number,
  breaker: BreakerConfig = errorBreaker,
): GraphCluster {
  const call = policy({ timeoutMs, breaker });
  const services = [
    frontend(
      WORKERS,
      WORKERS,
      [
        { service: 'a', instances: ['a'], policy: call },
        { service: 'b', instances: ['b'], policy: call },
      ],
      { a: ['a'], b: ['b'] },
    ),
    leaf('a', 'a', 50, 50, 10, 30),
    leaf('b', 'b', 50, 50, 10, 30),
  ];
  const clients = poissonClients(
    4,
    50,
    'frontend',
    policy({ timeoutMs: 2_000 }),
    [
      { route: 'a', weight: 1 },
      { route: 'b', weight: 1 },
    ],
    untilMs - 500,
  );
  return runGraph(services, clients, [{ atMs: FAULT_AT, nodes: ['b'], mode }], seed, untilMs);
}

function opens(cluster: GraphCluster): number {
  const breaker = cluster.service('frontend').callers.get('b')?.breaker;
  return breaker ? breaker.transitions.filter((t) => t.to === 'open').length : 0;
}

/** Little's law on the frontend's pool over [from, to): L measured against λ·W measured. */
function little(cluster: GraphCluster, from: number, to: number) {
  const holds = (cluster.ledger.holds.get('frontend') ?? []).filter((h) => h.t >= from && h.t < to);
  const lambda = holds.length / ((to - from) / 1_000);
  const w = mean(holds.map((h) => h.ms)) / 1_000;
  return { l: meanBusy(cluster, 'frontend', from, to), lambda, w, predicted: lambda * w };
}

export const slowWorseThanDead: Scenario = {
  id: 'slow-worse-than-dead',
  title: 'A slow dependency exhausts the workers; a dead one trips the breaker',
  claim:
    "Without timeouts, a slow dependency exhausts the caller's workers (Little's law); a slow dependency is worse than a dead one for breakers that count only errors.",
  expected: 'holds',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const until = quick ? 3_500 : 6_000;
    const from = FAULT_AT + 500;
    const to = until - 700;
    const slow = run({ kind: 'slow', factor: 50 }, Infinity, seed, until);
    const dead = run({ kind: 'refuse' }, Infinity, seed, until);
    const timed = run({ kind: 'slow', factor: 50 }, 100, seed, until);
    const slowCounted = run({ kind: 'slow', factor: 50 }, Infinity, seed, until, slowCallBreaker);
    const healthy = little(slow, 200, FAULT_AT);
    const littleError = Math.abs(healthy.l - healthy.predicted) / healthy.predicted;
    // What b's requests alone ask of the pool while b is slow: the rate clients offer them times how long
    // b takes to answer one (Little's law), whatever the pool could actually hold.
    const bHolds = (slow.ledger.holds.get('b') ?? []).filter((h) => h.t >= from && h.t < to);
    const bOffered = startedIn(slow.ledger.completions, from, to, 'b').length / ((to - from) / 1_000);
    const bLatency = mean(bHolds.map((h) => h.ms));
    const bDemand = bOffered * (bLatency / 1_000);
    const slowBusy = meanBusy(slow, 'frontend', from, to);
    const aOk = (c: GraphCluster) => okShare(startedIn(c.ledger.completions, from, to, 'a'));
    const allOk = (c: GraphCluster) => okShare(startedIn(c.ledger.completions, from, to));
    const figures = {
      littleL: healthy.l,
      littleLambdaW: healthy.predicted,
      littleError,
      slowBusy,
      bDemandWorkers: bDemand,
      slowOpens: opens(slow),
      deadOpens: opens(dead),
      timedOpens: opens(timed),
      slowAOk: aOk(slow),
      deadAOk: aOk(dead),
      timedAOk: aOk(timed),
      slowOk: allOk(slow),
      deadOk: allOk(dead),
      timedOk: allOk(timed),
      slowCallOpens: opens(slowCounted),
      slowCallAOk: aOk(slowCounted),
    };
    const holds =
      littleError <= 0.1 &&
      slowBusy >= 0.95 * WORKERS &&
      figures.slowOpens === 0 &&
      figures.deadOpens >= 1 &&
      figures.slowAOk < 0.5 &&
      figures.deadAOk >= 0.95 &&
      figures.timedAOk >= 0.95 &&
      figures.slowOk < figures.deadOk &&
      figures.slowCallOpens >= 1 &&
      figures.slowCallAOk > figures.slowAOk;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Healthy, the frontend's ${WORKERS} workers obey Little's law (L = ${round(healthy.l, 2)} busy, λ·W = ${round(healthy.predicted, 2)}). ` +
        `When b turns 50× slow, b's requests alone need λ·W = ${round(bDemand, 1)} workers: with no timeout all ${WORKERS} stay busy (mean ${round(slowBusy, 1)}), ` +
        `the error-counting breaker never opens and only ${pct(figures.slowAOk)} of requests to the healthy a succeed; ` +
        `when b is dead instead the breaker opens ${figures.deadOpens}× and a keeps ${pct(figures.deadAOk)}. ` +
        `A 100 ms timeout (timeouts count as failures) keeps a at ${pct(figures.timedAOk)}; with no timeout but a breaker that also counts ` +
        `calls slower than 100 ms, it opens ${figures.slowCallOpens}× and a keeps ${pct(figures.slowCallAOk)}.`,
      measurements: figures,
      tables: [
        {
          title: `Requests started ${from}–${to} ms (b faulty from ${FAULT_AT} ms)`,
          columns: [
            'b is',
            'timeout',
            'breaker counts',
            'frontend busy (of 20)',
            'breaker opened',
            'route a ok',
            'all ok',
          ],
          rows: [
            [
              'slow ×50',
              'none',
              'errors',
              round(slowBusy, 1),
              figures.slowOpens,
              pct(figures.slowAOk),
              pct(figures.slowOk),
            ],
            [
              'dead (refusing)',
              'none',
              'errors',
              round(meanBusy(dead, 'frontend', from, to), 1),
              figures.deadOpens,
              pct(figures.deadAOk),
              pct(figures.deadOk),
            ],
            [
              'slow ×50',
              '100 ms',
              'errors and timeouts',
              round(meanBusy(timed, 'frontend', from, to), 1),
              figures.timedOpens,
              pct(figures.timedAOk),
              pct(figures.timedOk),
            ],
            [
              'slow ×50',
              'none',
              'errors and calls > 100 ms',
              round(meanBusy(slowCounted, 'frontend', from, to), 1),
              figures.slowCallOpens,
              pct(figures.slowCallAOk),
              pct(allOk(slowCounted)),
            ],
          ],
        },
      ],
      traceHash: hashes([slow, dead, timed, slowCounted]),
    };
  },
};
