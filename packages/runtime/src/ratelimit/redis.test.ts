// The rate-limiting scripts on a real redis-server 7 (Debian package, a free loopback port): what they do
// there, measured, and checked against the simulator's ports of the same scripts on the same inputs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { describe, expect, it } from 'vitest';
import { rateLimiting } from '@dslab/systems';
import { useRedis } from '@dslab/runtime/testing';
import { LinkProxy } from '../real/proxy';
import { redisServerBinary } from '../real/redis-server';
import {
  GET_INCR_EXPIRE,
  STUDY_BUCKET_AS_WRITTEN,
  STUDY_BUCKET_TONUMBER,
  STUDY_TIME_FLOAT_BUCKET,
  TOKEN_BUCKET_CALLER_NOW,
  TOKEN_BUCKET_SERVER_TIME,
  ZSET_WINDOW,
} from './scripts';

const { RedisModel, evalScript, rateScripts } = rateLimiting;

const haveRedis = existsSync(redisServerBinary);
if (!haveRedis)
  console.warn(
    `skipping the real-Redis rate-limit tests: ${redisServerBinary} is not installed (apt-get install redis-server)`,
  );
const redis = haveRedis ? useRedis() : () => undefined as unknown as Redis;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** EVAL's reply, or its error message. */
async function evalReply(client: Redis, script: string, keys: string[], args: (string | number)[]) {
  try {
    return {
      ok: true as const,
      value: (await client.eval(script, keys.length, ...keys, ...args)) as number | number[],
    };
  } catch (error) {
    return { ok: false as const, error: (error as Error).message };
  }
}

