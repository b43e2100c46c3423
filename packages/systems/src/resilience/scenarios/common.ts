/** Building blocks the scenarios share: graphs, policies and the figures they read off a run. */
import type { NodeId } from '@dslab/sim';
import type { CallPolicy } from '../caller';
import { buildGraph, type ClientSpec, type FaultSpec, type GraphCluster, type ServiceSpec } from '../cluster';
import type { Completion } from '../ledger';
import type { Outcome } from '../messages';
import type { DependencySpec } from '../service';

/** One attempt, a long timeout, no breaker, no bulkhead: the bare call. */
export function policy(overrides: Partial<CallPolicy> = {}): CallPolicy {
  return {
    timeoutMs: Infinity,
    retry: { backoff: 'none', maxAttempts: 1, baseMs: 0, capMs: 0 },
    ...overrides,
  };
}

export function leaf(
  id: NodeId,
  service: string,
  workers: number,
  queue: number,
  medianMs: number,
  p99Ms: number,
): ServiceSpec {
  return {
    id,
    config: {
      service,
      workers,
      queue,
      workMedianMs: medianMs,
      workP99Ms: p99Ms,
      dependencies: [],
      routes: {},
    },
  };
}

export function frontend(
  workers: number,
  queue: number,
  dependencies: readonly DependencySpec[],
  routes: Readonly<Record<string, readonly string[]>>,
  extra: Partial<ServiceSpec['config']> = {},
): ServiceSpec {
  return {
    id: 'frontend',
    config: {
      service: 'frontend',
      workers,
      queue,
      workMedianMs: 1,
      workP99Ms: 3,
      dependencies,
      routes,
      ...extra,
    },
  };
}

export function poissonClients(
  count: number,
  perSecond: number,
  entry: NodeId,
  clientPolicy: CallPolicy,
  routes: readonly { route: string; weight: number }[],
  stopAtMs: number,
): ClientSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${i + 1}`,
    config: {
      frontend: entry,
      instances: [entry],
      policy: clientPolicy,
      rate: [{ fromMs: 0, perSecond }],
      routes,
      badShare: 0,
      stopAtMs,
    },
  }));
}

export function runGraph(
  services: readonly ServiceSpec[],
  clients: readonly ClientSpec[],
  faults: readonly FaultSpec[],
  seed: number,
  untilMs: number,
): GraphCluster {
  const cluster = buildGraph(
    { services, clients, faults, latencyMs: 1, jitterMs: 1, sampleEveryMs: 10, keep: true },
    seed,
  );
  cluster.world.runFor(untilMs);
  return cluster;
}

/** Completions that started in [fromMs, toMs) (a completion's start is its end minus its latency). */
export function startedIn(
  completions: readonly Completion[],
  fromMs: number,
  toMs: number,
  route?: string,
): Completion[] {
  return completions.filter((c) => {
    const start = c.t - c.latencyMs;
    return start >= fromMs && start < toMs && (route === undefined || c.route === route);
  });
}

export function okShare(completions: readonly Completion[]): number {
  if (completions.length === 0) return 0;
  let ok = 0;
  for (const c of completions) if (c.outcome === 'ok') ok++;
  return ok / completions.length;
}

export function countOutcome(completions: readonly Completion[], outcome: Outcome): number {
  let n = 0;
  for (const c of completions) if (c.outcome === outcome) n++;
  return n;
}

/** The p-quantile (0–1) of `values`, nearest rank; NaN when empty. */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function pct(value: number, digits = 1): string {
  return `${round(value * 100, digits)}%`;
}

/** Mean busy workers of `node` over the occupancy samples taken in [fromMs, toMs). */
export function meanBusy(cluster: GraphCluster, node: NodeId, fromMs: number, toMs: number): number {
  const busy = cluster.ledger.occupancy
    .filter((s) => s.node === node && s.t >= fromMs && s.t < toMs)
    .map((s) => s.busy);
  return mean(busy);
}

/** Peak calls in flight from `node` to `dependency` over the samples in [fromMs, toMs). */
export function peakCalls(
  cluster: GraphCluster,
  node: NodeId,
  dependency: string,
  fromMs: number,
  toMs: number,
): number {
  let peak = 0;
  for (const s of cluster.ledger.occupancy)
    if (s.node === node && s.t >= fromMs && s.t < toMs) peak = Math.max(peak, s.calls[dependency] ?? 0);
  return peak;
}

/** Traces of several runs, joined. */
export function hashes(clusters: readonly GraphCluster[]): string {
  return clusters.map((c) => c.world.traceHash()).join('');
}
