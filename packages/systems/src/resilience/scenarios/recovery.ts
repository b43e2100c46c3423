/**
 * The cascading failure and its recovery: a dependency turns slow for a second; the frontend's pool
 * fills (Little's law), its deep queue makes every request wait longer than the clients will, the
 * clients retry, and the work the frontend does is for callers that already left. When the dependency
 * is healthy again the overload stays (a metastable failure: the retries are the load). Shedding — a
 * queue timeout at the frontend and a retry budget at the clients — or cutting traffic and ramping it
 * back gets the service out.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { CallPolicy } from '../caller';
import type { ClientSpec, GraphCluster } from '../cluster';
import type { RateStep } from '../client';
import { frontend, hashes, leaf, okShare, pct, policy, round, runGraph, startedIn } from './common';

const SLOW_FROM = 1_000;
const SLOW_UNTIL = 2_000;
const RATE = 100;
const CLIENTS = 2;
const CLIENT_TIMEOUT_MS = 300;
const WORKERS = 4;
/** Deep: a full queue is ~0.6 s of work, twice what clients wait. */
const QUEUE = 200;

interface Variant {
  readonly name: string;
  readonly clientPolicy: CallPolicy;
  readonly rate: readonly RateStep[];
  readonly queueTimeoutMs?: number;
}

function run(variant: Variant, seed: number, until: number): GraphCluster {
  const services = [
    frontend(
      WORKERS,
      QUEUE,
      [{ service: 'b', instances: ['b'], policy: policy({ timeoutMs: 1_000 }) }],
      { b: ['b'] },
      variant.queueTimeoutMs !== undefined ? { queueTimeoutMs: variant.queueTimeoutMs } : {},
    ),
    leaf('b', 'b', 64, 64, 10, 20),
  ];
  const clients: ClientSpec[] = Array.from({ length: CLIENTS }, (_, i) => ({
    id: `c${i + 1}`,
    config: {
      frontend: 'frontend',
      instances: ['frontend'],
      policy: variant.clientPolicy,
      rate: variant.rate,
      routes: [{ route: 'b', weight: 1 }],
      badShare: 0,
      stopAtMs: until - 500,
    },
  }));
  return runGraph(
    services,
    clients,
    [
      { atMs: SLOW_FROM, nodes: ['b'], mode: { kind: 'slow', factor: 20 } },
      { atMs: SLOW_UNTIL, nodes: ['b'], mode: { kind: 'healthy' } },
    ],
    seed,
    until,
  );
}

export const cascadeRecovery: Scenario = {
  id: 'cascade-and-recovery',
  title: 'A slow second cascades and stays down under retries; shedding or a traffic ramp recovers',
  claim:
    'A dependency that is slow for a moment fills its callers’ pools and, with clients retrying, the overload outlives it; shedding (queue timeouts, retry budgets) or cutting traffic and ramping it back restores service.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed }): ScenarioResult {
    const until = 6_000;
    const from = 4_500;
    const to = 5_400;
    const retrying = policy({
      timeoutMs: CLIENT_TIMEOUT_MS,
      retry: { backoff: 'none', maxAttempts: 3, baseMs: 0, capMs: 0 },
    });
    const steady: RateStep[] = [{ fromMs: 0, perSecond: RATE }];
    const variants: Variant[] = [
      { name: 'no retries', clientPolicy: policy({ timeoutMs: CLIENT_TIMEOUT_MS }), rate: steady },
      { name: 'clients retry 3× at once', clientPolicy: retrying, rate: steady },
      {
        name: 'retries + queue timeout 250 ms + 10% retry budget',
        clientPolicy: { ...retrying, budget: { ratio: 0.1, minPerSecond: 1, maxTokens: 10 } },
        rate: steady,
        queueTimeoutMs: 250,
      },
      {
        name: 'retries; traffic cut at 2 s, ramped back 25% → 50% → 100%',
        clientPolicy: retrying,
        rate: [
          { fromMs: 0, perSecond: RATE },
          { fromMs: SLOW_UNTIL, perSecond: 0 },
          { fromMs: 2_800, perSecond: RATE / 4 },
          { fromMs: 3_100, perSecond: RATE / 2 },
          { fromMs: 3_400, perSecond: RATE },
        ],
      },
    ];
    const runs = variants.map((v) => ({ v, cluster: run(v, seed, until) }));
    const figures = runs.map(({ v, cluster }) => {
      const during = startedIn(cluster.ledger.completions, SLOW_FROM + 200, SLOW_UNTIL);
      const after = startedIn(cluster.ledger.completions, from, to);
      const arrivals = (cluster.ledger.arrivals.get('frontend') ?? []).filter(
        (t) => t >= from && t < to,
      ).length;
      const late = cluster.clients.reduce((n, id) => n + cluster.client(id).caller.lateReplies, 0);
      return {
        name: v.name,
        duringOk: okShare(during),
        afterOk: okShare(after),
        load: arrivals / (after.length || 1),
        late,
      };
    });
    const [plain, retries, shed, ramp] = figures as [
      (typeof figures)[0],
      (typeof figures)[0],
      (typeof figures)[0],
      (typeof figures)[0],
    ];
    // Cascaded: under half served while b was slow, in every variant. Stuck: retries keep it under 20%
    // well after b recovered. Recovered: 95% and more.
    const cascaded = figures.every((f) => f.duringOk < 0.5);
    const holds =
      cascaded &&
      plain.afterOk >= 0.95 &&
      retries.afterOk < 0.2 &&
      shed.afterOk >= 0.95 &&
      ramp.afterOk >= 0.95;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `b was 20× slow from ${SLOW_FROM} to ${SLOW_UNTIL} ms; the frontend (${WORKERS} workers, queue of ${QUEUE}) served ${pct(retries.duringOk)} meanwhile. ` +
        `From ${from} ms on, long after b recovered: without retries ${pct(plain.afterOk)} succeeded; with clients retrying 3× only ${pct(retries.afterOk)} ` +
        `(the frontend received ${round(retries.load, 2)} requests per client request and answered ${retries.late} after the client had left); ` +
        `a 250 ms queue timeout and a 10% retry budget brought it to ${pct(shed.afterOk)}; cutting traffic and ramping it back, to ${pct(ramp.afterOk)}.`,
      measurements: Object.fromEntries(
        figures.flatMap((f, i) => [
          [`v${i} okWhileSlow`, f.duringOk],
          [`v${i} okAfter`, f.afterOk],
          [`v${i} frontendRequestsPerClientRequest`, f.load],
        ]),
      ),
      tables: [
        {
          title: `Requests succeeding while b was slow and from ${from} to ${to} ms (b healthy since ${SLOW_UNTIL} ms)`,
          columns: [
            'clients and frontend',
            'ok while slow',
            'ok after',
            'frontend requests per client request (after)',
            'answers after the client left',
          ],
          rows: figures.map((f) => [f.name, pct(f.duringOk), pct(f.afterOk), round(f.load, 2), f.late]),
        },
      ],
      traceHash: hashes(runs.map((r) => r.cluster)),
    };
  },
};
