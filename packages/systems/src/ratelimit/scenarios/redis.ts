/**
 * The Redis scripts' claims, run on the simulator's Redis (redis-model.ts) against a clock the scenario
 * advances. The same scripts in Lua run on real Redis 7 in packages/runtime/src/ratelimit/redis.test.ts,
 * which checks they do what these runs measured.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { arrivalCurveExcess, maxInAnyWindow } from '../promises';
import { evalScript, RedisModel } from '../redis-model';
import {
  getIncrExpire,
  studyBucketAsWritten,
  studyBucketToNumber,
  studyRefill,
  tokenBucketCallerNow,
  tokenBucketServerTime,
  zsetWindow,
} from '../redis-scripts';
import { even, round } from '../traces';

const N = 100;
const W = 1_000;
/** The simulated server's clock starts at a realistic Unix time (TIME's seconds are large numbers). */
const EPOCH = 1_764_000_000_000;

/** Runs `script` at each time of the trace, with the clock set to it; the admitted times and the errors. */
function drive(
  trace: readonly number[],
  script: (redis: RedisModel, i: number) => number[] | number,
  before?: (redis: RedisModel, t: number) => void,
): { admitted: number[]; errors: string[]; redis: RedisModel } {
  let now = EPOCH;
  const redis = new RedisModel(() => now);
  const admitted: number[] = [];
  const errors: string[] = [];
  trace.forEach((t, i) => {
    now = EPOCH + t;
    before?.(redis, t);
    const reply = evalScript(redis, (r) => script(r, i));
    if (!reply.ok) errors.push(reply.error);
    else if ((Array.isArray(reply.value) ? reply.value[0] : reply.value) === 1) admitted.push(t);
  });
  return { admitted, errors, redis };
}

/**
 * One request at 0 (which opens a window that starts at the first request), then a flood at 20× the
 * limit from 0.95 W: a window's whole count is spent in its last 50 ms and again in the next 50 ms.
 */
function boundaryFlood(): number[] {
  return [0, ...even((20 * N) / W, 0.95 * W, 3 * W)];
}

/** A background job that SETs the bucket back to capacity every `everyMs` (the study's refill). */
function backgroundRefill(everyMs: number, capacity: number) {
  let next = 0;
  return (redis: RedisModel, t: number) => {
    while (t >= next) {
      studyRefill(redis, 'bucket', capacity);
      next += everyMs;
    }
  };
}

export const luaBucketAsWritten: Scenario = {
  id: 'lua-token-bucket-as-written',
  title: 'The study’s Lua token bucket on Redis 7',
  claim:
    'The Lua token bucket (GET; if tokens > 0 then DECR; refill in the background) enforces the limit atomically.',
  expected: 'fails',
  corrected:
    'As written it errors on every call in Redis 7 (GET returns a string, or false for a missing key, and Lua will not compare either with a number). With tonumber it runs, but a background reset to capacity is a fixed window: 2× the limit around a reset. A bucket refilled lazily from TIME inside the script keeps the bound.',
  rows: ['H3'],
  run(): ScenarioResult {
    // Half the calls before the first refill ever ran (missing key), half after.
    const probe = even(0.1, 0, 1_000);
    let refilled = false;
    const asWritten = drive(
      probe,
      (r) => studyBucketAsWritten(r, 'bucket'),
      (redis, t) => {
        if (t >= 500 && !refilled) {
          studyRefill(redis, 'bucket', N);
          refilled = true;
        }
      },
    );
    const kinds = new Set(asWritten.errors);
    // A flood at 20× from 0.95 s: with tonumber and a reset every second, then the lazy bucket.
    const flood = boundaryFlood();
    const toNumber = drive(flood, (r) => studyBucketToNumber(r, 'bucket'), backgroundRefill(W, N));
    const lazy = drive(flood, (r) =>
      tokenBucketServerTime(r, 'bucket', { capacity: N, ratePerMs: N / W, cost: 1 }),
    );
    const toNumberTenth = maxInAnyWindow(toNumber.admitted, W / 10);
    const lazyTenth = maxInAnyWindow(lazy.admitted, W / 10);
    const lazyExcess = arrivalCurveExcess(lazy.admitted, N, N / W);
    const fails =
      asWritten.errors.length === probe.length &&
      toNumberTenth >= 1.9 * N &&
      lazyExcess <= 1e-6 &&
      lazyTenth <= 1.1 * N + 1;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `As written, ${asWritten.errors.length} of ${probe.length} calls errored (${[...kinds].join('; ')}). ` +
        `With tonumber and a reset every second it admitted ${toNumberTenth} within 100 ms of a reset (${round(toNumberTenth / N, 2)}× the limit); ` +
        `the bucket refilled from TIME in the script admitted ${lazyTenth} (worst excess over burst + rate·T across all intervals: ${round(Math.max(0, lazyExcess), 3)}).`,
      measurements: {
        calls: probe.length,
        errors: asWritten.errors.length,
        toNumberPeakTenth: toNumberTenth,
        lazyPeakTenth: lazyTenth,
        lazyExcess: round(lazyExcess, 6),
      },
      tables: [
        {
          title: 'Errors of the script as written',
          columns: ['error', 'calls'],
          rows: [...kinds].map((k) => [k, asWritten.errors.filter((e) => e === k).length]),
        },
      ],
    };
  },
};

