/**
 * What the lab's backpressure view draws of a live run: queue depth and latency over the last seconds,
 * with what was offered, served, refused and retried in each tenth of a second, and the trigger window.
 */
import type { LiveDetail } from '../contract';
import { capacityOf, type BackpressureCluster } from './cluster';
import { BIN_MS } from './ledger';
import { PRODUCER, SERVER } from './names';

/** The span of recent history a detail carries. */
export const DETAIL_SPAN_MS = 20_000;

export interface BackpressureBinDetail {
  readonly start: number;
  /** Mean and largest queue depth sampled in the bin. */
  readonly depth: number;
  readonly depthMax: number;
  /** Mean latency of the requests served in the bin (ms), or null when none was. */
  readonly latency: number | null;
  readonly offered: number;
  readonly served: number;
  readonly failed: number;
  readonly retries: number;
  readonly late: number;
}

export interface BackpressureLiveDetail extends LiveDetail {
  readonly kind: 'backpressure';
  readonly now: number;
  readonly binMs: number;
  readonly capacityPerSecond: number;
  readonly ratePerSecond: number;
  readonly overflow: string;
  readonly order: string;
  readonly flow: string;
  /** The queue's bound, or null when unbounded. */
  readonly bound: number | null;
  readonly timeoutMs: number;
  readonly trigger: {
    readonly from: number;
    readonly to: number;
    readonly slowdown: number;
    readonly load: number;
  } | null;
  readonly depth: number;
  readonly busy: number;
  readonly outstanding: number;
  readonly rateFactor: number;
  readonly blocked: boolean;
  readonly bins: readonly BackpressureBinDetail[];
  readonly totals: {
    readonly offered: number;
    readonly served: number;
    readonly failed: number;
    readonly retries: number;
    readonly late: number;
  };
}

export function backpressureDetail(cluster: BackpressureCluster): BackpressureLiveDetail {
  const { world, params, ledger } = cluster;
  const now = world.now();
  const server = world.isUp(SERVER) ? cluster.server() : undefined;
  const producer = world.isUp(PRODUCER) ? cluster.producer().snapshot() : undefined;
  const bins: BackpressureBinDetail[] = [];
  for (let i = ledger.bins.length - 1; i >= 0; i--) {
    const b = ledger.bins[i];
    if (b === undefined || b.start < now - DETAIL_SPAN_MS) break;
    const served = b.servedHigh + b.servedLow;
    bins.push({
      start: b.start,
      depth: b.samples > 0 ? b.depthSum / b.samples : 0,
      depthMax: b.depthMax,
      latency: served > 0 ? b.latencySum / served : null,
      offered: b.offered,
      served,
      failed: b.failed,
      retries: b.retries,
      late: b.late,
    });
  }
  bins.reverse();
  const t = ledger.totals;
  return {
    kind: 'backpressure',
    now,
    binMs: BIN_MS,
    capacityPerSecond: capacityOf(params),
    ratePerSecond: params.rate,
    overflow: params.overflow,
    order: params.order,
    flow: params.flow,
    bound: params.overflow === 'unbounded' ? null : params.queueBound,
    timeoutMs: params.timeoutMs,
    trigger:
      params.triggerForMs > 0
        ? {
            from: params.triggerAtMs,
            to: params.triggerAtMs + params.triggerForMs,
            slowdown: params.triggerSlowdown,
            load: params.triggerLoad,
          }
        : null,
    depth: server?.queue.length ?? 0,
    busy: server?.busy ?? 0,
    outstanding: producer?.outstanding ?? 0,
    rateFactor: producer?.rateFactor ?? 1,
    blocked: producer?.blocked ?? false,
    bins,
    totals: { offered: t.offered, served: t.served, failed: t.failed, retries: t.retries, late: t.late },
  };
}
