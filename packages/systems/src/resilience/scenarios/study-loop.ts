/**
 * Claim (fails): "The retry loop `for i < max: try call; catch sleep(base·2^i + rand(jitter))`" — run as
 * written beside a correct one, on the same crowd and the same failing service.
 */
import { World, type Env } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { BurstClient } from '../burst';
import type { ResilienceMessage } from '../messages';
import { ServiceNode } from '../service';
import { StudyLoopClient } from '../study-loop';
import { policy, round } from './common';

const MAX = 8;
const BASE_MS = 100;
const JITTER_MS = 10;
const CAP_MS = 1_000;

interface Figures {
  /** Requests that ended with the caller told it failed. */
  errorsReported: number;
  /** Requests that ended as if they succeeded (undefined returned) though every attempt failed. */
  swallowed: number;
  /** Mean time from the last answer to the caller getting control back. */
  idleAfterLastMs: number;
  longestSleepMs: number;
  /** Attempts per request the server will always reject as malformed. */
  attemptsOnBadRequest: number;
  /** Most retries arriving in one 10 ms bin. */
  peakPer10ms: number;
  finishedMs: number;
}

function service(env: Env<ResilienceMessage>, down: boolean): ServiceNode {
  const node = new ServiceNode(env, {
    service: 'b',
    workers: 64,
    queue: 4_096,
    workMedianMs: 1,
    workP99Ms: 2,
    dependencies: [],
    routes: {},
  });
  if (down) node.setMode({ kind: 'refuse' });
  return node;
}

function run(seed: number, clients: number, loop: 'as-written' | 'correct', bad: boolean): Figures {
  const world = new World({
    seed,
    network: { latency: { kind: 'uniform', min: 1, max: 2 } },
    freezeMessages: false,
  });
  const arrivals: number[] = [];
  const lastAnswer = new Map<string, number>();
  const figures: Figures = {
    errorsReported: 0,
    swallowed: 0,
    idleAfterLastMs: 0,
    longestSleepMs: 0,
    attemptsOnBadRequest: 0,
    peakPer10ms: 0,
    finishedMs: 0,
  };
  let idle = 0;
  let finished = 0;
  let attempts = 0;
  world.addNode('b', (env: Env<ResilienceMessage>) => {
    const inner = service(env, !bad);
    return {
      onMessage: (from, msg) => {
        if (msg.type === 'call') arrivals.push(world.now());
        inner.onMessage(from, msg);
      },
      snapshot: () => inner.snapshot(),
    };
  });
  const end = (client: string, failed: boolean, n: number, swallowed: boolean) => {
    finished++;
    attempts += n;
    if (failed && !swallowed) figures.errorsReported++;
    if (swallowed) figures.swallowed++;
    idle += world.now() - (lastAnswer.get(client) ?? world.now());
    figures.finishedMs = world.now();
  };
  for (let i = 0; i < clients; i++) {
    const id = `c${i + 1}`;
    if (loop === 'as-written')
      world.addNode(
        id,
        (env: Env<ResilienceMessage>) =>
          new StudyLoopClient(env, {
            target: 'b',
            atMs: 0,
            maxAttempts: MAX,
            baseMs: BASE_MS,
            jitterMs: JITTER_MS,
            bad,
            answered: (client) => lastAnswer.set(client, world.now()),
            finished: (client, returned, n, longest) => {
              figures.longestSleepMs = Math.max(figures.longestSleepMs, longest);
              end(client, returned === 'undefined', n, returned === 'undefined');
            },
          }),
      );
    else
      world.addNode(
        id,
        (env: Env<ResilienceMessage>) =>
          new BurstClient(env, {
            target: 'b',
            instances: ['b'],
            policy: policy({
              timeoutMs: 5_000,
              retry: { backoff: 'full', maxAttempts: MAX, baseMs: BASE_MS, capMs: CAP_MS },
            }),
            atMs: 0,
            count: 1,
            route: 'study',
            bad,
            observer: { attempt: (r) => lastAnswer.set(r.caller, world.now()) },
            finished: (client, outcome, n) => end(client, outcome !== 'ok', n, false),
          }),
      );
  }
  world.runUntilQuiet(600_000);
  if (finished !== clients) throw new Error(`${clients - finished} clients never finished`);
  figures.idleAfterLastMs = idle / clients;
  figures.attemptsOnBadRequest = bad ? attempts / clients : 0;
  const bins = new Map<number, number>();
  for (const t of arrivals) {
    if (t < 50) continue;
    const bin = Math.floor(t / 10);
    const n = (bins.get(bin) ?? 0) + 1;
    bins.set(bin, n);
    figures.peakPer10ms = Math.max(figures.peakPer10ms, n);
  }
  if (loop === 'correct')
    for (let i = 0; i < clients; i++)
      figures.longestSleepMs = Math.max(
        figures.longestSleepMs,
        world.node<BurstClient>(`c${i + 1}`).caller.longestSleepMs,
      );
  return figures;
}

