/**
 * Claims about jitter: exponential backoff without it keeps a crowd that failed together retrying
 * together; and Brooker's contention experiment (clients racing to commit to one optimistic-concurrency
 * resource), where jitter cuts the calls made and the time to finish.
 */
import { World, type Env, type SimNode, type TraceMode } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { BurstClient } from '../burst';
import type { ResilienceMessage } from '../messages';
import { OccResource } from '../occ';
import type { BackoffKind, RetryPolicy } from '../retry';
import { ServiceNode } from '../service';
import { policy, round } from './common';

/** Clients that each send one request at `atMs` to `target`, built by `makeTarget`; arrivals at it recorded. */
export function crowd(
  seed: number,
  clients: number,
  retry: RetryPolicy,
  makeTarget: (env: Env<ResilienceMessage>) => SimNode<ResilienceMessage>,
  trace: TraceMode = 'hash',
) {
  const world = new World({
    seed,
    trace,
    network: { latency: { kind: 'uniform', min: 1, max: 2 } },
    freezeMessages: false,
  });
  const arrivals: number[] = [];
  let finished = 0;
  let finishedAt = 0;
  let attempts = 0;
  world.addNode('target', (env: Env<ResilienceMessage>) => {
    const inner = makeTarget(env);
    return {
      onMessage: (from, msg) => {
        if (msg.type === 'call') arrivals.push(world.now());
        inner.onMessage(from, msg);
      },
      snapshot: () => inner.snapshot(),
    };
  });
  for (let i = 0; i < clients; i++)
    world.addNode(
      `c${i + 1}`,
      (env: Env<ResilienceMessage>) =>
        new BurstClient(env, {
          target: 'target',
          instances: ['target'],
          policy: policy({ timeoutMs: Infinity, retry }),
          atMs: 0,
          count: 1,
          route: 'x',
          finished: (_client, _outcome, n) => {
            finished++;
            attempts += n;
            finishedAt = world.now();
          },
        }),
    );
  return { world, arrivals, done: () => ({ finished, finishedAt, attempts }) };
}

/** Most arrivals in any `binMs` bin from `fromMs` on. */
function peakBin(arrivals: readonly number[], binMs: number, fromMs: number): number {
  const counts = new Map<number, number>();
  let peak = 0;
  for (const t of arrivals) {
    if (t < fromMs) continue;
    const bin = Math.floor(t / binMs);
    const n = (counts.get(bin) ?? 0) + 1;
    counts.set(bin, n);
    if (n > peak) peak = n;
  }
  return peak;
}

const SPREAD_KINDS: readonly BackoffKind[] = ['exponential', 'full', 'equal', 'decorrelated'];

