import { describe, expect, it } from 'vitest';
import { rateLimitSystem } from './index';
import { rateParams } from './cluster';
import { evalScript, RedisModel } from './redis-model';
import { studyBucketAsWritten, studyBucketToNumber, zsetWindow } from './redis-scripts';

describe('ratelimit system', () => {
  it('a free run is deterministic and keeps every invariant, in each mode', () => {
    for (const mode of ['local', 'central', 'synced'] as const) {
      const params = rateParams.parse({ mode, durationMs: 2_000 });
      const a = rateLimitSystem.run!(params, 3);
      expect(rateLimitSystem.run!(params, 3)).toEqual(a);
      expect(a.checks.invariants).toBeUndefined();
      expect(a.metrics.admitted).toBeGreaterThan(0);
      if (mode !== 'local') expect(a.metrics.refused).toBeGreaterThan(0); // 3 local limiters: 3× the limit
    }
  });

  it('each mutant trips the check it names, with a message that says what broke', () => {
    const fuzz = rateLimitSystem.fuzz!;
    expect(fuzz.run(0, { mutant: 'token-bucket-overfill' }).failure).toMatch(/over the rate in an interval/);
    expect(fuzz.run(0, { mutant: 'fixed-window-no-reset' }).failure).toMatch(
      /refused a request .* with 0 of 50 used/,
    );
    expect(fuzz.run(0, { mutant: 'hierarchy-charges-on-refusal' }).failure).toMatch(
      /charged \d+ tokens for \d+ admitted/,
    );
  });

  it('rejects bad params', () => {
    expect(() => rateParams.parse({ servers: 0 })).toThrow();
    expect(() => rateParams.parse({ algorithm: 'magic' })).toThrow();
    expect(() => rateParams.parse({ bogus: 1 })).toThrow();
  });
});

describe('the simulated Redis runs the scripts with Lua’s rules', () => {
  it('the study bucket errors whether the key is missing or set; tonumber fixes the error', () => {
    let now = 0;
    const redis = new RedisModel(() => now);
    expect(evalScript(redis, (r) => studyBucketAsWritten(r, 'b'))).toEqual({
      ok: false,
      error: 'attempt to compare number with boolean',
    });
    redis.set('b', 3);
    expect(evalScript(redis, (r) => studyBucketAsWritten(r, 'b'))).toEqual({
      ok: false,
      error: 'attempt to compare number with string',
    });
    expect(evalScript(redis, (r) => studyBucketToNumber(r, 'b'))).toEqual({ ok: true, value: 1 });
    now = 10;
    expect(redis.get('b')).toBe('2');
  });

  it('the sorted-set window as written counts refused requests', () => {
    let now = 0;
    const redis = new RedisModel(() => now);
    const replies = [];
    for (let i = 0; i < 6; i++) {
      now = i * 100;
      replies.push(zsetWindow(redis, 'z', 2, 1_000, `m${i}`, 'as-written'));
    }
    expect(replies).toEqual([1, 1, 0, 0, 0, 0]);
    expect(redis.zcard('z')).toBe(6);
  });
});
