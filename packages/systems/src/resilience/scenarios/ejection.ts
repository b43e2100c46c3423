/** Claim: "circuit breakers must be per service" — one bad instance of five, service-wide breakers against outlier ejection. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { BreakerConfig } from '../breaker';
import type { CallPolicy } from '../caller';
import type { GraphCluster } from '../cluster';
import {
  countOutcome,
  frontend,
  hashes,
  leaf,
  okShare,
  pct,
  poissonClients,
  policy,
  runGraph,
  startedIn,
} from './common';

const INSTANCES = ['b1', 'b2', 'b3', 'b4', 'b5'];
const BAD = 'b3';

function rateBreaker(failureRate: number): BreakerConfig {
  return { window: { kind: 'count', size: 50, minimumCalls: 20, failureRate }, openMs: 500, probes: 2 };
}

function run(call: CallPolicy, seed: number, until: number): GraphCluster {
  const services = [
    frontend(64, 64, [{ service: 'b', instances: INSTANCES, policy: call }], { b: ['b'] }),
    ...INSTANCES.map((id) => leaf(id, 'b', 32, 32, 5, 15)),
  ];
  const clients = poissonClients(
    2,
    100,
    'frontend',
    policy({ timeoutMs: 1_000 }),
    [{ route: 'b', weight: 1 }],
    until - 200,
  );
  return runGraph(services, clients, [{ atMs: 0, nodes: [BAD], mode: { kind: 'refuse' } }], seed, until);
}

export const perInstanceEjection: Scenario = {
  id: 'per-instance-ejection',
  title: 'One bad instance of five: a service-wide breaker against outlier ejection',
  claim: '"Circuit breakers must be per service."',
  expected: 'partly',
  corrected:
    'A service-wide breaker fits failures of the whole service; one bad instance of five is 20% errors, below a typical threshold (never trips) or, with a lower one, trips and cuts off the four healthy instances too. Eject the instance (per-instance breakers or outlier detection).',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const until = quick ? 3_000 : 8_000;
    const from = 500;
    const to = until - 300;
    const runs = [
      {
        name: 'service-wide breaker at 50%',
        cluster: run(policy({ timeoutMs: 200, breaker: rateBreaker(0.5) }), seed, until),
      },
      {
        name: 'service-wide breaker at 15%',
        cluster: run(policy({ timeoutMs: 200, breaker: rateBreaker(0.15) }), seed, until),
      },
      {
        name: 'outlier ejection (5 in a row)',
        cluster: run(
          policy({
            timeoutMs: 200,
            ejection: { consecutiveFailures: 5, ejectMs: 1_000, maxEjectedShare: 0.4 },
          }),
          seed,
          until,
        ),
      },
    ];
    const figures = runs.map(({ name, cluster }) => {
      const done = startedIn(cluster.ledger.completions, from, to);
      const caller = cluster.service('frontend').callers.get('b');
      const edge = cluster.ledger.edges.get('frontend→b');
      return {
        name,
        ok: okShare(done),
        opens: caller?.breaker?.transitions.filter((t) => t.to === 'open').length ?? 0,
        refusedByBreaker: edge ? edge['breaker-open'] : 0,
        toBad: (cluster.ledger.sends.get(`frontend→${BAD}`) ?? []).length,
        failed: done.length - countOutcome(done, 'ok'),
        ejections: caller?.ejections ?? 0,
      };
    });
    const [wide, low, eject] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]];
    // One of five instances failing is 20% of calls: within sampling error of a few hundred calls.
    const missed = wide.opens === 0 && Math.abs(1 - wide.ok - 0.2) <= 0.04;
    const collateral = low.opens >= 1 && 1 - low.ok > 0.3;
    const ejected = eject.ejections >= 1 && 1 - eject.ok < 0.03;
    return {
      observed: missed && collateral && ejected ? 'partly' : 'fails',
      summary:
        `${BAD} of b's five instances refuses every call. A service-wide breaker at 50% never opened and ${pct(1 - wide.ok)} of requests failed; ` +
        `at 15% it opened ${low.opens}× and ${pct(1 - low.ok)} failed (the healthy four cut off with the bad one); ` +
        `ejecting the outlier (${eject.ejections} ejections) left ${pct(1 - eject.ok)} failing.`,
      measurements: {
        wideFailed: 1 - wide.ok,
        wideOpens: wide.opens,
        lowFailed: 1 - low.ok,
        lowOpens: low.opens,
        ejectFailed: 1 - eject.ok,
        ejections: eject.ejections,
        ejectCallsToBad: eject.toBad,
        wideCallsToBad: wide.toBad,
      },
      tables: [
        {
          title: `Requests started ${from}–${to} ms, 200 requests/s`,
          columns: [
            'frontend → b',
            'requests failed',
            'breaker opened',
            'calls refused by the breaker',
            `calls sent to ${BAD}`,
            'ejections',
          ],
          rows: figures.map((f) => [
            f.name,
            pct(1 - f.ok),
            f.opens,
            f.refusedByBreaker,
            f.toBad,
            f.ejections,
          ]),
        },
      ],
      traceHash: hashes(runs.map((r) => r.cluster)),
    };
  },
};