export const getIncrExpireIsFixedWindow: Scenario = {
  id: 'get-incr-expire-is-a-fixed-window',
  title: 'GET/INCR/EXPIRE is a fixed-window counter',
  claim: 'The GET/INCR/EXPIRE script is a token bucket.',
  expected: 'partly',
  corrected:
    'It is a fixed-window counter (2× the limit around a window’s end); renewing EXPIRE on every admitted request without a window id keeps the key alive under steady traffic, so a client well under the limit is eventually blocked.',
  rows: ['H3'],
  run(): ScenarioResult {
    const seconds = 10;
    const flood = boundaryFlood();
    const counter = drive(flood, (r) => getIncrExpire(r, 'c', N, 1, 'expire-first'));
    const bucket = drive(flood, (r) =>
      tokenBucketServerTime(r, 'b', { capacity: N, ratePerMs: N / W, cost: 1 }),
    );
    // A slow, steady client at half the limit.
    const steady = even(N / 2 / W, 0, seconds * W);
    const rows: (string | number)[][] = [];
    const refusedBy: Record<string, number> = {};
    for (const variant of ['expire-first', 'expire-renewed', 'window-id'] as const) {
      const run = drive(steady, (r) => getIncrExpire(r, 'k', N, 1, variant));
      refusedBy[variant] = steady.length - run.admitted.length;
      rows.push([variant, steady.length, run.admitted.length, refusedBy[variant] as number]);
    }
    const counterTenth = maxInAnyWindow(counter.admitted, W / 10);
    const bucketTenth = maxInAnyWindow(bucket.admitted, W / 10);
    const fixedWindowLike = counterTenth >= 1.9 * N && bucketTenth <= 1.1 * N + 1;
    const renewedBlocks = (refusedBy['expire-renewed'] as number) > 0 && refusedBy['window-id'] === 0;
    return {
      observed:
        fixedWindowLike && renewedBlocks ? 'partly' : fixedWindowLike || renewedBlocks ? 'fails' : 'holds',
      summary:
        `Flooded from 0.95 s the counter admitted ${counterTenth} within 100 ms of its window's end (a token bucket: ${bucketTenth}). ` +
        `A client at half the limit for ${seconds} s was refused ${refusedBy['expire-renewed']} times when EXPIRE is renewed on every request, ` +
        `${refusedBy['expire-first']} when it is set once, ${refusedBy['window-id']} with the window in the key.`,
      measurements: {
        counterPeakTenth: counterTenth,
        bucketPeakTenth: bucketTenth,
        renewedRefused: refusedBy['expire-renewed'] as number,
        windowIdRefused: refusedBy['window-id'] as number,
      },
      tables: [
        {
          title: `A steady client at ${N / 2} per second against a limit of ${N} per second`,
          columns: ['EXPIRE', 'requests', 'admitted', 'refused'],
          rows,
        },
      ],
    };
  },
};

