/**
 * What the lab's rate-limit view draws of a live run: each bucket's level (the share of its quota left)
 * right after each of its decisions over the last seconds, and the answers servers gave — admitted or
 * refused — on the same time axis. Both are recorded as the run goes (bounded), so the picture of a
 * moment is the same however the lab got there.
 */
import type { LiveDetail } from '../contract';
import { LIMITER, MAX_LEVEL_SAMPLES, MAX_RECENT_ANSWERS, type RateCluster } from './cluster';

export interface RateLiveDetail extends LiveDetail {
  readonly kind: 'ratelimit';
  readonly now: number;
  readonly mode: string;
  readonly algorithm: string;
  readonly hierarchical: boolean;
  readonly limit: number;
  readonly windowMs: number;
  /** The node whose limiter is drawn: the central limiter, or the first server in local mode. */
  readonly limiter: string;
  /** Level (0–1) of each bucket or limiter, now. */
  readonly levels: readonly { readonly key: string; readonly level: number }[];
  /** Each key's level right after each decision, oldest first (world time). */
  readonly history: readonly { readonly t: number; readonly key: string; readonly level: number }[];
  /** Recent answers in world time. */
  readonly answers: readonly { readonly t: number; readonly admitted: boolean; readonly tenant: string }[];
  readonly admitted: number;
  readonly refused: number;
}

export function rateDetail(cluster: RateCluster): RateLiveDetail {
  const { world, params } = cluster;
  const limiter = params.mode === 'local' ? (cluster.servers[0] as string) : LIMITER;
  let levels: Record<string, number> = {};
  if (params.mode !== 'synced' && world.isUp(limiter))
    levels = limiter === LIMITER ? cluster.limiter().snapshot().levels : cluster.server(limiter).levels();
  const now = world.now();
  return {
    kind: 'ratelimit',
    now,
    mode: params.mode,
    algorithm: params.hierarchical ? 'token buckets: global → tenant → endpoint' : params.algorithm,
    hierarchical: params.hierarchical,
    limit: params.limit,
    windowMs: params.windowMs,
    limiter,
    levels: Object.entries(levels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, level]) => ({ key, level })),
    history: cluster.samples.slice(-MAX_LEVEL_SAMPLES),
    answers: cluster.ledger.recent.slice(-MAX_RECENT_ANSWERS),
    admitted: cluster.ledger.admitted,
    refused: cluster.ledger.refused,
  };
}
