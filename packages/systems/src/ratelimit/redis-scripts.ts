/**
 * The Redis rate-limiting scripts, ported line for line from their Lua (packages/runtime/src/ratelimit/
 * scripts.ts, where each has the same name) to run on `RedisModel` in the simulator. The study
 * material's versions are reproduced from its description with their flaws; the fixed ones beside them.
 * Each returns what its Lua returns (Lua numbers reach the client truncated to integers).
 */
import { lua, type RedisModel } from './redis-model';

/** "GET; if tokens > 0 then DECR" with a background job that puts the tokens back: the study's bucket. */
export function studyBucketAsWritten(redis: RedisModel, key: string): number {
  const tokens = redis.get(key); // a string, or false when missing: never a number
  if (lua.gt(tokens, 0)) {
    redis.decr(key);
    return 1;
  }
  return 0;
}

/** The same with `tonumber(...) or 0`: it runs, and it is a counter reset by the background job. */
export function studyBucketToNumber(redis: RedisModel, key: string): number {
  const tokens = lua.tonumber(redis.get(key)) ?? 0;
  if (tokens > 0) {
    redis.decr(key);
    return 1;
  }
  return 0;
}

/** The study's background refill: SET the bucket back to capacity (run every interval by a client). */
export function studyRefill(redis: RedisModel, key: string, capacity: number): void {
  redis.set(key, capacity);
}

export interface BucketArgs {
  readonly capacity: number;
  readonly ratePerMs: number;
  readonly cost: number;
}

/** A token bucket refilled lazily from the server's TIME, decided and written in one script. */
export function tokenBucketServerTime(redis: RedisModel, key: string, args: BucketArgs): number[] {
  const t = redis.time();
  const now = Number(t[0]) * 1_000 + Number(t[1]) / 1_000;
  return bucketStep(redis, key, args, now, 'keep-latest');
}

/**
 * The same bucket with `now` passed in by the caller and stored as given (as the widely copied
 * scripts do): a caller whose clock is behind moves the bucket's time back, and the next caller with a
 * clock ahead is refilled for the difference again.
 */
export function tokenBucketCallerNow(
  redis: RedisModel,
  key: string,
  args: BucketArgs,
  callerNow: number,
): number[] {
  return bucketStep(redis, key, args, callerNow, 'store-as-given');
}

function bucketStep(
  redis: RedisModel,
  key: string,
  { capacity, ratePerMs, cost }: BucketArgs,
  now: number,
  store: 'keep-latest' | 'store-as-given',
): number[] {
  const state = redis.hmget(key, ['tokens', 'last']);
  let tokens = lua.tonumber(state[0]);
  let last = lua.tonumber(state[1]);
  if (tokens === undefined || last === undefined) {
    tokens = capacity;
    last = now;
  }
  const elapsed = Math.max(0, now - last);
  tokens = Math.min(capacity, tokens + elapsed * ratePerMs);
  let allowed = 0;
  let retry = 0;
  if (tokens >= cost) {
    tokens -= cost;
    allowed = 1;
  } else retry = Math.ceil((cost - tokens) / ratePerMs);
  redis.hset(key, { tokens, last: store === 'keep-latest' ? Math.max(last, now) : now });
  redis.pexpire(key, Math.ceil((capacity / ratePerMs) * 2));
  return [allowed, Math.floor(tokens), retry];
}

export const counterVariants = ['expire-first', 'expire-renewed', 'window-id'] as const;
export type CounterVariant = (typeof counterVariants)[number];

/**
 * GET, compare, INCR, EXPIRE in one script. `expire-first` sets the TTL when the counter is created (a
 * fixed window starting at the first request); `expire-renewed` renews it on every admitted request,
 * so a steady client never lets the key expire; `window-id` puts the window number in the key.
 */
export function getIncrExpire(
  redis: RedisModel,
  key: string,
  limit: number,
  windowSeconds: number,
  variant: CounterVariant,
): number {
  let counterKey = key;
  if (variant === 'window-id') {
    const t = redis.time();
    counterKey = `${key}:${Math.floor(Number(t[0]) / windowSeconds)}`;
  }
  const current = lua.tonumber(redis.get(counterKey)) ?? 0;
  if (current >= limit) return 0;
  const count = redis.incr(counterKey);
  if (variant === 'expire-renewed' || count === 1) redis.expire(counterKey, windowSeconds);
  return 1;
}

export const zsetVariants = ['as-written', 'add-if-admitted'] as const;
export type ZsetVariant = (typeof zsetVariants)[number];

/**
 * The sorted-set sliding window: drop members older than the window, add this request, count. As
 * written it adds the request before deciding, so refused requests fill the window too.
 */
export function zsetWindow(
  redis: RedisModel,
  key: string,
  limit: number,
  windowMs: number,
  member: string,
  variant: ZsetVariant,
): number {
  const t = redis.time();
  const now = Number(t[0]) * 1_000 + Math.floor(Number(t[1]) / 1_000);
  redis.zremrangebyscore(key, -Infinity, now - windowMs);
  if (variant === 'as-written') {
    redis.zadd(key, now, member);
    const count = redis.zcard(key);
    redis.pexpire(key, windowMs);
    return count > limit ? 0 : 1;
  }
  const count = redis.zcard(key);
  if (count >= limit) return 0;
  redis.zadd(key, now, member);
  redis.pexpire(key, windowMs);
  return 1;
}
