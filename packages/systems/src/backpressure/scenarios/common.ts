/** What the scenarios share: one run, drained or not, and the figures read from its ledger. */
import {
  backpressureParams,
  buildBackpressureWorld,
  stopProducingAt,
  type BackpressureCluster,
  type BackpressureParams,
} from '../cluster';
import { SERVER } from '../names';
import { BIN_MS, mean, quantile, type Bin } from '../ledger';

export const rows = ['G3'];

/** Longest a drained run may take to empty its queue after the producer stops. */
const MAX_DRAIN_MS = 600_000;

/**
 * Runs with the producer's users arriving until `durationMs`; with `drain`, then until the server is
 * empty (so every admitted request also departed), otherwise for `settleMs` more.
 */
export function runFor(
  overrides: Partial<BackpressureParams>,
  seed: number,
  options: { readonly drain?: boolean; readonly settleMs?: number } = {},
): BackpressureCluster {
  const params = backpressureParams.parse({ triggerForMs: 0, ...overrides });
  const cluster = buildBackpressureWorld(params, seed, 'hash', { keep: true });
  stopProducingAt(cluster, params.durationMs);
  const { world } = cluster;
  world.runFor(params.durationMs + (options.settleMs ?? 0));
  if (options.drain) {
    const empty = world.runUntilCondition(
      () => !world.isUp(SERVER) || cluster.server().inSystem === 0,
      MAX_DRAIN_MS,
    );
    if (!empty) throw new Error(`the server did not drain within ${MAX_DRAIN_MS} ms`);
    // Finish the bin the last departure fell in, so every sample of it is counted.
    world.runFor(BIN_MS);
  }
  return cluster;
}

/** Producer-side latency of the requests served in the bins, mean (NaN when none). */
export function meanLatency(bins: readonly Bin[]): number {
  let sum = 0;
  let n = 0;
  for (const b of bins) {
    sum += b.latencySum;
    n += b.servedHigh + b.servedLow;
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** Mean queue depth over the bins' samples. */
export function meanDepth(bins: readonly Bin[]): number {
  let sum = 0;
  let n = 0;
  for (const b of bins) {
    sum += b.depthSum;
    n += b.samples;
  }
  return n === 0 ? 0 : sum / n;
}

export interface LittleCheck {
  /** Mean number in the server, from samples every SAMPLE_MS. */
  readonly L: number;
  /** Admissions per millisecond over the sampled span. */
  readonly lambda: number;
  /** Mean time in the server of the departed requests, ms. */
  readonly W: number;
  /** Standard error of L from batch means (20 batches). */
  readonly standardError: number;
  readonly holds: boolean;
}

const BATCHES = 20;

/**
 * Little's law on a drained run: every admitted request departed inside the sampled span, so the time
 * average of the number in the server equals λW up to the error of sampling it every SAMPLE_MS. The
 * tolerance is three standard errors of the sampled mean, estimated by batch means (consecutive samples
 * are correlated, so the naive standard error would be too small).
 */
export function littleCheck(cluster: BackpressureCluster): LittleCheck {
  const { bins, sojourns, totals } = cluster.ledger;
  let samples = 0;
  let sum = 0;
  for (const b of bins) {
    samples += b.samples;
    sum += b.inSystemSum;
  }
  const spanMs = bins.length * BIN_MS;
  const L = samples === 0 ? 0 : sum / samples;
  const lambda = totals.admitted / spanMs;
  const W = mean(sojourns);
  const perBatch = Math.max(1, Math.floor(bins.length / BATCHES));
  const batchMeans: number[] = [];
  for (let i = 0; i + perBatch <= bins.length; i += perBatch) {
    let s = 0;
    let n = 0;
    for (let j = i; j < i + perBatch; j++) {
      const b = bins[j] as Bin;
      s += b.inSystemSum;
      n += b.samples;
    }
    if (n > 0) batchMeans.push(s / n);
  }
  const m = mean(batchMeans);
  let variance = 0;
  for (const x of batchMeans) variance += (x - m) ** 2;
  variance /= Math.max(1, batchMeans.length - 1);
  const standardError = Math.sqrt(variance / Math.max(1, batchMeans.length));
  return { L, lambda, W, standardError, holds: Math.abs(L - lambda * W) <= 3 * standardError };
}

export function p99(values: readonly number[]): number {
  return quantile(values, 0.99);
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function hashOf(clusters: readonly BackpressureCluster[]): string {
  return clusters
    .map((c) => c.world.traceHash())
    .join('')
    .slice(0, 32);
}

/** Requests in a window of `windowMs` at `perSecond`: the relative sampling error of a count is 1/√n. */
export function countTolerance(perSecond: number, windowMs: number): number {
  const expected = (perSecond * windowMs) / 1_000;
  return expected > 0 ? 3 / Math.sqrt(expected) : 1;
}
