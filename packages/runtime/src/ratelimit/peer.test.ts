// Our fixed window against rate-limiter-flexible's memory limiter (its algorithm: a counter per key whose
// window opens at the first request after the previous one expired) on the same traces, in one run:
// the same requests admitted, the same remaining points and time to reset. The peer reads Date.now()
// and sets timers, so the test drives both with vitest's fake clock.
import fc from 'fast-check';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateLimiting } from '@dslab/systems';

afterEach(() => {
  vi.useRealTimers();
});

interface Step {
  readonly at: number;
  readonly key: string;
}

async function peerDecisions(steps: readonly Step[], points: number, durationSeconds: number) {
  vi.useFakeTimers({ now: 0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  const peer = new RateLimiterMemory({ points, duration: durationSeconds });
  const out: { admitted: boolean; remaining: number; resetMs: number }[] = [];
  let clock = 0;
  for (const { at, key } of steps) {
    vi.advanceTimersByTime(at - clock);
    clock = at;
    const res: RateLimiterRes = await peer.consume(key).then(
      (r) => r,
      (r: RateLimiterRes) => r,
    );
    out.push({
      admitted: res.consumedPoints <= points,
      remaining: res.remainingPoints,
      resetMs: res.msBeforeNext,
    });
  }
  vi.useRealTimers();
  return out;
}

function ourDecisions(steps: readonly Step[], points: number, durationSeconds: number) {
  const limiters = new Map<string, rateLimiting.Limiter>();
  return steps.map(({ at, key }) => {
    let limiter = limiters.get(key);
    if (limiter === undefined) {
      limiter = rateLimiting.createLimiter({
        kind: 'fixed-window',
        limit: points,
        windowMs: durationSeconds * 1_000,
        anchor: 'first-request',
      });
      limiters.set(key, limiter);
    }
    const d = limiter.attempt(at);
    return { admitted: d.admitted, remaining: d.remaining, resetMs: d.resetMs };
  });
}

const stepsArb = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3_000 })),
      key: fc.constantFrom('a', 'b', 'c'),
    }),
    {
      minLength: 1,
      maxLength: 200,
    },
  )
  .map((raw) => {
    let t = 0;
    return raw.map(({ gap, key }) => ({ at: (t += gap), key }));
  });

describe('fixed window against rate-limiter-flexible (RateLimiterMemory) on the same traces', () => {
  it('admits the same requests, with the same remaining points and time to reset', async () => {
    await fc.assert(
      fc.asyncProperty(
        stepsArb,
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, points, duration) => {
          const peer = await peerDecisions(steps, points, duration);
          const ours = ourDecisions(steps, points, duration);
          expect(ours.map((d) => d.admitted)).toEqual(peer.map((d) => d.admitted));
          expect(ours.map((d) => d.remaining)).toEqual(peer.map((d) => d.remaining));
          expect(ours.map((d) => Math.round(d.resetMs))).toEqual(peer.map((d) => d.resetMs));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('on a flood across window ends: both admit exactly the limit per window', async () => {
    const steps = Array.from({ length: 3_000 }, (_, i) => ({ at: i, key: 'flood' })); // 1 request/ms for 3 s
    const peer = await peerDecisions(steps, 100, 1);
    const ours = ourDecisions(steps, 100, 1);
    const admittedPeer = peer.filter((d) => d.admitted).length;
    expect(ours.filter((d) => d.admitted).length).toBe(admittedPeer);
    expect(admittedPeer).toBe(300);
  });
});
