/**
 * Adaptive concurrency limits against a fixed deep queue when a service loses capacity under steady
 * load: the queue turns the overload into waiting (Little's law: what is in the system divided by what
 * it finishes per second), until requests wait longer than their clients will; an adaptive limit sheds
 * the excess at the door instead and keeps what it admits fast.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { LimiterConfig } from '../adaptive';
import type { ClientSpec, GraphCluster, ServiceSpec } from '../cluster';
import { countOutcome, hashes, mean, pct, policy, quantile, round, runGraph, startedIn } from './common';

const WORKERS = 8;
const QUEUE = 400;
const CLIENT_TIMEOUT_MS = 500;
const SLOW_FROM = 1_000;

function run(limiter: LimiterConfig | undefined, seed: number, until: number): GraphCluster {
  const service: ServiceSpec = {
    id: 'b',
    config: {
      service: 'b',
      workers: WORKERS,
      queue: QUEUE,
      workMedianMs: 10,
      workP99Ms: 30,
      dependencies: [],
      routes: {},
      ...(limiter ? { limiter } : {}),
    },
  };
  const clients: ClientSpec[] = [1, 2, 3, 4].map((i) => ({
    id: `c${i}`,
    config: {
      frontend: 'b',
      instances: ['b'],
      policy: policy({ timeoutMs: CLIENT_TIMEOUT_MS }),
      rate: [{ fromMs: 0, perSecond: 100 }],
      routes: [{ route: 'x', weight: 1 }],
      badShare: 0,
      stopAtMs: until - 600,
    },
  }));
  return runGraph(
    [service],
    clients,
    [{ atMs: SLOW_FROM, nodes: ['b'], mode: { kind: 'slow', factor: 3 } }],
    seed,
    until,
  );
}

export const adaptiveConcurrency: Scenario = {
  id: 'adaptive-concurrency',
  title: 'Adaptive concurrency limits (AIMD, gradient) against a fixed deep queue',
  claim:
    'When a service loses capacity under steady load, an adaptive concurrency limit (AIMD or gradient, as in Netflix concurrency-limits) sheds the excess and keeps latency low and goodput near capacity, where a fixed deep queue lets latency grow until clients time out.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const until = quick ? 5_000 : 10_000;
    const from = SLOW_FROM + 1_000;
    const to = until - 700;
    const max = WORKERS + QUEUE;
    const runs = [
      { name: `fixed: ${WORKERS} workers + queue of ${QUEUE}`, cluster: run(undefined, seed, until) },
      {
        name: 'AIMD limit',
        cluster: run({ kind: 'aimd', initial: WORKERS, min: 1, max, slowMs: 150, backoff: 0.9 }, seed, until),
      },
      {
        name: 'gradient limit',
        cluster: run({ kind: 'gradient', initial: WORKERS, min: 1, max }, seed, until),
      },
    ];
    const seconds = (to - from) / 1_000;
    const figures = runs.map(({ name, cluster }) => {
      const done = startedIn(cluster.ledger.completions, from, to);
      const ok = done.filter((c) => c.outcome === 'ok');
      // What the service finished per second while slow (its capacity, when it is saturated).
      const capacity =
        (cluster.ledger.holds.get('b') ?? []).filter((h) => h.t >= from && h.t < to).length / seconds;
      const limits = cluster.ledger.occupancy
        .filter((s) => s.node === 'b' && s.t >= from && s.t < to && s.limit !== undefined)
        .map((s) => s.limit as number);
      return {
        name,
        goodput: ok.length / seconds,
        capacity,
        p99: quantile(
          ok.map((c) => c.latencyMs),
          0.99,
        ),
        timedOut: countOutcome(done, 'timeout') / Math.max(1, done.length),
        shed: countOutcome(done, 'shed') / Math.max(1, done.length),
        limit: limits.length > 0 ? mean(limits) : NaN,
      };
    });
    const [fixed, aimd, gradient] = figures as [
      (typeof figures)[0],
      (typeof figures)[0],
      (typeof figures)[0],
    ];
    // The fixed queue keeps the service saturated: what it finishes per second is its capacity.
    const capacity = fixed.capacity;
    // Low latency: successes well inside the clients' patience and next to no timeouts. Near capacity:
    // three quarters, what a sawtooth between the limit and its cut keeps busy (TCP's AIMD keeps 3/4 of
    // the link); the fixed queue must fall under half to count as collapsed.
    const good = (f: (typeof figures)[0]) =>
      f.goodput >= 0.75 * capacity && f.p99 < 0.9 * CLIENT_TIMEOUT_MS && f.timedOut < 0.01;
    const holds = good(aimd) && good(gradient) && fixed.goodput < 0.5 * capacity;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `b's work took 3× longer from ${SLOW_FROM} ms under 400 requests/s (it then finished ${round(fixed.capacity)}/s when saturated). ` +
        `With a fixed queue of ${QUEUE}, goodput fell to ${round(fixed.goodput)}/s with ${pct(fixed.timedOut)} of requests timing out at the client; ` +
        `AIMD kept ${round(aimd.goodput)}/s (p99 ${round(aimd.p99)} ms, limit ≈ ${round(aimd.limit, 1)}), gradient ${round(gradient.goodput)}/s (p99 ${round(gradient.p99)} ms, limit ≈ ${round(gradient.limit, 1)}).`,
      measurements: Object.fromEntries(
        figures.flatMap((f, i) => {
          const key = ['fixed', 'aimd', 'gradient'][i] as string;
          return [
            [`${key}Goodput`, f.goodput],
            [`${key}Capacity`, f.capacity],
            [`${key}P99Ms`, f.p99],
            [`${key}TimedOut`, f.timedOut],
            [`${key}Shed`, f.shed],
          ];
        }),
      ),
      tables: [
        {
          title: `Requests started ${from}–${to} ms (b slow from ${SLOW_FROM} ms), clients time out at ${CLIENT_TIMEOUT_MS} ms`,
          columns: [
            'admission',
            'goodput /s',
            'served /s',
            'p99 of successes (ms)',
            'timed out',
            'shed',
            'mean limit',
          ],
          rows: figures.map((f) => [
            f.name,
            round(f.goodput),
            round(f.capacity),
            round(f.p99),
            pct(f.timedOut),
            pct(f.shed),
            Number.isNaN(f.limit) ? '—' : round(f.limit, 1),
          ]),
        },
      ],
      traceHash: hashes(runs.map((r) => r.cluster)),
    };
  },
};
