// Per-call overhead of a circuit breaker, ours against cockatiel's and opossum's, in one process with
// the same client cost: every call is an awaited async function that resolves (or, in the mixed run,
// rejects one call in ten), wrapped by each breaker in turn. Round robin over passes so a busy machine
// slows every contender alike; the first pass warms the JIT up, the best of the rest counts. The bare
// awaited call is measured too, so each breaker's own cost is its time minus the bare one.
//
// Which calls each breaker lets through on the same sequences is checked by resilience-peers.test.ts.
import { CountBreaker, circuitBreaker, handleAll } from 'cockatiel';
import CircuitBreaker from 'opossum';
import { resilience } from '@dslab/systems';
import type { Benchmark } from './benchmark';

const CALLS = Number(process.env.BENCH_ITEMS ?? 300_000);
const PASSES = 5;

type Call = (fail: boolean) => Promise<unknown>;

const work = async (fail: boolean) => {
  if (fail) throw new Error('failed');
  return 1;
};

function makers(): Record<string, () => { call: Call; close?: () => void }> {
  return {
    'bare call': () => ({ call: work }),
    ours: () => {
      // A count window over the last 100 calls at 50%: the mixed run's 10% never trips it.
      const breaker = new resilience.CircuitBreaker({
        window: { kind: 'count', size: 100, minimumCalls: 20, failureRate: 0.5 },
        openMs: 1_000,
        probes: 1,
      });
      return {
        call: async (fail) => {
          const permit = breaker.tryAcquire(performance.now());
          if (!permit) throw new Error('open');
          try {
            const value = await work(fail);
            breaker.onSuccess(performance.now(), permit);
            return value;
          } catch (error) {
            breaker.onFailure(performance.now(), permit);
            throw error;
          }
        },
      };
    },
    cockatiel: () => {
      const policy = circuitBreaker(handleAll, {
        halfOpenAfter: 1_000,
        breaker: new CountBreaker({ threshold: 0.5, size: 100, minimumNumberOfCalls: 20 }),
      });
      return { call: (fail) => policy.execute(() => work(fail)) };
    },
    opossum: () => {
      const breaker = new CircuitBreaker(work, {
        timeout: false,
        resetTimeout: 1_000,
        rollingCountTimeout: 10_000,
        rollingCountBuckets: 10,
        errorThresholdPercentage: 50,
        volumeThreshold: 20,
        // With its default (on), opossum keeps every latency in the window and concatenates them each
        // time it reads its stats — on every failure — which makes the mixed run quadratic.
        rollingPercentilesEnabled: false,
      });
      return { call: (fail) => breaker.fire(fail), close: () => breaker.shutdown() };
    },
  };
}

async function measure(failEvery: number): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let pass = 0; pass < PASSES; pass++) {
    for (const [name, make] of Object.entries(makers())) {
      const contender = make();
      const started = performance.now();
      for (let i = 0; i < CALLS; i++) {
        const fail = failEvery > 0 && i % failEvery === 0;
        await contender.call(fail).catch(() => undefined);
      }
      const nsPerCall = ((performance.now() - started) * 1e6) / CALLS;
      contender.close?.();
      if (pass > 0) best[name] = Math.min(best[name] ?? Infinity, nsPerCall);
    }
  }
  return best;
}

function report(best: Record<string, number>) {
  const time = (name: string) => best[name] as number;
  const bare = time('bare call');
  // A breaker's own cost is its time minus the bare call's; on a busy machine the difference can drown
  // in noise, so it is reported only when positive, and the ratios are of whole per-call times.
  const own = (name: string) => (time(name) > bare ? Math.round(time(name) - bare) : null);
  return {
    nsPerCall: Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)])),
    breakerOverheadNs: { ours: own('ours'), cockatiel: own('cockatiel'), opossum: own('opossum') },
    // Per-call time with each peer's breaker over ours (> 1: ours is cheaper), the same client cost in all.
    timeRatio: {
      cockatielOverOurs: Number((time('cockatiel') / time('ours')).toFixed(2)),
      opossumOverOurs: Number((time('opossum') / time('ours')).toFixed(2)),
    },
  };
}

const bench: Benchmark = {
  name: 'resilience',
  async run() {
    const allSucceed = report(await measure(0));
    const tenPercentFail = report(await measure(10));
    return { calls: CALLS, passes: PASSES, allSucceed, tenPercentFail };
  },
};

export default bench;
