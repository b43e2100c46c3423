/** Claim: bulkheads — a slow dependency fills only its own pool. */
import type { Scenario, ScenarioResult } from '../../contract';
import type { GraphCluster } from '../cluster';
import {
  frontend,
  hashes,
  leaf,
  meanBusy,
  okShare,
  pct,
  peakCalls,
  poissonClients,
  policy,
  round,
  runGraph,
  startedIn,
} from './common';

const WORKERS = 24;
const SLOTS = 8;
const SLOW_FROM = 1_000;

function run(bulkhead: number | undefined, seed: number, until: number): GraphCluster {
  const call = policy({ timeoutMs: 1_000, ...(bulkhead !== undefined ? { bulkhead } : {}) });
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
    leaf('a', 'a', 64, 64, 10, 30),
    leaf('b', 'b', 64, 64, 10, 30),
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
    until - 1_200,
  );
  return runGraph(
    services,
    clients,
    [{ atMs: SLOW_FROM, nodes: ['b'], mode: { kind: 'slow', factor: 40 } }],
    seed,
    until,
  );
}

export const bulkheadsIsolate: Scenario = {
  id: 'bulkheads-isolate',
  title: 'A slow dependency fills only its own bulkhead',
  claim: 'Bulkheads: a slow dependency fills only its own pool.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const until = quick ? 4_000 : 8_000;
    const from = SLOW_FROM + 500;
    const to = until - 1_300;
    const shared = run(undefined, seed, until);
    const isolated = run(SLOTS, seed, until);
    const row = (name: string, c: GraphCluster) => ({
      name,
      aOk: okShare(startedIn(c.ledger.completions, from, to, 'a')),
      bOk: okShare(startedIn(c.ledger.completions, from, to, 'b')),
      busy: meanBusy(c, 'frontend', from, to),
      peakB: peakCalls(c, 'frontend', 'b', from, to),
      peakA: peakCalls(c, 'frontend', 'a', from, to),
    });
    const s = row('one shared pool', shared);
    const i = row(`bulkhead of ${SLOTS} per dependency`, isolated);
    const holds = i.aOk >= 0.99 && i.peakB <= SLOTS && s.aOk < 0.9;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `b turned 40× slow at ${SLOW_FROM} ms. Sharing the frontend's ${WORKERS} workers, b's calls took them all (mean busy ${round(s.busy, 1)}, up to ${s.peakB} calls to b) ` +
        `and only ${pct(s.aOk)} of requests to the healthy a succeeded. With ${SLOTS} slots per dependency, b held at most ${i.peakB} calls, ` +
        `a kept ${pct(i.aOk)} (b itself: ${pct(i.bOk)}).`,
      measurements: {
        sharedAOk: s.aOk,
        isolatedAOk: i.aOk,
        sharedPeakB: s.peakB,
        isolatedPeakB: i.peakB,
        sharedBusy: s.busy,
        isolatedBusy: i.busy,
      },
      tables: [
        {
          title: `Requests started ${from}–${to} ms, b slow from ${SLOW_FROM} ms`,
          columns: [
            'frontend',
            'route a ok',
            'route b ok',
            'frontend busy (of 24)',
            'most calls in flight to b',
            'to a',
          ],
          rows: [s, i].map((r) => [r.name, pct(r.aOk), pct(r.bOk), round(r.busy, 1), r.peakB, r.peakA]),
        },
      ],
      traceHash: hashes([shared, isolated]),
    };
  },
};
