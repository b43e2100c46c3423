import { describe, expect, it } from 'vitest';
import { Rng } from '@dslab/sim';
import { ConcurrencyLimiter } from './adaptive';
import { CircuitBreaker, type BreakerConfig, type Permit } from './breaker';
import { Bulkhead } from './bulkhead';
import { PhiAccrualDetector } from './phi';
import { RetryBudget, backoffMs, type RetryPolicy } from './retry';

function feed(breaker: CircuitBreaker, outcomes: string, start = 0, stepMs = 10) {
  const states: string[] = [];
  let t = start;
  for (const o of outcomes) {
    const permit = breaker.tryAcquire(t);
    if (permit) {
      if (o === 'x') breaker.onFailure(t + 1, permit);
      else breaker.onSuccess(t + 1, permit);
    }
    states.push(breaker.state(t + 1)[0] as string);
    t += stepMs;
  }
  return states.join('');
}

describe('circuit breaker', () => {
  const consecutive: BreakerConfig = { window: { kind: 'consecutive', failures: 3 }, openMs: 100, probes: 1 };

  it('opens after N failures in a row, refuses while open, half-opens after openMs, closes on a probe success', () => {
    const b = new CircuitBreaker(consecutive);
    expect(feed(b, 'xx.xxx')).toBe('ccccco');
    expect(b.tryAcquire(70)).toBeUndefined();
    expect(b.state(160)).toBe('half-open');
    const probe = b.tryAcquire(160) as Permit;
    expect(probe.probe).toBe(true);
    expect(b.tryAcquire(161)).toBeUndefined(); // one probe only
    b.onSuccess(170, probe);
    expect(b.state(170)).toBe('closed');
    expect(b.transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens when a probe fails, and ignores answers from an earlier period', () => {
    const b = new CircuitBreaker(consecutive);
    const early = b.tryAcquire(0) as Permit;
    feed(b, 'xxx', 1);
    expect(b.state(30)).toBe('open');
    b.onSuccess(40, early); // let through before it opened: says nothing now
    expect(b.state(40)).toBe('open');
    const probe = b.tryAcquire(200) as Permit;
    b.onFailure(205, probe);
    expect(b.state(205)).toBe('open');
    expect(b.state(304)).toBe('open');
    expect(b.state(305)).toBe('half-open');
  });

  it('trips a count window on the failure rate, at or above the threshold by default', () => {
    const config: BreakerConfig = {
      window: { kind: 'count', size: 10, minimumCalls: 10, failureRate: 0.3 },
      openMs: 100,
      probes: 1,
    };
    expect(feed(new CircuitBreaker(config), '.x..x....x')).toMatch(/o$/);
    expect(feed(new CircuitBreaker({ ...config, trip: 'above' }), '.x..x....x')).toMatch(/c$/);
    expect(feed(new CircuitBreaker(config), '.x..x....')).toMatch(/c$/); // under minimumCalls
  });

  it('forgets failures that left a time window', () => {
    const config: BreakerConfig = {
      window: { kind: 'time', windowMs: 1_000, buckets: 10, minimumCalls: 4, failureRate: 0.5 },
      openMs: 100,
      probes: 1,
    };
    const b = new CircuitBreaker(config);
    feed(b, 'xx', 0, 10);
    expect(b.windowCounts(50).failures).toBe(2);
    expect(b.windowCounts(1_200).calls).toBe(0);
    feed(b, '..', 1_200, 10);
    expect(b.state(1_300)).toBe('closed');
  });

  it('counts slow successes against a slow-call rate', () => {
    const b = new CircuitBreaker({
      window: { kind: 'count', size: 4, minimumCalls: 4, failureRate: 1, slowCallRate: 0.5 },
      slowCallMs: 50,
      openMs: 100,
      probes: 1,
    });
    for (let i = 0; i < 4; i++) {
      const p = b.tryAcquire(i * 100) as Permit;
      b.onSuccess(i * 100 + (i < 2 ? 60 : 5), p);
    }
    expect(b.state(400)).toBe('open');
    expect(b.transitions[0]?.why).toMatch(/slow-call rate/);
  });

  it('rejects nonsense configurations', () => {
    expect(() => new CircuitBreaker({ ...consecutive, probes: 0 })).toThrow(/probes/);
    expect(
      () =>
        new CircuitBreaker({
          window: { kind: 'count', size: 5, minimumCalls: 6, failureRate: 0.5 },
          openMs: 1,
          probes: 1,
        }),
    ).toThrow(/minimumCalls/);
  });
});

describe('backoff and budgets', () => {
  const rng = new Rng(7);
  const random = () => rng.next();
  const policy = (backoff: RetryPolicy['backoff']): RetryPolicy => ({
    backoff,
    maxAttempts: 10,
    baseMs: 100,
    capMs: 1_000,
  });

  it('follows the AWS formulas, capped', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(policy('exponential'), a, 0, random))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    for (let a = 1; a < 8; a++) {
      const temp = Math.min(1_000, 100 * 2 ** (a - 1));
      const full = backoffMs(policy('full'), a, 0, random);
      const equal = backoffMs(policy('equal'), a, 0, random);
      expect(full).toBeGreaterThanOrEqual(0);
      expect(full).toBeLessThanOrEqual(temp);
      expect(equal).toBeGreaterThanOrEqual(temp / 2);
      expect(equal).toBeLessThanOrEqual(temp);
      const decorrelated = backoffMs(policy('decorrelated'), a, 300, random);
      expect(decorrelated).toBeGreaterThanOrEqual(100);
      expect(decorrelated).toBeLessThanOrEqual(900);
    }
    expect(backoffMs({ ...policy('study'), jitterMs: 0 }, 12, 0, random)).toBe(100 * 2 ** 11); // no cap
  });

  it('allows retries up to the ratio of requests', () => {
    const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 0, maxTokens: 100 });
    let allowed = 0;
    for (let i = 0; i < 100; i++) {
      budget.onRequest(i);
      if (budget.tryRetry(i)) allowed++;
    }
    expect(allowed).toBeLessThanOrEqual(budget.bound(100));
    expect(allowed).toBeGreaterThanOrEqual(10);
  });
});

describe('bulkhead and limiter', () => {
  it('a bulkhead refuses past its limit', () => {
    const b = new Bulkhead(2);
    expect([b.tryEnter(), b.tryEnter(), b.tryEnter()]).toEqual([true, true, false]);
    b.leave();
    expect(b.tryEnter()).toBe(true);
    expect(b.peak).toBe(2);
  });

  it('AIMD grows while fast and in use, cuts on a drop', () => {
    const l = new ConcurrencyLimiter({
      kind: 'aimd',
      initial: 10,
      min: 1,
      max: 100,
      slowMs: 50,
      backoff: 0.5,
    });
    for (let i = 0; i < 10; i++) l.tryAcquire();
    l.release(10, false);
    expect(l.limit).toBe(11);
    l.release(10, true);
    expect(l.limit).toBe(5);
  });
});

describe('phi accrual', () => {
  it('timeoutFor inverts phi', () => {
    const d = new PhiAccrualDetector({ window: 100, minStdMs: 5 });
    const rng = new Rng(3);
    let t = 0;
    for (let i = 0; i < 200; i++) {
      t += 100 + rng.normal(0, 20);
      d.heartbeat(t);
    }
    for (const threshold of [1, 3, 8]) {
      const timeout = d.timeoutFor(threshold);
      expect(d.phi(t + timeout)).toBeCloseTo(threshold, 6);
    }
    expect(d.phi(t + 50)).toBeLessThan(0.5);
  });
});
