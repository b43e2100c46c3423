// The rate-limited HTTP server at small scale (a few hundred requests on loopback): which requests it
// admits and what its headers say. Speed is measured in bench/ratelimit.bench.ts, never here.
import { afterEach, describe, expect, it } from 'vitest';
import { startRateLimitServer, type RateLimitServer } from './http-server';

let server: RateLimitServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(url: string, client: string) {
  const response = await fetch(url, { headers: { 'x-client-id': client } });
  await response.text();
  return response;
}

describe('rate-limited HTTP server', () => {
  it('admits exactly the bucket and answers 429 with every limit header, on a clock the test moves', async () => {
    let now = 0;
    const wall = 1_800_000_000_000;
    server = await startRateLimitServer({
      policy: { kind: 'token-bucket', limit: 100, windowMs: 1_000, burst: 20 },
      clock: () => now,
      wallClock: () => wall,
    });
    // 300 requests at once from one client, with time standing still: the burst of 20 gets through.
    const first = await Promise.all(Array.from({ length: 300 }, () => get(server!.url, 'alice')));
    const statuses = first.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(280);
    const refused = first.find((r) => r.status === 429)!;
    expect(refused.headers.get('ratelimit-limit')).toBe('20');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // Empty to full at 100 per second: 0.2 s, rounded up to whole seconds.
    expect(refused.headers.get('ratelimit-reset')).toBe('1');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('20');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(Math.ceil((wall + 200) / 1_000)));
    expect(refused.headers.get('retry-after')).toBe('1'); // one token in 10 ms, rounded up to a second
    expect(refused.headers.get('ratelimit')).toBe('limit=20, remaining=0, reset=1');
    expect(refused.headers.get('ratelimit-policy')).toBe('100;w=1');
    const admitted = first.filter((r) => r.status === 200);
    expect(admitted.every((r) => r.headers.get('retry-after') === null)).toBe(true);
    expect(admitted.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    // Another client has its own bucket.
    expect((await get(server.url, 'bob')).status).toBe(200);
    // 50 ms later: 5 tokens came back.
    now = 50;
    const second = await Promise.all(Array.from({ length: 50 }, () => get(server!.url, 'alice')));
    expect(second.filter((r) => r.status === 200)).toHaveLength(5);
    // After the Retry-After of the last refusal, a request is admitted.
    now += 1_000 * Number(second.find((r) => r.status === 429)!.headers.get('retry-after'));
    expect((await get(server.url, 'alice')).status).toBe(200);
    expect(server.stats).toEqual({ admitted: 27, refused: 325 });
  });

  it('a fixed window answers with the time to its end and admits its limit per window', async () => {
    let now = 0;
    server = await startRateLimitServer({
      policy: { kind: 'fixed-window', limit: 50, windowMs: 10_000 },
      clock: () => now,
    });
    let ok = 0;
    for (let i = 0; i < 120; i++) {
      now = i * 100; // 12 s: the first window and the first 2 s of the second
      const r = await get(server.url, 'carol');
      if (r.status === 200) ok++;
      else {
        expect(Number(r.headers.get('retry-after'))).toBe(Math.ceil((10_000 - now) / 1_000));
        expect(r.headers.get('ratelimit-reset')).toBe(r.headers.get('retry-after'));
      }
    }
    expect(ok).toBe(50 + 20);
  });

  it('a client that waits Retry-After gets every request through on the real clock, with few 429s', async () => {
    server = await startRateLimitServer({
      policy: { kind: 'token-bucket', limit: 20, windowMs: 1_000, burst: 5 },
    });
    let refusals = 0;
    for (let i = 0; i < 12; i++) {
      for (;;) {
        const r = await get(server.url, 'dave');
        if (r.status === 200) break;
        refusals++;
        await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(r.headers.get('retry-after'))));
      }
    }
    expect(server.stats.admitted).toBe(12);
    // 5 from the burst; each wait of 1 s refills the bucket (20/s, capped at 5): 7 more need 2 waits.
    expect(refusals).toBeLessThanOrEqual(3);
  }, 15_000);
});
