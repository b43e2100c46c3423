/** The stampede workload on real Redis: reader loops on one hot key, latencies and stale answers measured. */
import type { Val } from './database';
import type { RedisCacheAside } from './redis-cache';

export interface LoadResult {
  reads: number;
  errors: number;
  readonly latencies: number[];
  /** Answers older than the database's version when the read started. */
  stale: number;
}

/**
 * `loops` readers per cache instance, each reading `key` then pausing `thinkMs`, until `durationMs`
 * has passed. `current` (when the database is in this process) gives the version a read must not be
 * older than.
 */
export async function readLoops(
  caches: readonly RedisCacheAside[],
  key: string,
  options: { loops: number; durationMs: number; thinkMs: number; current?: (key: string) => Val },
): Promise<LoadResult> {
  const result: LoadResult = { reads: 0, errors: 0, latencies: [], stale: 0 };
  const end = performance.now() + options.durationMs;
  const loop = async (cache: RedisCacheAside) => {
    while (performance.now() < end) {
      const minVersion = options.current?.(key).version ?? 0;
      const started = performance.now();
      try {
        const { val } = await cache.read(key);
        result.latencies.push(performance.now() - started);
        if (val.version < minVersion) result.stale++;
      } catch {
        result.errors++;
      }
      result.reads++;
      await new Promise((resolve) => setTimeout(resolve, options.thinkMs * Math.random() * 2));
    }
  };
  await Promise.all(caches.flatMap((cache) => Array.from({ length: options.loops }, () => loop(cache))));
  return result;
}

/** Sizes of the bursts in sorted times, a burst ending at a gap longer than `gapMs`. */
export function bursts(times: readonly number[], gapMs: number): number[] {
  const sizes: number[] = [];
  let last = -Infinity;
  for (const t of times) {
    if (t - last > gapMs || sizes.length === 0) sizes.push(1);
    else sizes[sizes.length - 1] = (sizes[sizes.length - 1] as number) + 1;
    last = t;
  }
  return sizes;
}
