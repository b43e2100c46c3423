/**
 * What a run measured, in world time, binned: the nodes report events, the ledger decides what they
 * mean. Queue depth and the number of requests in the server are sampled every `SAMPLE_MS` — the way a
 * monitoring system would see them — which is what Little's law is checked against.
 */
import type { World } from '@dslab/sim';
import type { Failure } from './producer';
import type { Priority } from './messages';

export const BIN_MS = 100;
export const SAMPLE_MS = 10;
/** Bins kept in a live run (the newest); scenario runs keep every bin. */
export const MAX_LIVE_BINS = 3_000;

export interface Bin {
  readonly start: number;
  offered: number;
  sent: number;
  retries: number;
  servedHigh: number;
  servedLow: number;
  /** Producer-side latency of served requests (ms), summed; `served` requests. */
  latencySum: number;
  latencyMax: number;
  failed: number;
  late: number;
  /** Admissions to the server's queue and departures from it, with the time spent there. */
  admitted: number;
  refused: number;
  departed: number;
  sojournSum: number;
  /** Samples of depth (queued) and in-system (queued + in service) in this bin. */
  samples: number;
  depthSum: number;
  inSystemSum: number;
  depthMax: number;
  blockedMs: number;
}

function emptyBin(start: number): Bin {
  return {
    start,
    offered: 0,
    sent: 0,
    retries: 0,
    servedHigh: 0,
    servedLow: 0,
    latencySum: 0,
    latencyMax: 0,
    failed: 0,
    late: 0,
    admitted: 0,
    refused: 0,
    departed: 0,
    sojournSum: 0,
    samples: 0,
    depthSum: 0,
    inSystemSum: 0,
    depthMax: 0,
    blockedMs: 0,
  };
}

export interface Totals {
  offered: number;
  sent: number;
  retries: number;
  served: number;
  servedHigh: number;
  servedLow: number;
  offeredHigh: number;
  offeredLow: number;
  failed: number;
  failedBy: Record<Failure, number>;
  late: number;
  admitted: number;
  refused: number;
  departed: number;
  blockedMs: number;
}

export class Ledger {
  readonly bins: Bin[] = [];
  /** Producer-side latencies of served requests, kept in scenario runs only. */
  readonly latencies: number[] = [];
  /** Server-side sojourn times of every departure, kept in scenario runs only. */
  readonly sojourns: number[] = [];
  readonly totals: Totals = {
    offered: 0,
    sent: 0,
    retries: 0,
    served: 0,
    servedHigh: 0,
    servedLow: 0,
    offeredHigh: 0,
    offeredLow: 0,
    failed: 0,
    failedBy: { timeout: 0, full: 0, evicted: 0, expired: 0 },
    late: 0,
    admitted: 0,
    refused: 0,
    departed: 0,
    blockedMs: 0,
  };

  constructor(
    private readonly world: World,
    readonly keep: boolean,
  ) {}

  bin(): Bin {
    const start = Math.floor(this.world.now() / BIN_MS) * BIN_MS;
    let last = this.bins[this.bins.length - 1];
    while (last === undefined || last.start < start) {
      last = emptyBin(last === undefined ? start : last.start + BIN_MS);
      this.bins.push(last);
    }
    if (!this.keep && this.bins.length >= 2 * MAX_LIVE_BINS) this.bins.splice(0, MAX_LIVE_BINS);
    return last;
  }

  sample(depth: number, inSystem: number): void {
    const bin = this.bin();
    bin.samples++;
    bin.depthSum += depth;
    bin.inSystemSum += inSystem;
    bin.depthMax = Math.max(bin.depthMax, depth);
  }

  offered(priority: Priority): void {
    this.bin().offered++;
    this.totals.offered++;
    if (priority === 'high') this.totals.offeredHigh++;
    else this.totals.offeredLow++;
  }

  sent(attempt: number): void {
    const bin = this.bin();
    bin.sent++;
    this.totals.sent++;
    if (attempt > 1) {
      bin.retries++;
      this.totals.retries++;
    }
  }

  served(priority: Priority, latencyMs: number): void {
    const bin = this.bin();
    if (priority === 'high') {
      bin.servedHigh++;
      this.totals.servedHigh++;
    } else {
      bin.servedLow++;
      this.totals.servedLow++;
    }
    this.totals.served++;
    bin.latencySum += latencyMs;
    bin.latencyMax = Math.max(bin.latencyMax, latencyMs);
    if (this.keep) this.latencies.push(latencyMs);
  }

  failed(why: Failure): void {
    this.bin().failed++;
    this.totals.failed++;
    this.totals.failedBy[why]++;
  }

  late(): void {
    this.bin().late++;
    this.totals.late++;
  }

  blocked(ms: number): void {
    this.bin().blockedMs += ms;
    this.totals.blockedMs += ms;
  }

  admitted(): void {
    this.bin().admitted++;
    this.totals.admitted++;
  }

  refused(): void {
    this.bin().refused++;
    this.totals.refused++;
  }

  departed(sojournMs: number): void {
    const bin = this.bin();
    bin.departed++;
    bin.sojournSum += sojournMs;
    this.totals.departed++;
    if (this.keep) this.sojourns.push(sojournMs);
  }

  /** The bins whose start lies in [from, to). */
  between(from: number, to: number): Bin[] {
    return this.bins.filter((b) => b.start >= from && b.start < to);
  }
}

/** Served requests per second over the bins (goodput: served within the producer's timeout). */
export function goodput(bins: readonly Bin[]): number {
  if (bins.length === 0) return 0;
  let served = 0;
  for (const b of bins) served += b.servedHigh + b.servedLow;
  return served / ((bins.length * BIN_MS) / 1_000);
}

/** The q-quantile (0–1) of values, by sorting a copy; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
