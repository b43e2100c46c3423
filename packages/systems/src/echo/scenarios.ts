/** Experiments on the simplest exchange there is: a request and its reply over an unreliable link. */
import type { Scenario, ScenarioResult } from '../contract';
import { buildEchoWorld, echoParams, echoTotals } from './cluster';

const settle = (timeoutMs: number) => timeoutMs * 2;

export const rttIsTwoLatencies: Scenario = {
  id: 'rtt-is-two-latencies',
  title: 'A round trip costs two one-way latencies',
  claim: 'With a one-way network latency of L, a request–reply exchange takes 2·L.',
  expected: 'holds',
  rows: ['N1'],
  run({ seed, quick }): ScenarioResult {
    const params = echoParams.parse({ latencyMs: 10, durationMs: quick ? 2_000 : 10_000 });
    const world = buildEchoWorld(params, seed);
    world.runFor(params.durationMs + settle(params.timeoutMs));
    const totals = echoTotals(world);
    const ratio = totals.meanRttMs / params.latencyMs;
    return {
      observed: Math.abs(ratio - 2) < 0.01 ? 'holds' : 'fails',
      summary: `Mean round trip ${totals.meanRttMs.toFixed(2)} ms over ${totals.answered} exchanges at ${params.latencyMs} ms one-way: ${ratio.toFixed(3)}× the one-way latency.`,
      measurements: {
        meanRttMs: totals.meanRttMs,
        oneWayMs: params.latencyMs,
        ratio,
        exchanges: totals.answered,
      },
      traceHash: world.traceHash(),
    };
  },
};

export const lossCompounds: Scenario = {
  id: 'loss-compounds',
  title: 'Packet loss hits a request–reply twice',
  claim: 'With 10% packet loss, 10% of requests fail.',
  expected: 'fails',
  corrected:
    'The request and the reply can each be lost: a request–reply fails with probability 1 − (1 − p)², 19% at p = 10%.',
  rows: ['N1'],
  run({ seed, quick }): ScenarioResult {
    const rows: [number, number, number][] = [];
    let hash = '';
    for (const loss of [0.01, 0.05, 0.1, 0.2, 0.3]) {
      const params = echoParams.parse({ loss, nodes: 4, intervalMs: 5, durationMs: quick ? 5_000 : 30_000 });
      const world = buildEchoWorld(params, seed);
      world.runFor(params.durationMs + settle(params.timeoutMs));
      const totals = echoTotals(world);
      rows.push([loss, totals.timedOut / totals.sent, 1 - (1 - loss) ** 2]);
      hash += world.traceHash();
    }
    const atTen = rows.find(([loss]) => loss === 0.1) as [number, number, number];
    // The claim holds only if the failure rate at 10% loss is near 10%; it fails if it is near 19%.
    const nearClaim = Math.abs(atTen[1] - 0.1) < 0.03;
    const nearCorrected = rows.every(([, measured, predicted]) => Math.abs(measured - predicted) < 0.03);
    return {
      observed: nearClaim ? 'holds' : nearCorrected ? 'fails' : 'partly',
      summary: `At 10% loss ${(atTen[1] * 100).toFixed(1)}% of requests failed (1 − 0.9² predicts 19%).`,
      measurements: { failedAt10Percent: atTen[1], predictedAt10Percent: atTen[2] },
      tables: [
        {
          title: 'Failed request–reply exchanges by packet loss',
          columns: ['loss per message', 'failed (measured)', '1 − (1 − p)²'],
          rows: rows.map(([loss, measured, predicted]) => [loss, round(measured), round(predicted)]),
        },
      ],
      traceHash: hash.slice(0, 16),
    };
  },
};

export const partitionBlocksEverything: Scenario = {
  id: 'partition-blocks-replies',
  title: 'A partition stops every exchange across it',
  claim: 'While two nodes are partitioned, no request between them is answered.',
  expected: 'holds',
  rows: ['N1'],
  run({ seed }): ScenarioResult {
    const params = echoParams.parse({ nodes: 2, durationMs: 3_000 });
    const world = buildEchoWorld(params, seed);
    world.runFor(1_000);
    const before = echoTotals(world).answered;
    world.network.partition([['n1'], ['n2']]);
    world.runFor(1_000);
    const during = echoTotals(world).answered;
    world.network.heal();
    world.runFor(1_000 + settle(params.timeoutMs));
    const after = echoTotals(world).answered;
    const answeredDuring = during - before;
    return {
      observed: answeredDuring <= 1 ? 'holds' : 'fails', // at most an exchange already in flight
      summary: `${before} exchanges answered before the partition, ${answeredDuring} during it, ${after - during} after healing.`,
      measurements: { before, during: answeredDuring, after: after - during },
      traceHash: world.traceHash(),
    };
  },
};

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export const echoScenarios: readonly Scenario[] = [
  rttIsTwoLatencies,
  lossCompounds,
  partitionBlocksEverything,
];
