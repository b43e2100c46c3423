/**
 * Cache-aside on a real Redis, with the simulator's stampede guards:
 * - `none`: every miss reads the database;
 * - `mutex`: `SET lock:<key> <token> NX PX <ttl>`; the holder re-checks the cache, reads, fills and
 *   releases with a compare-and-delete script (only its own token); the others poll the cache. Because
 *   the lock lives in Redis this is single-flight across processes;
 * - `single-flight`: concurrent misses in this process share one database read (one per process);
 * - `xfetch`: the entry carries its recompute time Δ; a hit reads PTTL with it and recomputes early
 *   when now − Δ·β·ln(rand) ≥ expiry (the same `xfetchRecompute` the simulator uses).
 */
import type Redis from 'ioredis';
import { caching } from '@dslab/systems';
import type { Val } from './database';

/** Deletes the lock only if it still holds our token: never someone else's lock after ours expired. */
export const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export const realGuards = ['none', 'mutex', 'single-flight', 'xfetch'] as const;
export type RealGuard = (typeof realGuards)[number];

export interface RealCacheOptions {
  readonly guard: RealGuard;
  readonly dbUrl: string;
  readonly ttlMs: number;
  readonly lockTtlMs: number;
  readonly lockRetryMs: number;
  readonly recheck: boolean;
  readonly beta: number;
  /** Names this process's lock tokens. */
  readonly owner: string;
  /** A read gives up (throws) after this long waiting for a lock holder. */
  readonly waitLimitMs: number;
}

interface Stored extends Val {
  /** Δ: how long the recompute took, ms. */
  readonly d: number;
}

export interface ReadResult {
  readonly val: Val;
  readonly from: 'cache' | 'db';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisCacheAside {
  private readonly flights = new Map<string, Promise<Val>>();
  private nextToken = 1;
  fetches = 0;
  misses = 0;
  earlyRecomputes = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RealCacheOptions,
  ) {}

  async read(key: string): Promise<ReadResult> {
    const [stored, pttl] = await this.lookup(key);
    if (stored !== undefined) {
      const now = performance.now();
      if (
        this.options.guard === 'xfetch' &&
        caching.xfetchRecompute(now, stored.d, this.options.beta, now + pttl, 1 - Math.random())
      ) {
        this.earlyRecomputes++;
        return { val: await this.loadAndFill(key), from: 'db' };
      }
      return { val: { version: stored.version, value: stored.value }, from: 'cache' };
    }
    this.misses++;
    switch (this.options.guard) {
      case 'none':
      case 'xfetch':
        return { val: await this.loadAndFill(key), from: 'db' };
      case 'single-flight': {
        let flight = this.flights.get(key);
        if (flight === undefined) {
          flight = this.loadAndFill(key).finally(() => this.flights.delete(key));
          this.flights.set(key, flight);
        }
        return { val: await flight, from: 'db' };
      }
      case 'mutex':
        return this.withLock(key);
    }
  }

  private async lookup(key: string): Promise<[Stored | undefined, number]> {
    const replies = await this.redis.pipeline().get(key).pttl(key).exec();
    const raw = replies?.[0]?.[1] as string | null | undefined;
    const pttl = replies?.[1]?.[1] as number | undefined;
    if (raw === null || raw === undefined) return [undefined, 0];
    return [JSON.parse(raw) as Stored, pttl ?? 0];
  }

  private async withLock(key: string): Promise<ReadResult> {
    const lockKey = `lock:${key}`;
    const deadline = performance.now() + this.options.waitLimitMs;
    while (performance.now() < deadline) {
      const token = `${this.options.owner}:${this.nextToken++}`;
      const taken = await this.redis.set(lockKey, token, 'PX', this.options.lockTtlMs, 'NX');
      if (taken === 'OK') {
        try {
          if (this.options.recheck) {
            const [stored] = await this.lookup(key);
            if (stored !== undefined)
              return { val: { version: stored.version, value: stored.value }, from: 'cache' };
          }
          return { val: await this.loadAndFill(key), from: 'db' };
        } finally {
          await this.redis.eval(RELEASE_SCRIPT, 1, lockKey, token);
        }
      }
      await sleep(this.options.lockRetryMs);
      const [stored] = await this.lookup(key);
      if (stored !== undefined)
        return { val: { version: stored.version, value: stored.value }, from: 'cache' };
    }
    throw new Error(`gave up on ${key} after waiting ${this.options.waitLimitMs} ms for its lock`);
  }

  private async loadAndFill(key: string): Promise<Val> {
    this.fetches++;
    const started = performance.now();
    const response = await fetch(`${this.options.dbUrl}/read?key=${encodeURIComponent(key)}`);
    if (!response.ok) throw new Error(`database answered ${response.status}`);
    const val = (await response.json()) as Val;
    const stored: Stored = { ...val, d: performance.now() - started };
    await this.redis.set(key, JSON.stringify(stored), 'PX', this.options.ttlMs);
    return val;
  }
}