export const zsetBlocksRetries: Scenario = {
  id: 'sorted-set-window-blocks-retries',
  title: 'The sorted-set sliding window counts refused requests',
  claim: 'The sorted-set sliding window enforces the limit.',
  expected: 'partly',
  corrected:
    'It never admits more than the limit, but ZADD runs for refused requests too, so a client that keeps retrying faster than limit/window stays blocked forever. Add the request only when it is admitted.',
  rows: ['H3'],
  run(): ScenarioResult {
    const seconds = 10;
    const retrying = even((2 * N) / W, 0, seconds * W);
    const polite = even((0.8 * N) / W, 0, seconds * W);
    const rows: (string | number)[][] = [];
    const after: Record<string, number> = {};
    const politeRefused: Record<string, number> = {};
    const peak: Record<string, number> = {};
    for (const variant of ['as-written', 'add-if-admitted'] as const) {
      const run = drive(retrying, (r, i) => zsetWindow(r, 'z', N, W, `m${i}`, variant));
      after[variant] = run.admitted.filter((t) => t >= W).length;
      peak[variant] = maxInAnyWindow(run.admitted, W);
      const ok = drive(polite, (r, i) => zsetWindow(r, 'z', N, W, `m${i}`, variant));
      politeRefused[variant] = polite.length - ok.admitted.length;
      rows.push([
        variant,
        run.admitted.length - (after[variant] as number),
        after[variant] as number,
        peak[variant] as number,
        politeRefused[variant] as number,
      ]);
    }
    const blocked = after['as-written'] === 0;
    const fixedServes = (after['add-if-admitted'] as number) >= 0.95 * N * (seconds - 1);
    const bounded = (peak['as-written'] as number) <= N && (peak['add-if-admitted'] as number) <= N;
    const politeOk = politeRefused['as-written'] === 0 && politeRefused['add-if-admitted'] === 0;
    return {
      observed:
        blocked && fixedServes && bounded && politeOk ? 'partly' : bounded && !blocked ? 'holds' : 'fails',
      summary:
        `A client sending 2× the limit for ${seconds} s got ${after['as-written']} requests through after the first second with the script as written ` +
        `(${after['add-if-admitted']} when only admitted requests are added). The most either admitted in any second: ${Math.max(peak['as-written'] as number, peak['add-if-admitted'] as number)} (limit ${N}); ` +
        `a client at 0.8× the limit was refused ${(politeRefused['as-written'] as number) + (politeRefused['add-if-admitted'] as number)} times.`,
      measurements: {
        asWrittenAfterFirstWindow: after['as-written'] as number,
        fixedAfterFirstWindow: after['add-if-admitted'] as number,
        asWrittenPeak: peak['as-written'] as number,
        politeRefused: (politeRefused['as-written'] as number) + (politeRefused['add-if-admitted'] as number),
      },
      tables: [
        {
          title: `Limit ${N} per ${W} ms; a client retrying at ${2 * N} per second`,
          columns: [
            'script',
            'admitted in the first second',
            'admitted after it',
            'most in any second',
            'refused at 0.8× the limit',
          ],
          rows,
        },
      ],
    };
  },
};

export const callerNow: Scenario = {
  id: 'caller-supplied-now',
  title: 'A token bucket script that trusts the caller’s clock',
  claim: 'A caller-supplied `now` in the Lua script is fine.',
  expected: 'partly',
  corrected:
    'Only while every caller’s clock agrees. A caller behind moves the bucket’s time back and the next caller ahead is refilled for the skew again, so skew turns into over-admission; the server’s TIME has one clock.',
  rows: ['H3'],
  run({ quick }): ScenarioResult {
    const seconds = quick ? 10 : 60;
    // Two app servers alternate, together sending 10× the limit; the second one's clock is ahead.
    const trace = even((10 * N) / W, 0, seconds * W);
    const rows: (string | number)[][] = [];
    const rate: Record<string, number> = {};
    for (const skewMs of [0, 10, 100, 1_000]) {
      const caller = drive(trace, (r, i) =>
        tokenBucketCallerNow(
          r,
          'b',
          { capacity: N, ratePerMs: N / W, cost: 1 },
          EPOCH + (trace[i] as number) + (i % 2 === 1 ? skewMs : 0),
        ),
      );
      const server = drive(trace, (r) =>
        tokenBucketServerTime(r, 'b', { capacity: N, ratePerMs: N / W, cost: 1 }),
      );
      const callerRate = caller.admitted.filter((t) => t >= W).length / (seconds - 1) / N;
      const serverRate = server.admitted.filter((t) => t >= W).length / (seconds - 1) / N;
      rate[`caller${skewMs}`] = callerRate;
      rate[`server${skewMs}`] = serverRate;
      rows.push([skewMs, round(callerRate, 3), round(serverRate, 3)]);
    }
    // "Fine" means the admitted rate is the limit within 5% (the rounding of one window's count).
    const near = (x: number) => Math.abs(x - 1) <= 0.05;
    const fineWithoutSkew = near(rate.caller0 as number);
    const skewHurts = (rate.caller1000 as number) > 1.5;
    const serverFine = [0, 10, 100, 1_000].every((s) => near(rate[`server${s}`] as number));
    return {
      observed:
        fineWithoutSkew && skewHurts && serverFine
          ? 'partly'
          : fineWithoutSkew && !skewHurts
            ? 'holds'
            : 'fails',
      summary:
        `Admitted rate over the limit with the caller's now: ${round(rate.caller0 as number, 2)}× at 0 ms skew, ${round(rate.caller10 as number, 2)}× at 10 ms, ` +
        `${round(rate.caller100 as number, 2)}× at 100 ms, ${round(rate.caller1000 as number, 2)}× at 1 s; with the server's TIME ${round(rate.server1000 as number, 2)}× whatever the skew.`,
      measurements: rate,
      tables: [
        {
          title: `Two callers alternating at 10× a limit of ${N}/s; the second caller's clock ahead by the skew`,
          columns: ['skew (ms)', 'admitted / limit (caller now)', 'admitted / limit (server TIME)'],
          rows,
        },
      ],
    };
  },
};