describe.skipIf(!haveRedis)('rate-limiting scripts on real Redis 7', () => {
  it('the study’s bucket as written errors on every call, as the simulator says; tonumber makes it run', async () => {
    const client = redis();
    await client.del('study');
    let now = 0;
    const model = new RedisModel(() => now);
    const real: string[] = [];
    const simulated: string[] = [];
    for (let i = 0; i < 40; i++) {
      if (i === 20) {
        await client.set('study', 10);
        model.set('study', 10);
      }
      now = i;
      const r = await evalReply(client, STUDY_BUCKET_AS_WRITTEN, ['study'], []);
      real.push(r.ok ? `ok ${String(r.value)}` : r.error);
      const s = evalScript(model, (m) => rateScripts.studyBucketAsWritten(m, 'study'));
      simulated.push(s.ok ? `ok ${String(s.value)}` : s.error);
    }
    console.log(
      `study bucket as written on ${(await client.info('server')).match(/redis_version:(\S+)/)?.[1]}: ${real[0]} / ${real[39]}`,
    );
    expect(real.every((r) => r.includes('attempt to compare'))).toBe(true);
    // Same error on every call as the port: Redis adds the script name and line around Lua's message.
    real.forEach((r, i) => expect(r).toContain(simulated[i] as string));
    expect(real.slice(0, 20).every((r) => r.includes('attempt to compare number with boolean'))).toBe(true);
    expect(real.slice(20).every((r) => r.includes('attempt to compare number with string'))).toBe(true);
    expect(await client.get('study')).toBe('10'); // it never took a token
    const fixed = await evalReply(client, STUDY_BUCKET_TONUMBER, ['study'], []);
    expect(fixed).toEqual({ ok: true, value: 1 });
    expect(await client.get('study')).toBe('9');
  });

  it('the TIME + float SET shape runs on Redis 7, but truncates its reply and admits on a fraction of a token', async () => {
    const client = redis();
    await client.del('float-tokens', 'float-time');
    const capacity = 5;
    const perSecond = 200;
    let errors = 0;
    let truncated = 0;
    let onFraction = 0;
    let admitted = 0;
    const started = performance.now();
    while (performance.now() - started < 500) {
      const r = await evalReply(
        client,
        STUDY_TIME_FLOAT_BUCKET,
        ['float-tokens', 'float-time'],
        [perSecond, capacity],
      );
      if (!r.ok) {
        errors++;
        continue;
      }
      const stored = Number(await client.get('float-tokens'));
      if (r.value !== -1) {
        admitted++;
        if (stored < 0) onFraction++; // admitted with less than one token: the count went negative
        if (r.value !== stored) {
          expect(r.value).toBe(Math.trunc(stored) || 0); // toward zero (−0.4 → 0)
          truncated++;
        }
      }
    }
    const elapsed = performance.now() - started;
    console.log(
      `TIME + float SET bucket on Redis 7: ${errors} errors, ${admitted} admitted (bound ${(capacity + (perSecond * elapsed) / 1_000).toFixed(1)}), ` +
        `${truncated} replies truncated, ${onFraction} admitted on a fraction of a token`,
    );
    expect(errors).toBe(0);
    expect(truncated).toBeGreaterThan(0);
    expect(onFraction).toBeGreaterThan(0);
    // Fixed: the TIME bucket keeps fractions inside, admits only on a whole token and replies in integers.
    await client.del('fixed-tokens');
    for (let i = 0; i < 200; i++) {
      const r = await evalReply(
        client,
        TOKEN_BUCKET_SERVER_TIME,
        ['fixed-tokens'],
        [capacity, perSecond / 1_000, 1],
      );
      expect(r.ok).toBe(true);
      const tokens = Number(await client.hget('fixed-tokens', 'tokens'));
      expect(tokens).toBeGreaterThanOrEqual(0);
    }
  });

  it('the ports give the same replies as the Lua on the same inputs (caller-now bucket, counters)', async () => {
    const client = redis();
    await client.del('caller', 'counter');
    const model = new RedisModel(() => 0);
    const args = { capacity: 5, ratePerMs: 0.01, cost: 1 };
    // Times from two callers, one 300 ms ahead, in the order they reach Redis.
    const times = Array.from({ length: 60 }, (_, i) => 1_764_000_000_000 + i * 37 + (i % 2 === 1 ? 300 : 0));
    for (const now of times) {
      const real = await evalReply(
        client,
        TOKEN_BUCKET_CALLER_NOW,
        ['caller'],
        [args.capacity, args.ratePerMs, args.cost, now],
      );
      const simulated = evalScript(model, (m) => rateScripts.tokenBucketCallerNow(m, 'caller', args, now));
      expect(real).toEqual(simulated);
    }
    for (let i = 0; i < 8; i++) {
      const real = await evalReply(client, GET_INCR_EXPIRE, ['counter'], [5, 60, 'expire-first']);
      const simulated = evalScript(model, (m) =>
        rateScripts.getIncrExpire(m, 'counter', 5, 60, 'expire-first'),
      );
      expect(real).toEqual(simulated);
    }
  });

  it('with tonumber and a background reset it is a fixed window: ~2× the limit around a reset', async () => {
    const client = redis();
    const N = 50;
    const resetEvery = 1_000;
    const admittedBy = async (script: () => Promise<Reply>, calls: number): Promise<number> => {
      let admitted = 0;
      for (let i = 0; i < calls; i++) {
        const reply = await script();
        if (admittedReply(reply)) admitted++;
      }
      return admitted;
    };
    // Back-to-back calls that drain the bucket, the reset a background job makes once a second, and
    // back-to-back calls again: counted by what the script answers, not by a wall-clock window (a loaded
    // machine stretches the calls, it cannot change what the script admits).
    await client.set('reset-bucket', N);
    const started = performance.now();
    const tonumber = () => evalReply(client, STUDY_BUCKET_TONUMBER, ['reset-bucket'], []);
    const before = await admittedBy(tonumber, N + 10);
    await client.set('reset-bucket', N);
    const after = await admittedBy(tonumber, N + 10);
    const elapsed = performance.now() - started;
    console.log(
      `tonumber bucket, limit ${N} per ${resetEvery} ms: ${before + after} admitted in ${elapsed.toFixed(0)} ms across one reset`,
    );
    expect(before).toBe(N);
    expect(after).toBe(N);
    // The same calls against the bucket refilled from TIME inside the script: at most N + rate × elapsed.
    await client.del('lazy-bucket');
    const lazyStarted = performance.now();
    const lazy = await admittedBy(
      () => evalReply(client, TOKEN_BUCKET_SERVER_TIME, ['lazy-bucket'], [N, N / resetEvery, 1]),
      2 * (N + 10),
    );
    const lazyElapsed = performance.now() - lazyStarted;
    expect(lazy).toBeLessThanOrEqual(N + (N / resetEvery) * lazyElapsed + 1);
  });

  it('the bucket refilled from TIME keeps its bound under 16 concurrent clients (measured)', async () => {
    const clients = await connections(16);
    try {
      await redis().del('shared');
      const capacity = 50;
      const perSecond = 200;
      const started = performance.now();
      const admitted = await floodMany(clients, 1_500, (c) =>
        evalReply(c, TOKEN_BUCKET_SERVER_TIME, ['shared'], [capacity, perSecond / 1_000, 1]),
      );
      const elapsed = performance.now() - started;
      const bound = capacity + (perSecond * elapsed) / 1_000;
      console.log(
        `TIME bucket, 16 clients for ${elapsed.toFixed(0)} ms: ${admitted.length} admitted, bound ${bound.toFixed(1)}`,
      );
      expect(admitted.length).toBeLessThanOrEqual(bound);
      // Not by refusing everything: at least the burst got through. (How close it comes to the bound depends
      // on how many requests a loaded machine manages to send, so it is reported, not asserted.)
      expect(admitted.length).toBeGreaterThanOrEqual(capacity);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it('GET then INCR from the client races and over-admits; the same steps in one script do not', async () => {
    // App servers reach Redis over a network: 1 ms each way through a delaying proxy, not loopback's µs.
    const { host, port } = redis().options as { host: string; port: number };
    const proxy = new LinkProxy('app', 'redis', { host, port });
    await proxy.listen();
    proxy.set({ delayMs: 1 });
    const clients = await connections(16, proxy.port);
    try {
      const limit = 100;
      await redis().del('racy', 'atomic');
      const racy = await floodMany(clients, 400, async (c) => {
        const current = Number((await c.get('racy')) ?? 0);
        if (current >= limit) return { ok: true as const, value: 0 };
        await c.incr('racy');
        return { ok: true as const, value: 1 };
      });
      const atomic = await floodMany(clients, 400, (c) =>
        evalReply(c, GET_INCR_EXPIRE, ['atomic'], [limit, 60, 'expire-first']),
      );
      console.log(
        `limit ${limit}, 16 clients at 2 ms RTT: GET-then-INCR admitted ${racy.length}, the script ${atomic.length}`,
      );
      expect(racy.length).toBeGreaterThan(limit);
      expect(atomic.length).toBe(limit);
    } finally {
      for (const c of clients) c.disconnect();
      await proxy.close();
    }
  });

  it('INCR then EXPIRE as two commands: a client that dies between them leaves a counter with no TTL', async () => {
    const client = redis();
    await client.del('orphan');
    const { port } = client.options as { port: number };
    // A real process that sends INCR and exits before its EXPIRE.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const Redis = require('ioredis'); const c = new Redis({ port: ${port}, host: '127.0.0.1' });
         c.incr('orphan').then(() => process.exit(0));`,
      ],
      { cwd: process.cwd(), stdio: 'inherit' },
    );
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await client.get('orphan')).toBe('1');
    expect(await client.pttl('orphan')).toBe(-1); // no TTL: the counter never resets
    // Filled to the limit by later clients, it refuses forever: still there, still no TTL.
    await client.set('orphan', 100, 'KEEPTTL');
    const refused = await evalReply(client, GET_INCR_EXPIRE, ['orphan'], [100, 1, 'expire-first']);
    expect(refused).toEqual({ ok: true, value: 0 });
    expect(await client.pttl('orphan')).toBe(-1);
    // In one script INCR and EXPIRE happen together or not at all.
    await client.del('whole');
    await evalReply(client, GET_INCR_EXPIRE, ['whole'], [100, 1, 'expire-first']);
    expect(await client.pttl('whole')).toBeGreaterThan(0);
  });

  it('the sorted-set window as written keeps a retrying client out; adding only admitted requests lets it through', async () => {
    const client = redis();
    const limit = 10;
    const windowMs = 500;
    const results: Record<string, number> = {};
    for (const variant of ['as-written', 'add-if-admitted']) {
      await client.del(`z-${variant}`);
      const started = performance.now();
      let after = 0;
      let i = 0;
      // Retry every 20 ms (2.5× the limit) for 1.5 s.
      while (performance.now() - started < 1_500) {
        const r = await evalReply(
          client,
          ZSET_WINDOW,
          [`z-${variant}`],
          [limit, windowMs, `m${i++}`, variant],
        );
        if (r.ok && r.value === 1 && performance.now() - started >= windowMs) after++;
        await sleep(20);
      }
      results[variant] = after;
    }
    console.log(
      `sorted-set window, admitted after the first window: as written ${results['as-written']}, fixed ${results['add-if-admitted']}`,
    );
    expect(results['as-written']).toBe(0);
    expect(results['add-if-admitted']).toBeGreaterThanOrEqual(limit);
  });

  it('a caller-supplied now with 200 ms of skew over-admits; the server’s TIME does not', async () => {
    const client = redis();
    const capacity = 20;
    const perMs = 0.05; // 50 per second
    const measure = async (script: 'caller' | 'server') => {
      await client.del(`skew-${script}`);
      const started = performance.now();
      let admitted = 0;
      let i = 0;
      while (performance.now() - started < 1_000) {
        const now = Date.now() + (i++ % 2 === 1 ? 200 : 0);
        const r =
          script === 'caller'
            ? await evalReply(client, TOKEN_BUCKET_CALLER_NOW, [`skew-${script}`], [capacity, perMs, 1, now])
            : await evalReply(client, TOKEN_BUCKET_SERVER_TIME, [`skew-${script}`], [capacity, perMs, 1]);
        if (r.ok && (r.value as number[])[0] === 1) admitted++;
      }
      return { admitted, bound: capacity + perMs * (performance.now() - started) };
    };
    const caller = await measure('caller');
    const server = await measure('server');
    console.log(
      `skew 200 ms: caller's now admitted ${caller.admitted} (bound ${caller.bound.toFixed(0)}), TIME ${server.admitted} (bound ${server.bound.toFixed(0)})`,
    );
    expect(caller.admitted).toBeGreaterThan(2 * caller.bound);
    expect(server.admitted).toBeLessThanOrEqual(server.bound);
  });
});

/** Extra connections to the test's server (or to a proxy in front of it). */
async function connections(count: number, throughPort?: number): Promise<Redis[]> {
  const { host, port: direct } = redis().options as { host: string; port: number };
  const port = throughPort ?? direct;
  const clients = Array.from(
    { length: count },
    () => new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 }),
  );
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

type Reply = { ok: true; value: number | number[] } | { ok: false; error: string };
const admittedReply = (r: Reply) => r.ok && (Array.isArray(r.value) ? r.value[0] : r.value) === 1;

async function floodMany(
  clients: readonly Redis[],
  ms: number,
  call: (c: Redis) => Promise<Reply>,
): Promise<number[]> {
  const admitted: number[] = [];
  const until = performance.now() + ms;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < until) {
        const r = await call(c);
        if (admittedReply(r)) admitted.push(performance.now());
      }
    }),
  );
  return admitted.sort((a, b) => a - b);
}