export const jitterSpreadsRetries: Scenario = {
  id: 'jitter-spreads-retries',
  title: '1,000 clients that failed together: retries with and without jitter',
  claim:
    'Exponential backoff without jitter synchronizes retries; full jitter spreads them: plot retry arrivals for 1,000 clients.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed }): ScenarioResult {
    const clients = 1_000;
    const retry = (backoff: BackoffKind): RetryPolicy => ({
      backoff,
      maxAttempts: 6,
      baseMs: 100,
      capMs: 10_000,
    });
    const runs = SPREAD_KINDS.map((kind) => {
      const r = crowd(seed, clients, retry(kind), (env) => {
        const node = new ServiceNode(env, {
          service: 'b',
          workers: 1,
          queue: 0,
          workMedianMs: 1,
          workP99Ms: 1,
          dependencies: [],
          routes: {},
        });
        node.setMode({ kind: 'refuse' });
        return node;
      });
      r.world.runUntilQuiet(60_000);
      return { kind, ...r };
    });
    const binMs = 10;
    const figures = runs.map((r) => ({
      kind: r.kind,
      retries: r.arrivals.filter((t) => t >= 50).length,
      peak: peakBin(r.arrivals, binMs, 50),
    }));
    const histogram: (string | number)[][] = [];
    for (let from = 0; from < 3_200; from += 100) {
      histogram.push([
        `${from}–${from + 100}`,
        ...runs.map((r) => r.arrivals.filter((t) => t >= from && t < from + 100).length),
      ]);
    }
    const plain = figures[0] as (typeof figures)[0];
    const full = figures[1] as (typeof figures)[0];
    // Synchronized: nearly the whole crowd in one 10 ms bin. Spread: full jitter's first retries fall
    // uniformly over [0, 100 ms], ten bins, so ~10% of the crowd per bin plus sampling noise and the
    // overlap of later rounds; a fifth is the bound.
    const holds = plain.peak >= 0.9 * clients && full.peak <= 0.2 * clients;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${clients} clients failed at once and retried 5 times (base 100 ms). Without jitter up to ${plain.peak} retries arrived in one ${binMs} ms bin; ` +
        `with full jitter at most ${full.peak}; equal ${(figures[2] as (typeof figures)[0]).peak}, decorrelated ${(figures[3] as (typeof figures)[0]).peak}.`,
      measurements: Object.fromEntries(
        figures.flatMap((f) => [
          [`${f.kind}PeakPer10ms`, f.peak],
          [`${f.kind}Retries`, f.retries],
        ]),
      ),
      tables: [
        {
          title: `Most retry arrivals in one ${binMs} ms bin (${clients} clients)`,
          columns: ['backoff', 'retries', 'peak per 10 ms', 'peak as share of clients'],
          rows: figures.map((f) => [f.kind, f.retries, f.peak, round(f.peak / clients, 3)]),
        },
        {
          title: 'Arrivals at the service per 100 ms (the plot)',
          columns: ['ms', ...SPREAD_KINDS],
          rows: histogram,
        },
      ],
      traceHash: runs.map((r) => r.world.traceHash()).join(''),
    };
  },
};

const CONTENTION_KINDS: readonly BackoffKind[] = [
  'none',
  'fixed',
  'exponential',
  'full',
  'equal',
  'decorrelated',
];

export const jitterContention: Scenario = {
  id: 'jitter-contention',
  title: "Brooker's contention experiment: calls and time to finish per backoff",
  claim:
    'Clients racing to commit to one optimistic-concurrency resource make fewer calls and finish sooner with jittered backoff (full, equal or decorrelated) than with plain exponential backoff.',
  expected: 'holds',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const sizes = quick ? [10, 50] : [10, 25, 50, 75, 100];
    const rows: (string | number)[][] = [];
    const calls = new Map<string, number>();
    const times = new Map<string, number>();
    let unfinished = 0;
    const hashesOf: string[] = [];
    for (const n of sizes) {
      for (const kind of CONTENTION_KINDS) {
        const r = crowd(
          seed,
          n,
          { backoff: kind, maxAttempts: 1_000, baseMs: 5, capMs: 2_000 },
          (env) => new OccResource(env, 5),
        );
        r.world.runUntilQuiet(600_000);
        const done = r.done();
        unfinished += n - done.finished;
        calls.set(`${n}/${kind}`, done.attempts);
        times.set(`${n}/${kind}`, done.finishedAt);
        hashesOf.push(r.world.traceHash());
      }
      rows.push([
        n,
        ...CONTENTION_KINDS.map((k) => calls.get(`${n}/${k}`) as number),
        ...CONTENTION_KINDS.map((k) => round(times.get(`${n}/${k}`) as number)),
      ]);
    }
    // For every crowd of 25 or more (ten clients barely contend): each jittered backoff beats plain
    // exponential on calls and on time to finish.
    let holds = unfinished === 0;
    for (const n of sizes.filter((s) => s >= 25)) {
      const plainCalls = calls.get(`${n}/exponential`) as number;
      const plainTime = times.get(`${n}/exponential`) as number;
      for (const k of ['full', 'equal', 'decorrelated']) {
        if ((calls.get(`${n}/${k}`) as number) >= plainCalls) holds = false;
        if ((times.get(`${n}/${k}`) as number) >= plainTime) holds = false;
      }
    }
    const largest = sizes[sizes.length - 1] as number;
    const at = (k: string) => calls.get(`${largest}/${k}`) as number;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `With ${largest} clients each committing once (5 ms transactions), plain exponential backoff made ${at('exponential')} calls, ` +
        `full jitter ${at('full')}, equal ${at('equal')}, decorrelated ${at('decorrelated')}, retrying at once ${at('none')}, after a fixed 5 ms ${at('fixed')}; ` +
        `time to finish ${round(times.get(`${largest}/exponential`) as number)} ms without jitter against ${round(times.get(`${largest}/full`) as number)} ms with full jitter.`,
      measurements: Object.fromEntries([
        ...[...calls].map(([k, v]) => [`calls ${k}`, v]),
        ...[...times].map(([k, v]) => [`finishMs ${k}`, v]),
        ['unfinished', unfinished],
      ]),
      tables: [
        {
          title: 'Total calls, then time until the last client committed (ms)',
          columns: [
            'clients',
            ...CONTENTION_KINDS.map((k) => `calls ${k}`),
            ...CONTENTION_KINDS.map((k) => `ms ${k}`),
          ],
          rows,
        },
      ],
      traceHash: hashesOf.join(''),
    };
  },
};
