/** Claim: "open after N consecutive failures" — it misses a steady 30% error rate that a rate-based breaker catches. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { BreakerConfig, Transition } from '../breaker';
import type { GraphCluster } from '../cluster';
import { frontend, hashes, leaf, pct, poissonClients, policy, round, runGraph } from './common';

const RATE = 100;
const HEAL_MS = 1_000;

function openShare(transitions: readonly Transition[], from: number, to: number): number {
  // Time not closed (open or half-open) within [from, to), from the transition log.
  let state = 'closed';
  let since = from;
  let away = 0;
  for (const tr of transitions) {
    if (tr.t >= to) break;
    if (tr.t > from && state !== 'closed') away += tr.t - Math.max(since, from);
    state = tr.to;
    since = tr.t;
  }
  if (state !== 'closed') away += to - Math.max(since, from);
  return away / (to - from);
}

function run(breaker: BreakerConfig, seed: number, errorUntil: number, until: number): GraphCluster {
  const services = [
    frontend(64, 64, [{ service: 'b', instances: ['b'], policy: policy({ timeoutMs: 200, breaker }) }], {
      b: ['b'],
    }),
    leaf('b', 'b', 64, 64, 5, 15),
  ];
  const clients = poissonClients(
    1,
    RATE,
    'frontend',
    policy({ timeoutMs: 1_000 }),
    [{ route: 'b', weight: 1 }],
    until - 200,
  );
  return runGraph(
    services,
    clients,
    [
      { atMs: 0, nodes: ['b'], mode: { kind: 'error', rate: 0.3 } },
      // A healthy second lets every breaker close before the hard outage, so all start it closed.
      { atMs: errorUntil, nodes: ['b'], mode: { kind: 'healthy' } },
      { atMs: errorUntil + HEAL_MS, nodes: ['b'], mode: { kind: 'refuse' } },
    ],
    seed,
    until,
  );
}

export const consecutiveMissesRate: Scenario = {
  id: 'consecutive-misses-steady-errors',
  title: 'N failures in a row misses a steady 30% error rate',
  claim: '"Open after N consecutive failures."',
  expected: 'partly',
  corrected:
    'A consecutive-failure breaker catches a hard outage within N calls, but on a steady 30% error rate it trips only on chance runs (0.3^N per call: never for N = 10, at random for N = 5); a breaker on the failure rate over a window catches both.',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const errorUntil = quick ? 4_000 : 10_000;
    const until = errorUntil + HEAL_MS + 1_000;
    const inARow = (failures: number): BreakerConfig => ({
      window: { kind: 'consecutive', failures },
      openMs: 500,
      probes: 1,
    });
    const rate: BreakerConfig = {
      window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.25 },
      openMs: 500,
      probes: 1,
    };
    const timeWindow: BreakerConfig = {
      window: { kind: 'time', windowMs: 1_000, buckets: 10, minimumCalls: 20, failureRate: 0.25 },
      openMs: 500,
      probes: 1,
    };
    const runs = [
      { name: '10 failures in a row', cluster: run(inARow(10), seed, errorUntil, until) },
      { name: '5 failures in a row', cluster: run(inARow(5), seed, errorUntil, until) },
      { name: 'failure rate ≥ 25% of the last 20', cluster: run(rate, seed, errorUntil, until) },
      { name: 'failure rate ≥ 25% over the last second', cluster: run(timeWindow, seed, errorUntil, until) },
    ];
    const figures = runs.map(({ name, cluster }) => {
      const breaker = cluster.service('frontend').callers.get('b')?.breaker;
      if (!breaker) throw new Error('no breaker');
      const tr = breaker.transitions;
      // Trips from closed (a reopen after a failed probe is the same episode).
      const steadyOpens = tr.filter((t) => t.from === 'closed' && t.to === 'open' && t.t < errorUntil).length;
      const outage = errorUntil + HEAL_MS;
      const closedAtOutage = breaker.transitions.filter((t) => t.t < outage).at(-1)?.to ?? 'closed';
      const firstOpenAfter = tr.find((t) => t.to === 'open' && t.t >= outage);
      const reached = (cluster.ledger.sends.get('frontend→b') ?? []).filter(
        (t) => t >= 500 && t < errorUntil,
      ).length;
      return {
        name,
        away: openShare(tr, 500, errorUntil),
        steadyOpens,
        closedAtOutage: closedAtOutage === 'closed',
        detectMs: firstOpenAfter ? firstOpenAfter.t - outage : Infinity,
        reachedPerSecond: reached / ((errorUntil - 500) / 1_000),
      };
    });
    type F = (typeof figures)[0];
    const [c, c5, r, t] = figures as [F, F, F, F];
    // At 100 Poisson calls/s, 10 failures in a row of a hard outage take 100 ms on average; more than
    // 250 ms (fewer than 10 arrivals where 25 are expected) has odds of about 2·10⁻⁴. The time window averages over its whole second, so a fresh outage must first outweigh a second of
    // successes (a third of them at 25%): it gets the length of its window.
    const outageCaught =
      [c, c5, r].every((f) => f.closedAtOutage && f.detectMs <= 250) &&
      t.closedAtOutage &&
      t.detectMs <= 1_000;
    // Missed: 10 in a row at 30% has odds 0.3^10 ≈ 6·10⁻⁶ per call, so it stays closed (under 10% of the
    // time away, the length of one chance trip). Caught: the rate breakers spend most of the time open.
    const steadyMissed = c.away < 0.1;
    const steadyCaught = r.away > 0.5 && t.away > 0.5;
    // 5 in a row trips on chance runs: about calls × 0.7 × 0.3^5 of them.
    const chanceTrips = c5.reachedPerSecond * ((errorUntil - 500) / 1_000) * 0.7 * 0.3 ** 5;
    return {
      observed: outageCaught && steadyMissed && steadyCaught ? 'partly' : c.away >= 0.1 ? 'holds' : 'fails',
      summary:
        `On a steady 30% error rate the 10-in-a-row breaker was away from closed ${pct(c.away)} of the time (${c.steadyOpens} trips), ` +
        `the 5-in-a-row one ${pct(c5.away)} on ${c5.steadyOpens} chance trips (≈ ${round(chanceTrips, 1)} expected from runs of 5 failures), ` +
        `letting ${round(c.reachedPerSecond)} calls/s reach the failing b; the rate breaker over the last 20 calls was away ${pct(r.away)} (${round(r.reachedPerSecond)} calls/s reached b), over the last second ${pct(t.away)}. ` +
        `When b later failed every call, the consecutive and count breakers opened within ${Math.round(Math.max(c.detectMs, c5.detectMs, r.detectMs))} ms, ` +
        `the time window (a second of successes to outweigh) in ${Math.round(t.detectMs)} ms.`,
      measurements: {
        fiveInARowAwayShare: c5.away,
        fiveInARowTrips: c5.steadyOpens,
        fiveInARowExpectedTrips: chanceTrips,
        consecutiveAwayShare: c.away,
        rateAwayShare: r.away,
        consecutiveTrips: c.steadyOpens,
        rateTrips: r.steadyOpens,
        consecutiveDetectMs: c.detectMs,
        rateDetectMs: r.detectMs,
        consecutiveReachedPerSecond: c.reachedPerSecond,
        rateReachedPerSecond: r.reachedPerSecond,
        timeWindowAwayShare: t.away,
        timeWindowDetectMs: t.detectMs,
      },
      tables: [
        {
          title: `b fails 30% of calls until ${errorUntil} ms, is healthy for ${HEAL_MS} ms, then fails all of them; ${RATE} calls/s`,
          columns: [
            'breaker',
            'time not closed (30% phase)',
            'trips (30% phase)',
            'calls/s reaching b',
            'opened after the outage began (ms)',
          ],
          rows: figures.map((f) => [
            f.name,
            pct(f.away),
            f.steadyOpens,
            round(f.reachedPerSecond),
            round(f.detectMs),
          ]),
        },
      ],
      traceHash: hashes(runs.map((x) => x.cluster)),
    };
  },
};
