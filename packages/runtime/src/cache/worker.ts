/**
 * One application process for the cross-process stampede test: `node --import tsx worker.ts <json>`.
 * It reads the hot key through its own Redis connection and its own in-process state for the given
 * time, then prints what it measured as one JSON line.
 */
import Redis from 'ioredis';
import { RedisCacheAside, type RealGuard } from './redis-cache';
import { readLoops } from './workload';

interface WorkerConfig {
  readonly redisPort: number;
  readonly dbUrl: string;
  readonly guard: RealGuard;
  readonly key: string;
  readonly ttlMs: number;
  readonly loops: number;
  readonly durationMs: number;
  readonly thinkMs: number;
  readonly owner: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const redis = new Redis({ host: '127.0.0.1', port: config.redisPort });
const cache = new RedisCacheAside(redis, {
  guard: config.guard,
  dbUrl: config.dbUrl,
  ttlMs: config.ttlMs,
  lockTtlMs: 500,
  lockRetryMs: 5,
  recheck: true,
  beta: 1,
  owner: config.owner,
  waitLimitMs: 2_000,
});
const result = await readLoops([cache], config.key, config);
redis.disconnect();
process.stdout.write(
  JSON.stringify({
    reads: result.reads,
    errors: result.errors,
    fetches: cache.fetches,
    misses: cache.misses,
  }) + '\n',
);
