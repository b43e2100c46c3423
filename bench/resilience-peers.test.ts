// Conformance of our circuit breaker with cockatiel's and opossum's where their documented semantics
// match ours, and the differences where they do not, on the same sequences of call outcomes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import CircuitBreaker from 'opossum';
import { Rng } from '@dslab/sim';
import { cockatiel, feed, opossum, ours, spells, type Step } from './resilience-peers';

const now = () => Date.now();
const advance = (ms: number) => vi.advanceTimersByTime(ms);
const SEQUENCES = 100;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

function sequences(seed: number): Step[][] {
  const rng = new Rng(seed);
  return Array.from({ length: SEQUENCES }, () => spells(() => rng.next(), 200, 10, 0.05, 0.85));
}

/** Up to and including the first probe's outcome: the first call that ran after the breaker had been open. */
function throughFirstProbe(seen: string): string {
  const opened = seen.indexOf('o');
  if (opened < 0) return seen;
  for (let i = opened + 1; i < seen.length; i++) if (seen[i] !== 'r') return seen.slice(0, i + 1);
  return seen;
}

const steps = (pattern: string, dt = 10): Step[] => [...pattern].map((c) => ({ dt, fail: c === 'x' }));

describe('against cockatiel', () => {
  it('consecutive failures: the same call refused and the same state after every call, on every sequence', async () => {
    let identical = 0;
    for (const seq of sequences(1)) {
      vi.setSystemTime(0);
      const seen = await feed(
        {
          ours: ours({ window: { kind: 'consecutive', failures: 5 }, openMs: 200, probes: 1 }, now),
          cockatiel: cockatiel('consecutive', { failures: 5, openMs: 200 }),
        },
        seq,
        advance,
      );
      expect(seen.ours).toContain('o'); // the sequences do trip it
      if (seen.ours === seen.cockatiel) identical++;
    }
    expect(identical).toBe(SEQUENCES);
  });

  it('count window: identical until the first probe closes it; after that cockatiel keeps the probe in its window', async () => {
    let identicalPrefix = 0;
    let identicalWhole = 0;
    for (const seq of sequences(2)) {
      vi.setSystemTime(0);
      const seen = await feed(
        {
          ours: ours(
            {
              window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.5 },
              trip: 'above',
              evaluate: 'on-failure',
              openMs: 200,
              probes: 1,
            },
            now,
          ),
          cockatiel: cockatiel('count', { size: 20, minimum: 10, rate: 0.5, openMs: 200 }),
        },
        seq,
        advance,
      );
      if (throughFirstProbe(seen.ours as string) === throughFirstProbe(seen.cockatiel as string))
        identicalPrefix++;
      if (seen.ours === seen.cockatiel) identicalWhole++;
    }
    expect(identicalPrefix).toBe(SEQUENCES);
    expect(identicalWhole).toBe(54); // measured: the rest part after a probe closed the breaker
    // The difference, on its own: 10 failures open both; the probe succeeds; then 9 failures. Cockatiel's
    // window holds the probe's success and 9 failures (10 calls, 90%): it opens. Ours starts empty after
    // closing (as Resilience4j does) and has seen only 9 calls, under its minimum of 10.
    vi.setSystemTime(0);
    const seen = await feed(
      {
        ours: ours(
          {
            window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.5 },
            trip: 'above',
            evaluate: 'on-failure',
            openMs: 200,
            probes: 1,
          },
          now,
        ),
        cockatiel: cockatiel('count', { size: 20, minimum: 10, rate: 0.5, openMs: 200 }),
      },
      [...steps('xxxxxxxxxx'), { dt: 300, fail: false }, ...steps('xxxxxxxxx')],
      advance,
    );
    expect(seen.ours).toBe('ccccccccco' + 'c' + 'cccccccc' + 'c');
    expect(seen.cockatiel).toBe('ccccccccco' + 'c' + 'cccccccc' + 'o');
  });
});

