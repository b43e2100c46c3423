// The stampede on a real Redis: the simulator's workload (one hot key, a 500 ms TTL, a 30 ms database
// read behind 8 workers, 4 application instances) and its measurements, per guard; single-flight
// across processes with SET NX PX and a compare-and-delete release.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedis } from '@dslab/runtime/testing';
import { caching } from '@dslab/systems';
import { startSlowDatabase, type SlowDatabase } from './database';
import { RELEASE_SCRIPT, RedisCacheAside, realGuards, type RealGuard } from './redis-cache';
import { bursts, readLoops } from './workload';

const redis = useRedis();
const TTL_MS = 500;
const INSTANCES = 4;
const DURATION_MS = 3_200;
let db: SlowDatabase;

beforeAll(async () => {
  db = await startSlowDatabase({ readMs: 30, capacity: 8 });
});
afterAll(async () => {
  await db?.stop();
});

function port(): number {
  return (redis().options as { port: number }).port;
}

/** Database reads of `key` per expiry, the cold start (the first burst) left out. */
function perExpiry(key: string, since: number): { mean: number; most: number; expiries: number } {
  const times = db.reads.filter((r) => r.key === key && r.at >= since).map((r) => r.at);
  const sizes = bursts(times, TTL_MS / 4).slice(1);
  const total = sizes.reduce((a, b) => a + b, 0);
  return {
    mean: sizes.length ? total / sizes.length : 0,
    most: Math.max(0, ...sizes),
    expiries: sizes.length,
  };
}

async function stampede(guard: RealGuard) {
  const key = `hot:${guard}`;
  db.write(key, `${key}@1`);
  const since = performance.now();
  // Another service updates the value every 200 ms, so an old answer is measurable.
  let n = 1;
  const updates = setInterval(() => db.write(key, `${key}@${++n}`), 200);
  const connections = Array.from({ length: INSTANCES }, () => new Redis({ host: '127.0.0.1', port: port() }));
  const caches = connections.map(
    (connection, i) =>
      new RedisCacheAside(connection, {
        guard,
        dbUrl: db.url,
        ttlMs: TTL_MS,
        lockTtlMs: 500,
        lockRetryMs: 5,
        recheck: true,
        beta: 1,
        owner: `app${i + 1}`,
        waitLimitMs: 2_000,
      }),
  );
  const load = await readLoops(caches, key, {
    loops: 5,
    durationMs: DURATION_MS,
    thinkMs: 4,
    current: (k) => db.current(k),
  });
  clearInterval(updates);
  for (const c of connections) c.disconnect();
  const expiry = perExpiry(key, since);
  return {
    guard,
    ...expiry,
    reads: load.reads,
    stale: load.stale,
    errors: load.errors,
    p50: caching.quantile(load.latencies, 0.5),
    p99: caching.quantile(load.latencies, 0.99),
    misses: caches.reduce((a, c) => a + c.misses, 0),
    early: caches.reduce((a, c) => a + c.earlyRecomputes, 0),
  };
}

describe('the hot-key stampede on real Redis', () => {
  it('per guard: database queries per expiry, stale answers, tail latency', async () => {
    const rows = [];
    for (const guard of realGuards) rows.push(await stampede(guard));
    console.log(
      'real Redis, one hot key, 500 ms TTL, 30 ms database read, 4 instances × 5 readers:\n' +
        rows
          .map(
            (r) =>
              `  ${r.guard.padEnd(13)} queries/expiry ${r.mean.toFixed(2)} (most ${r.most}, ${r.expiries} expiries), ` +
              `reads ${r.reads}, stale ${r.stale}, errors ${r.errors}, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
              (r.guard === 'xfetch' ? `, early recomputes ${r.early}, misses ${r.misses}` : ''),
          )
          .join('\n'),
    );
    const by = Object.fromEntries(rows.map((r) => [r.guard, r]));
    expect(by.none!.expiries).toBeGreaterThan(2);
    // No guard: every concurrent reader of the expired key queries the database.
    expect(by.none!.mean).toBeGreaterThan(INSTANCES);
    // A Redis lock with the re-check: one query per expiry.
    expect(by.mutex!.mean).toBeLessThanOrEqual(1.2);
    // In-process single-flight: about one per instance, never one per reader.
    expect(by['single-flight']!.mean).toBeGreaterThan(1);
    expect(by['single-flight']!.mean).toBeLessThanOrEqual(INSTANCES + 1);
    // XFetch refreshes before expiry: far fewer queries in its worst refresh than a stampede.
    expect(by.xfetch!.early).toBeGreaterThan(0);
    expect(by.xfetch!.most).toBeLessThan(by.none!.most);
    for (const r of rows) expect(r.errors).toBe(0);
  }, 60_000);
});

describe('single-flight across processes', () => {
  async function processes(guard: RealGuard, count: number) {
    const key = `proc:${guard}`;
    db.write(key, `${key}@1`);
    const since = performance.now();
    const worker = fileURLToPath(new URL('./worker.ts', import.meta.url));
    const outputs = await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const config = {
          redisPort: port(),
          dbUrl: db.url,
          guard,
          key,
          ttlMs: TTL_MS,
          loops: 5,
          durationMs: DURATION_MS,
          thinkMs: 4,
          owner: `proc${i + 1}`,
        };
        const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(config)], {
          cwd: process.cwd(),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        return new Promise<{ reads: number; errors: number; fetches: number }>((resolve, reject) =>
          child.once('exit', (code) =>
            code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`)),
          ),
        );
      }),
    );
    return { ...perExpiry(key, since), outputs };
  }

  it('SET NX PX with a compare-and-delete release: one query per expiry across 3 processes; in-process single-flight: one per process', async () => {
    const locked = await processes('mutex', 3);
    const local = await processes('single-flight', 3);
    console.log(
      `3 processes: Redis lock ${locked.mean.toFixed(2)} queries per expiry (most ${locked.most}); ` +
        `in-process single-flight ${local.mean.toFixed(2)} (most ${local.most}); ` +
        `reads ${locked.outputs.reduce((a, o) => a + o.reads, 0)} / ${local.outputs.reduce((a, o) => a + o.reads, 0)}`,
    );
    expect(locked.expiries).toBeGreaterThan(2);
    expect(locked.mean).toBeLessThanOrEqual(1.2);
    expect(local.mean).toBeGreaterThan(1.5);
    expect(local.mean).toBeLessThanOrEqual(3 + 0.5);
    for (const o of [...locked.outputs, ...local.outputs]) expect(o.errors).toBe(0);
  }, 60_000);

  it('the compare-and-delete release frees only its own lock; a plain DEL after expiry frees the next holder’s', async () => {
    const client = redis();
    await client.set('lock:r', 'A', 'PX', 50, 'NX');
    await new Promise((resolve) => setTimeout(resolve, 80)); // A's lock expired while A worked
    expect(await client.set('lock:r', 'B', 'PX', 5_000, 'NX')).toBe('OK');
    expect(await client.eval(RELEASE_SCRIPT, 1, 'lock:r', 'A')).toBe(0);
    expect(await client.get('lock:r')).toBe('B');
    await client.del('lock:r'); // what A does with a plain DEL: B's lock is gone
    expect(await client.get('lock:r')).toBeNull();
  });
});
