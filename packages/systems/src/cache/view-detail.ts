/** What the lab's cache view draws of a live run: recent database load against its capacity. */
import type { LiveDetail } from '../contract';
import type { CacheCluster } from './cluster';

/** The span of recent history a detail carries. */
export const DETAIL_SPAN_MS = 5_000;

export interface CacheLiveDetail extends LiveDetail {
  readonly kind: 'cache';
  readonly now: number;
  readonly guard: string;
  /** Reads per second the database can serve: workers × 1000 / read time. */
  readonly capacityPerSecond: number;
  /** True times of the database reads and refusals in the last `DETAIL_SPAN_MS`. */
  readonly reads: readonly number[];
  readonly refused: readonly number[];
  readonly inService: number;
  readonly queued: number;
  readonly hits: number;
  readonly misses: number;
}

function recent(times: readonly number[], from: number): number[] {
  let i = times.length;
  while (i > 0 && (times[i - 1] as number) >= from) i--;
  return times.slice(i);
}

export function cacheDetail(cluster: CacheCluster): CacheLiveDetail {
  const { world, params, ledger } = cluster;
  const now = world.now();
  let hits = 0;
  let misses = 0;
  for (const id of cluster.caches) {
    if (!world.isUp(id)) continue;
    const s = cluster.cache(id).snapshot();
    hits += s.hits;
    misses += s.misses;
  }
  const db = world.isUp('db') ? cluster.db() : undefined;
  return {
    kind: 'cache',
    now,
    guard: params.guard,
    capacityPerSecond: params.dbReadMs > 0 ? (params.dbCapacity * 1_000) / params.dbReadMs : Infinity,
    reads: recent(ledger.dbReads, now - DETAIL_SPAN_MS),
    refused: recent(ledger.refusedAt, now - DETAIL_SPAN_MS),
    inService: db?.inService ?? 0,
    queued: db?.queued ?? 0,
    hits,
    misses,
  };
}
