/**
 * What the lab's rate-limit view draws of a live run: each bucket's level (the share of its quota left)
 * over the last seconds, sampled whenever the lab asks, and the answers servers gave — admitted or
 * refused — on the same time axis.
 */
import type { LiveDetail } from '../contract';
import { LIMITER, MAX_RECENT_ANSWERS, type RateCluster } from './cluster';

/** Samples of levels kept for the picture (one per frame the lab draws). */
export const MAX_LEVEL_SAMPLES = 600;

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
  /** Earlier samples, oldest first (world time). */
  readonly history: readonly { readonly t: number; readonly levels: Readonly<Record<string, number>> }[];
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
  const samples = cluster.samples;
  if (samples.length === 0 || (samples[samples.length - 1] as { t: number }).t < now) {
    samples.push({ t: now, levels });
    if (samples.length > MAX_LEVEL_SAMPLES) samples.splice(0, samples.length - MAX_LEVEL_SAMPLES);
  }
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
    history: [...samples],
    answers: cluster.ledger.recent.slice(-MAX_RECENT_ANSWERS),
    admitted: cluster.ledger.admitted,
    refused: cluster.ledger.refused,
  };
}