export const retryLoopAsWritten: Scenario = {
  id: 'retry-loop-as-written',
  title: 'The study retry loop, run as written, beside a correct one',
  claim: 'The retry loop `for i < max: try call; catch sleep(base·2^i + rand(jitter))`.',
  expected: 'fails',
  corrected:
    'Retry only retryable errors, never sleep after the last attempt, raise the last error, cap each sleep, and draw the sleep from the whole backoff window (full jitter) rather than adding a small jitter to it.',
  rows: ['H2'],
  run({ seed, quick }): ScenarioResult {
    const crowd = quick ? 300 : 1_000;
    const writtenDown = run(seed, crowd, 'as-written', false);
    const correctDown = run(seed, crowd, 'correct', false);
    const writtenBad = run(seed, 20, 'as-written', true);
    const correctBad = run(seed, 20, 'correct', true);
    const flaws = {
      sleepsAfterLast:
        writtenDown.idleAfterLastMs >= BASE_MS * 2 ** (MAX - 1) && correctDown.idleAfterLastMs === 0,
      swallows:
        writtenDown.swallowed === crowd &&
        writtenDown.errorsReported === 0 &&
        correctDown.errorsReported === crowd,
      noCap: writtenDown.longestSleepMs > CAP_MS && correctDown.longestSleepMs <= CAP_MS,
      retriesNonRetryable: writtenBad.attemptsOnBadRequest === MAX && correctBad.attemptsOnBadRequest === 1,
      // "Bunched": a 10 ms bin holds over half the crowd (the additive jitter is as wide as one bin).
      bunched: writtenDown.peakPer10ms > crowd / 2 && correctDown.peakPer10ms <= crowd / 5,
    };
    const all = Object.values(flaws).every(Boolean);
    const row = (name: string, down: Figures, bad: Figures) => [
      name,
      down.errorsReported,
      down.swallowed,
      round(down.idleAfterLastMs),
      round(down.longestSleepMs),
      bad.attemptsOnBadRequest,
      down.peakPer10ms,
      round(down.finishedMs),
    ];
    return {
      observed: all ? 'fails' : 'holds',
      summary:
        `${crowd} clients against a service that refuses every call, ${MAX} attempts, base ${BASE_MS} ms, jitter ${JITTER_MS} ms: the loop as written ` +
        `returned as if successful for ${writtenDown.swallowed} of ${crowd} failed requests, sat idle ${round(writtenDown.idleAfterLastMs)} ms after its last attempt ` +
        `(a sleep of up to ${round(writtenDown.longestSleepMs)} ms, uncapped), made ${writtenBad.attemptsOnBadRequest} attempts on a request the server rejects as malformed, ` +
        `and up to ${writtenDown.peakPer10ms} retries hit the service in one 10 ms bin. The correct loop reported all ${correctDown.errorsReported} errors at once, ` +
        `tried the malformed request ${correctBad.attemptsOnBadRequest}×, capped sleeps at ${CAP_MS} ms and spread retries to at most ${correctDown.peakPer10ms} per 10 ms.`,
      measurements: {
        writtenSwallowed: writtenDown.swallowed,
        correctReported: correctDown.errorsReported,
        writtenIdleAfterLastMs: writtenDown.idleAfterLastMs,
        correctIdleAfterLastMs: correctDown.idleAfterLastMs,
        writtenLongestSleepMs: writtenDown.longestSleepMs,
        writtenAttemptsOnBadRequest: writtenBad.attemptsOnBadRequest,
        correctAttemptsOnBadRequest: correctBad.attemptsOnBadRequest,
        writtenPeakPer10ms: writtenDown.peakPer10ms,
        correctPeakPer10ms: correctDown.peakPer10ms,
      },
      tables: [
        {
          title: `The same crowd of ${crowd} against a refusing service (and 20 malformed requests to a healthy one)`,
          columns: [
            'loop',
            'errors reported',
            'failures returned as success',
            'idle after last attempt (ms)',
            'longest sleep (ms)',
            'attempts on a malformed request',
            'most retries per 10 ms',
            'last client done (ms)',
          ],
          rows: [row('as written', writtenDown, writtenBad), row('correct', correctDown, correctBad)],
        },
      ],
      counterexample: flaws,
    };
  },
};
