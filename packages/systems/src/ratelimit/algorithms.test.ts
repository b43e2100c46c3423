import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FixedWindow,
  Gcra,
  LeakyMeter,
  SlidingLog,
  SlidingWindowCounter,
  TokenBucket,
  createLimiter,
  type Limiter,
  type Policy,
} from './algorithms';
import { HierarchicalLimiter, SketchHierarchy } from './hierarchical';
import { LeakyQueue } from './leaky-queue';
import { arrivalCurveExcess, maxInAnyWindow, monitorFor } from './promises';

/** Sorted request times (ms), with ties: bursts arrive in the same millisecond. */
const traceArb = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 400 })), {
    minLength: 1,
    maxLength: 300,
  })
  .map((gaps) => {
    let t = 0;
    return gaps.map((g) => (t += g));
  });

const policyArb = fc.record({
  limit: fc.integer({ min: 1, max: 20 }),
  windowMs: fc.integer({ min: 10, max: 2_000 }),
  burst: fc.integer({ min: 1, max: 30 }),
});

function feed(limiter: Limiter, times: readonly number[]) {
  const admitted: number[] = [];
  const decisions = times.map((t) => {
    const d = limiter.attempt(t);
    if (d.admitted) admitted.push(t);
    return d;
  });
  return { admitted, decisions };
}

