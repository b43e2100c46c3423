// Our circuit breaker beside cockatiel's and opossum's, in one process: the same sequence of call
// outcomes fed to each, one call at a time, and what each did with every call (let it through or
// refused it) and the state it was in afterwards. Used by the conformance test
// (resilience-peers.test.ts) and the per-call overhead benchmark (resilience.bench.ts).
//
// Time: the caller moves it. Our breaker takes `now` as an argument; cockatiel reads Date.now() and
// opossum uses Date.now(), setTimeout (its reset timer) and setInterval (its rolling buckets), so the
// test runs them under fake timers and `advance` moves all three together.
import {
  ConsecutiveBreaker,
  CountBreaker,
  circuitBreaker,
  handleAll,
  BrokenCircuitError,
  CircuitState,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import { resilience } from '@dslab/systems';

export type Step = { readonly dt: number; readonly fail: boolean };
/** What happened to one call: 'r' refused, or the state after it ran: 'c' closed, 'o' open, 'h' half-open. */
export type Seen = 'r' | 'c' | 'o' | 'h';

export interface Contender {
  call(fail: boolean): Promise<Seen>;
  close?(): void;
}

const letter = (state: string): Seen => (state === 'closed' ? 'c' : state === 'open' ? 'o' : 'h');

export function ours(config: resilience.BreakerConfig, now: () => number): Contender {
  const breaker = new resilience.CircuitBreaker(config);
  return {
    async call(fail) {
      const permit = breaker.tryAcquire(now());
      if (!permit) return 'r';
      await Promise.resolve();
      if (fail) breaker.onFailure(now(), permit);
      else breaker.onSuccess(now(), permit);
      return letter(breaker.state(now()));
    },
  };
}

function cockatielState(state: CircuitState): Seen {
  return state === CircuitState.Closed ? 'c' : state === CircuitState.HalfOpen ? 'h' : 'o';
}

export function cockatiel(
  kind: 'consecutive' | 'count',
  options: { failures?: number; size?: number; minimum?: number; rate?: number; openMs: number },
): Contender {
  const breaker =
    kind === 'consecutive'
      ? new ConsecutiveBreaker(options.failures ?? 5)
      : new CountBreaker({
          threshold: options.rate ?? 0.5,
          size: options.size ?? 20,
          minimumNumberOfCalls: options.minimum ?? 20,
        });
  const policy = circuitBreaker(handleAll, { halfOpenAfter: options.openMs, breaker });
  return {
    async call(fail) {
      try {
        await policy.execute(async () => {
          if (fail) throw new Error('failed');
          return 1;
        });
      } catch (error) {
        if (error instanceof BrokenCircuitError) return 'r';
      }
      return cockatielState(policy.state);
    },
  };
}

export function opossum(options: {
  windowMs: number;
  buckets: number;
  volume: number;
  percent: number;
  openMs: number;
}): Contender {
  const breaker = new CircuitBreaker(
    async (fail: boolean) => {
      if (fail) throw new Error('failed');
      return 1;
    },
    {
      timeout: false,
      resetTimeout: options.openMs,
      rollingCountTimeout: options.windowMs,
      rollingCountBuckets: options.buckets,
      errorThresholdPercentage: options.percent,
      volumeThreshold: options.volume,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    },
  );
  return {
    async call(fail) {
      try {
        await breaker.fire(fail);
      } catch (error) {
        if ((error as { code?: string }).code === 'EOPENBREAKER') return 'r';
      }
      return breaker.opened ? 'o' : breaker.halfOpen ? 'h' : 'c';
    },
    close: () => breaker.shutdown(),
  };
}

/** Feeds `steps` to each contender in turn, `advance(dt)` moving time before each call. */
export async function feed(
  contenders: Record<string, Contender>,
  steps: readonly Step[],
  advance: (ms: number) => void,
): Promise<Record<string, string>> {
  const seen: Record<string, string[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const step of steps) {
    advance(step.dt);
    for (const [name, contender] of Object.entries(contenders))
      (seen[name] as string[]).push(await contender.call(step.fail));
  }
  for (const contender of Object.values(contenders)) contender.close?.();
  return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, v.join('')]));
}

/** A sequence of outcomes with spells of failures (rate `bad`) between healthy ones (rate `good`). */
export function spells(
  random: () => number,
  length: number,
  dtMs: number,
  good: number,
  bad: number,
): Step[] {
  const steps: Step[] = [];
  let failing = false;
  for (let i = 0; i < length; i++) {
    if (random() < 0.05) failing = !failing;
    steps.push({ dt: dtMs, fail: random() < (failing ? bad : good) });
  }
  return steps;
}
