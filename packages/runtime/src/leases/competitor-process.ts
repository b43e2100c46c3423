/**
 * One of several processes competing for a Redis lock for `durationMs`: `node --import tsx
 * competitor-process.ts <json>`. It takes the lock with SET NX PX (with an INCR token when fenced), then
 * while its TTL has not run out by its own clock: checks, says "checked" on stdout, spends `workMs`
 * preparing a write and sends it to the store; after `holdMs` it releases with compare-and-delete and
 * competes again. Each acquisition also takes a number from a counter kept for the measurement only,
 * so the store's entries can be ordered by acquisition whether or not the lock hands out tokens.
 */
import Redis from 'ioredis';
import { RedisLock } from './redis-lock';
import { FencedStore } from './store';

export interface CompetitorConfig {
  readonly redisPort: number;
  readonly run: string;
  readonly name: string;
  readonly fenced: boolean;
  readonly ttlMs: number;
  readonly holdMs: number;
  readonly workMs: number;
  readonly durationMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as CompetitorConfig;
const say = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redis = new Redis({ host: '127.0.0.1', port: config.redisPort, maxRetriesPerRequest: 1 });
const lock = new RedisLock(redis, `lock:${config.run}`);
const store = new FencedStore(redis, `store:${config.run}`);
const end = Date.now() + config.durationMs;
let round = 0;
while (Date.now() < end) {
  const value = `${config.name}:${++round}`;
  const started = Date.now();
  let token = 0;
  let acquired: boolean;
  if (config.fenced) {
    token = (await lock.acquireWithToken(value, config.ttlMs)) ?? 0;
    acquired = token > 0;
  } else acquired = await lock.acquire(value, config.ttlMs);
  if (!acquired) {
    await sleep(10);
    continue;
  }
  const acquisition = await redis.incr(`acquisitions:${config.run}`);
  say({ event: 'acquired', acquisition, token });
  let n = 0;
  while (Date.now() < started + config.holdMs) {
    if (Date.now() >= started + config.ttlMs) break; // our own clock says the lock is gone
    say({ event: 'checked', acquisition });
    await sleep(config.workMs);
    const applied = await store.write({ holder: config.name, acquisition, token, n: ++n }, config.fenced);
    say({ event: 'wrote', acquisition, applied });
    await sleep(config.workMs);
  }
  await lock.release(value);
  say({ event: 'released', acquisition });
  await sleep(20);
}
say({ event: 'done' });
redis.disconnect();
