/**
 * Time to live over any eviction policy: each entry carries its expiry, checked on read against a clock
 * passed in (the simulator's `env.monotonic()`, or a test's number). An expired entry is a miss and is
 * dropped when read; nothing sweeps in the background, so expired entries still take room until read or
 * evicted (as in memcached's lazy expiry).
 */
import { invariant } from '@dslab/sim';
import type { EvictionPolicy } from './policy';

export interface Timed<V> {
  readonly value: V;
  /** Clock reading at which the entry stops being served. */
  readonly expiresAt: number;
  /** Clock reading when it was stored. */
  readonly storedAt: number;
}

export class TtlCache<V> {
  expired = 0;

  constructor(readonly policy: EvictionPolicy<string, Timed<V>>) {}

  get size(): number {
    return this.policy.size;
  }

  get(key: string, now: number): Timed<V> | undefined {
    const entry = this.policy.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.policy.delete(key);
      this.expired++;
      return undefined;
    }
    return entry;
  }

  /** The entry even when expired (a lease's stale value), without counting a use. */
  peek(key: string): Timed<V> | undefined {
    return this.policy.peek(key);
  }

  set(key: string, value: V, now: number, ttlMs: number): Timed<V> {
    invariant(ttlMs > 0, 'ttl', () => `a TTL must be > 0, got ${ttlMs}`);
    const entry: Timed<V> = { value, expiresAt: now + ttlMs, storedAt: now };
    this.policy.set(key, entry);
    return entry;
  }

  delete(key: string): boolean {
    return this.policy.delete(key);
  }
}
