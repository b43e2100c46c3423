/**
 * Retries multiply across layers (the SRE book's "Handling overload", the AWS Builders' Library): with
 * three attempts at each of the client, l1 and l2, a failing l3 receives 3³ = 27 requests per client
 * request. A retry budget per caller (retries at most a tenth of requests) keeps it near 1.1³.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { CallPolicy } from '../caller';
import type { ClientSpec, GraphCluster, ServiceSpec } from '../cluster';
import type { RetryPolicy } from '../retry';
import { hashes, policy, round, runGraph } from './common';

const ATTEMPTS = 3;
const RATIO = 0.1;
const retry: RetryPolicy = { backoff: 'full', maxAttempts: ATTEMPTS, baseMs: 10, capMs: 100 };
const once: RetryPolicy = { backoff: 'none', maxAttempts: 1, baseMs: 0, capMs: 0 };

function run(clientCall: CallPolicy, innerCall: CallPolicy, seed: number, until: number): GraphCluster {
  const layer = (n: number, deeper: string | undefined): ServiceSpec => ({
    id: `l${n}`,
    config: {
      service: `l${n}`,
      workers: 256,
      queue: 1_024,
      workMedianMs: 1,
      workP99Ms: 2,
      dependencies: deeper ? [{ service: deeper, instances: [deeper], policy: innerCall }] : [],
      routes: { deep: deeper ? [deeper] : [] },
    },
  });
  const clients: ClientSpec[] = [1, 2].map((i) => ({
    id: `c${i}`,
    config: {
      frontend: 'l1',
      instances: ['l1'],
      policy: clientCall,
      rate: [{ fromMs: 0, perSecond: 20 }],
      routes: [{ route: 'deep', weight: 1 }],
      badShare: 0,
      stopAtMs: until - 1_000,
    },
  }));
  return runGraph(
    [layer(1, 'l2'), layer(2, 'l3'), layer(3, undefined)],
    clients,
    [{ atMs: 0, nodes: ['l3'], mode: { kind: 'refuse' } }],
    seed,
    until,
  );
}

export const retryAmplification: Scenario = {
  id: 'retry-amplification',
  title: 'Retries at every layer multiply; a retry budget caps them',
  claim:
    'Retrying at every layer multiplies load on the deepest one: 3 attempts at each of 3 layers send 27 requests per client request to a failing service; a retry budget of 10% per caller keeps it near 1.1³.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const until = quick ? 3_000 : 8_000;
    const budget = { ratio: RATIO, minPerSecond: 0, maxTokens: 10 };
    const runs = [
      {
        name: 'client, l1 and l2 retry (3 attempts each)',
        cluster: run(policy({ retry }), policy({ retry }), seed, until),
      },
      {
        name: 'only the client retries',
        cluster: run(policy({ retry }), policy({ retry: once }), seed, until),
      },
      {
        name: `every layer retries within a ${RATIO * 100}% budget`,
        cluster: run(policy({ retry, budget }), policy({ retry, budget }), seed, until),
      },
    ];
    const figures = runs.map(({ name, cluster }) => {
      const requests = cluster.ledger.requests;
      const deepest = cluster.ledger.arrivalCounts.get('l3') ?? 0;
      return {
        name,
        requests,
        deepest,
        amplification: deepest / Math.max(1, requests),
        l1: (cluster.ledger.arrivalCounts.get('l1') ?? 0) / Math.max(1, requests),
      };
    });
    const [every, client, budgeted] = figures as [
      (typeof figures)[0],
      (typeof figures)[0],
      (typeof figures)[0],
    ];
    const expectedEvery = ATTEMPTS ** 3;
    // Every request fails, so every attempt is made: the products are exact. A budget allows at most
    // 1 + ratio × requests retries per caller (its first token included): 1.1 per layer, plus that token.
    const budgetBound = (1 + RATIO) ** 3 * 1.05;
    const holds =
      every.amplification === expectedEvery &&
      client.amplification === ATTEMPTS &&
      budgeted.amplification <= budgetBound;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `l3 refuses every call. With three attempts at the client, l1 and l2, each client request put ${round(every.amplification, 2)} requests on l3 (3³ = ${expectedEvery}); ` +
        `retrying only at the client, ${round(client.amplification, 2)}; with a ${RATIO * 100}% retry budget at every caller, ${round(budgeted.amplification, 3)} (1.1³ = ${round(1.1 ** 3, 3)}).`,
      measurements: {
        everyLayer: every.amplification,
        clientOnly: client.amplification,
        budgeted: budgeted.amplification,
        requests: every.requests,
      },
      tables: [
        {
          title: 'Requests reaching each layer per client request (l3 failing)',
          columns: ['retries', 'client requests', 'at l1', 'at l3 (deepest)'],
          rows: figures.map((f) => [f.name, f.requests, round(f.l1, 3), round(f.amplification, 3)]),
        },
      ],
      traceHash: hashes(runs.map((r) => r.cluster)),
    };
  },
};