describe('every algorithm keeps the bound it promises, over any window it promises (fast-check)', () => {
  it('token bucket, leaky meter and GCRA: at most burst + rate·T over any interval T, and never refuse with room', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs, burst }) => {
        const rate = limit / windowMs;
        for (const limiter of [
          new TokenBucket(burst, rate),
          new LeakyMeter(burst, rate),
          new Gcra(burst, rate),
        ]) {
          const { admitted } = feed(limiter, times);
          expect(arrivalCurveExcess(admitted, burst, rate)).toBeLessThanOrEqual(1e-6);
          const monitor = monitorFor({ kind: limiter.kind, limit, windowMs, burst });
          const replay = createLimiter({ kind: limiter.kind, limit, windowMs, burst });
          for (const t of times)
            expect(monitor.observe({ at: t, cost: 1, admitted: replay.attempt(t).admitted })).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('token bucket, leaky meter and GCRA admit the same requests (one arrival curve, three formulations)', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs, burst }) => {
        const rate = limit / windowMs;
        const a = feed(new TokenBucket(burst, rate), times).admitted;
        const b = feed(new LeakyMeter(burst, rate), times).admitted;
        const c = feed(new Gcra(burst, rate), times).admitted;
        expect(b).toEqual(a);
        expect(c).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('fixed window: at most limit per aligned window, at most 2·limit in any window of its length', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs }) => {
        const { admitted } = feed(new FixedWindow(limit, windowMs), times);
        const perWindow = new Map<number, number>();
        for (const t of admitted)
          perWindow.set(Math.floor(t / windowMs), (perWindow.get(Math.floor(t / windowMs)) ?? 0) + 1);
        for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(limit);
        expect(maxInAnyWindow(admitted, windowMs)).toBeLessThanOrEqual(2 * limit);
        const monitor = monitorFor({ kind: 'fixed-window', limit, windowMs });
        const replay = new FixedWindow(limit, windowMs);
        for (const t of times)
          expect(monitor.observe({ at: t, cost: 1, admitted: replay.attempt(t).admitted })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('fixed window anchored at the first request keeps the same promise for its own windows', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs }) => {
        const policy: Policy = { kind: 'fixed-window', limit, windowMs, anchor: 'first-request' };
        const monitor = monitorFor(policy);
        const limiter = createLimiter(policy);
        for (const t of times)
          expect(monitor.observe({ at: t, cost: 1, admitted: limiter.attempt(t).admitted })).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('sliding log: at most limit in every window (t − W, t], refusing only when it is full', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs }) => {
        const { admitted } = feed(new SlidingLog(limit, windowMs), times);
        expect(maxInAnyWindow(admitted, windowMs)).toBeLessThanOrEqual(limit);
        const monitor = monitorFor({ kind: 'sliding-log', limit, windowMs });
        const replay = new SlidingLog(limit, windowMs);
        for (const t of times)
          expect(monitor.observe({ at: t, cost: 1, admitted: replay.attempt(t).admitted })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('sliding-window counter: at most limit per aligned window and 2·limit in any window', () => {
    fc.assert(
      fc.property(traceArb, policyArb, (times, { limit, windowMs }) => {
        const { admitted } = feed(new SlidingWindowCounter(limit, windowMs), times);
        expect(maxInAnyWindow(admitted, windowMs)).toBeLessThanOrEqual(2 * limit);
        const monitor = monitorFor({ kind: 'sliding-window-counter', limit, windowMs });
        const replay = new SlidingWindowCounter(limit, windowMs);
        for (const t of times)
          expect(monitor.observe({ at: t, cost: 1, admitted: replay.attempt(t).admitted })).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('leaky bucket as a queue: departures at least one interval apart, never more than capacity waiting', () => {
    fc.assert(
      fc.property(
        traceArb,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 100 }),
        (times, capacity, intervalMs) => {
          const queue = new LeakyQueue(capacity, intervalMs);
          const departures: number[] = [];
          for (const t of times) {
            const before = queue.depth(t);
            const q = queue.offer(t);
            expect(q.accepted).toBe(before < capacity);
            expect(q.depth).toBeLessThanOrEqual(capacity);
            if (q.accepted) {
              expect(q.departAt).toBeGreaterThanOrEqual(t);
              departures.push(q.departAt);
            }
          }
          for (let i = 1; i < departures.length; i++)
            expect((departures[i] as number) - (departures[i - 1] as number)).toBeGreaterThanOrEqual(
              intervalMs - 1e-9,
            );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a refused request retried exactly after Retry-After is admitted (no other traffic)', () => {
    fc.assert(
      fc.property(
        traceArb,
        policyArb,
        fc.integer({ min: 0, max: 5 }),
        (times, { limit, windowMs, burst }, k) => {
          const kind = (
            [
              'token-bucket',
              'leaky-meter',
              'gcra',
              'fixed-window',
              'sliding-log',
              'sliding-window-counter',
            ] as const
          )[k] as Policy['kind'];
          const limiter = createLimiter({ kind, limit, windowMs, burst });
          let last;
          for (const t of times) last = { t, d: limiter.attempt(t) };
          if (last === undefined || last.d.admitted) return;
          expect(limiter.attempt(last.t + last.d.retryAfterMs + 1e-6).admitted).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the broken variants are caught by the monitors', () => {
  it('a token bucket that refills past capacity breaks its bound after an idle spell', () => {
    const bucket = new TokenBucket(10, 0.01, 'token-bucket-overfill');
    const monitor = monitorFor({ kind: 'token-bucket', limit: 10, windowMs: 1_000, burst: 10 });
    const problems = [monitor.observe({ at: 0, cost: 1, admitted: bucket.attempt(0).admitted })];
    for (let i = 0; i < 30; i++)
      problems.push(monitor.observe({ at: 5_000, cost: 1, admitted: bucket.attempt(5_000).admitted }));
    expect(problems.find((p) => p !== undefined)?.side).toBe('bound');
  });

  it('a fixed window that never resets refuses with room: the fairness side catches it', () => {
    const window = new FixedWindow(5, 1_000, 'aligned', 'fixed-window-no-reset');
    const monitor = monitorFor({ kind: 'fixed-window', limit: 5, windowMs: 1_000 });
    const problems = [0, 1, 2, 3, 4, 5, 1_500].map((t) =>
      monitor.observe({ at: t, cost: 1, admitted: window.attempt(t).admitted }),
    );
    expect(problems.at(-1)?.side).toBe('fairness');
  });
});

describe('hierarchical limiter', () => {
  const spec = {
    global: { capacity: 10, ratePerMs: 0.01 },
    tenant: { capacity: 5, ratePerMs: 0.005 },
    endpoint: { capacity: 3, ratePerMs: 0.003 },
  };

  it('checks every level, charges only on admission, and says which level refused', () => {
    const h = new HierarchicalLimiter(spec);
    const decisions = Array.from({ length: 4 }, () => h.attempt(0, 't1', 'GET /a'));
    expect(decisions.map((d) => d.admitted)).toEqual([true, true, true, false]);
    expect(decisions[3]?.refusedBy).toBe('endpoint');
    // Another endpoint of the same tenant: the tenant has 2 left.
    expect([
      h.attempt(0, 't1', 'GET /b').admitted,
      h.attempt(0, 't1', 'GET /b').admitted,
      h.attempt(0, 't1', 'GET /b').admitted,
    ]).toEqual([true, true, false]);
    expect(h.attempt(0, 't1', 'GET /c').refusedBy).toBe('tenant');
    expect(h.conservationProblem()).toBeUndefined();
    // Retry-After covers every level: after it, the same request is admitted.
    const refused = h.attempt(0, 't1', 'GET /a');
    expect(h.attempt(refused.retryAfterMs ?? 0, 't1', 'GET /a').admitted).toBe(true);
  });

  it('the mutant that charges before the endpoint refuses breaks conservation', () => {
    const h = new HierarchicalLimiter(spec, 'hierarchy-charges-on-refusal');
    for (let i = 0; i < 4; i++) h.attempt(0, 't1', 'GET /a');
    expect(h.conservationProblem()).toMatch(/charged 4 tokens for 3 admitted/);
  });

  it('the sketch lets a tenant past its limit through its endpoints', () => {
    const sketch = new SketchHierarchy(spec);
    let admitted = 0;
    for (const endpoint of ['a', 'b', 'c', 'd'])
      for (let i = 0; i < 3; i++) if (sketch.attempt(0, 't1', endpoint).admitted) admitted++;
    expect(admitted).toBe(12); // tenant capacity 5, global 10: only the endpoints (3 each) were checked
  });
});
