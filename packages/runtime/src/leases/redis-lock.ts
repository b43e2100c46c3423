// The single-instance Redis lock as it is used in practice, through ioredis: SET key value NX PX ttl to
// acquire, a compare-and-delete script to release, and — for the fenced variant — a script that takes the
// lock and a fencing token (INCR of a counter) in one step, since Redis itself hands out no token.
import type Redis from 'ioredis';

/** Deletes the key only while it still holds our value (the release the Redis documentation gives). */
export const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** SET NX PX, and on success the next fencing token from KEYS[2]; 0 when the lock is taken. */
export const ACQUIRE_WITH_TOKEN = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;

export class RedisLock {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  /** SET NX PX: true when we took the lock. */
  async acquire(value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key, value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Takes the lock with a fencing token; undefined when someone holds it. */
  async acquireWithToken(value: string, ttlMs: number): Promise<number | undefined> {
    const token = Number(
      await this.redis.eval(ACQUIRE_WITH_TOKEN, 2, this.key, `${this.key}:token`, value, ttlMs),
    );
    return token > 0 ? token : undefined;
  }

  /** Compare-and-delete: true when it was still ours and is now released. */
  async release(value: string): Promise<boolean> {
    return Number(await this.redis.eval(COMPARE_AND_DELETE, 1, this.key, value)) === 1;
  }

  /** The unsafe release: DEL whatever is there. True when something was deleted. */
  async releaseWithDel(): Promise<boolean> {
    return (await this.redis.del(this.key)) === 1;
  }
}