describe('when the rate is compared', () => {
  it('ours (by default, as Resilience4j) checks after every call; cockatiel and opossum only after a failure', async () => {
    // 8 failures then 2 successes: the 10th call completes the minimum of 10 at 80% failed.
    const pattern = [...steps('xxxxxxxx..'), ...steps('x')];
    const config = {
      window: { kind: 'count', size: 20, minimumCalls: 10, failureRate: 0.5 },
      trip: 'above',
      openMs: 200,
      probes: 1,
    } as const;
    const seen = await feed(
      {
        ours: ours(config, now),
        oursOnFailure: ours({ ...config, evaluate: 'on-failure' }, now),
        cockatiel: cockatiel('count', { size: 20, minimum: 10, rate: 0.5, openMs: 200 }),
        opossum: opossum({ windowMs: 1_000, buckets: 10, volume: 10, percent: 50, openMs: 300 }),
      },
      pattern,
      advance,
    );
    vi.clearAllTimers();
    expect(seen.ours).toBe('cccccccccor');
    expect(seen.cockatiel).toBe('ccccccccc' + 'c' + 'o');
    expect(seen.opossum).toBe(seen.cockatiel);
    expect(seen.oursOnFailure).toBe(seen.cockatiel);
  });
});

describe('against opossum', () => {
  const mine = () =>
    ours(
      {
        window: { kind: 'time', windowMs: 1_000, buckets: 10, minimumCalls: 10, failureRate: 0.5 },
        trip: 'above',
        evaluate: 'on-failure',
        openMs: 300,
        probes: 1,
      },
      now,
    );
  const theirs = () => opossum({ windowMs: 1_000, buckets: 10, volume: 10, percent: 50, openMs: 300 });

  it('rolling time window: identical through the first probe on every sequence', async () => {
    let identicalPrefix = 0;
    let identicalWhole = 0;
    let tripped = 0;
    for (const seq of sequences(3)) {
      vi.setSystemTime(0);
      const seen = await feed({ ours: mine(), opossum: theirs() }, seq, advance);
      vi.clearAllTimers();
      if ((seen.ours as string).includes('o')) tripped++;
      if (throughFirstProbe(seen.ours as string) === throughFirstProbe(seen.opossum as string))
        identicalPrefix++;
      if (seen.ours === seen.opossum) identicalWhole++;
    }
    expect(tripped).toBeGreaterThan(SEQUENCES / 2);
    expect(identicalPrefix).toBe(SEQUENCES);
    expect(identicalWhole).toBe(58); // measured: the rest differ once a probe closed the breaker (below)
  });

  it('differs after closing: opossum keeps the old failures in its window and counts refused calls as fires', async () => {
    // 10 failures open both; 300 ms later a probe succeeds and closes both; one more failure. Opossum's
    // window still holds the 10 failures (11 of 12 fires failed): it reopens at once. Ours starts empty.
    const seen = await feed(
      { ours: mine(), opossum: theirs() },
      [...steps('xxxxxxxxxx'), { dt: 300, fail: false }, { dt: 10, fail: true }],
      advance,
    );
    vi.clearAllTimers();
    expect(seen.ours).toBe('ccccccccco' + 'c' + 'c');
    expect(seen.opossum).toBe('ccccccccco' + 'c' + 'o');
    // Refused calls are fires too: they count toward the volume and dilute the error rate.
    const breaker = new CircuitBreaker(async () => Promise.reject(new Error('failed')), {
      timeout: false,
      resetTimeout: 300,
      rollingCountTimeout: 1_000,
      rollingCountBuckets: 10,
      volumeThreshold: 10,
      errorThresholdPercentage: 50,
    });
    for (let i = 0; i < 15; i++) await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
    expect(breaker.stats.fires).toBe(15);
    expect(breaker.stats.rejects).toBe(5);
    breaker.shutdown();
  });
});
