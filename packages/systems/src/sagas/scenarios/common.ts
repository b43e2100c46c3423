/** What the saga scenarios share: running a world to its end, and counting what its sagas left behind. */
import type { LinkConfig } from '@dslab/sim';
import { buildSagaWorld, sagaParams, type SagaCluster, type SagaParams } from '../cluster';
import { settled } from '../settle';
import { sagasSeen, servicesVerdict } from '../invariants';

export type SagaInput = Partial<SagaParams>;

export interface RunOptions {
  /** Faults and scripted actions on the freshly built cluster. */
  readonly setup?: (cluster: SagaCluster) => void;
  /** Longest the run may go on (virtual ms) waiting for its sagas to end. */
  readonly limitMs?: number;
}

/** Builds a world without invariants (the scenarios count what broke) and runs it until its sagas end. */
export function runSagas(input: SagaInput, seed: number, options: RunOptions = {}): SagaCluster {
  const params = sagaParams.parse(input);
  const cluster = buildSagaWorld(params, seed, 'hash', { invariants: false });
  options.setup?.(cluster);
  cluster.world.runFor(params.durationMs);
  cluster.world.runUntilCondition(() => settled(cluster), options.limitMs ?? 30_000);
  cluster.world.runFor(500);
  return cluster;
}

/** A long-tailed link: most messages quick, a few very late, so later messages overtake them. */
export function slowLink(median: number, p99: number): Partial<LinkConfig> {
  return { latency: { kind: 'long-tail', median, p99 } };
}

export interface Tally {
  readonly sagas: number;
  readonly committed: number;
  readonly compensated: number;
  readonly partial: number;
  readonly firstPartial: string | undefined;
}

/** Each saga as the services left it: all of it, none of it, or part of it. */
export function tally(cluster: SagaCluster): Tally {
  let committed = 0;
  let compensated = 0;
  let partial = 0;
  let firstPartial: string | undefined;
  const seen = sagasSeen(cluster.recorder);
  for (const saga of seen) {
    const { verdict, detail } = servicesVerdict(cluster.recorder, saga);
    if (verdict === 'committed') committed++;
    else if (verdict === 'compensated') compensated++;
    else {
      partial++;
      firstPartial ??= `${saga}: ${detail}`;
    }
  }
  return { sagas: seen.length, committed, compensated, partial, firstPartial };
}

/** Mean time from acceptance to end over the sagas that ended, in virtual ms. */
export function meanLatency(cluster: SagaCluster): number {
  let sum = 0;
  let n = 0;
  for (const [saga, end] of cluster.recorder.endedAt) {
    const start = cluster.recorder.acceptedAt.get(saga);
    if (start === undefined) continue;
    sum += end.t - start;
    n++;
  }
  return n > 0 ? sum / n : 0;
}

/**
 * Sold-out refusals that saw an intermediate state: a saga turned away while a unit was held by a saga
 * that was later compensated (had it waited, the unit would have come back).
 */
export function dirtyRefusals(cluster: SagaCluster): number {
  let dirty = 0;
  for (const refusal of cluster.recorder.soldOut) {
    const undone = refusal.holders.some(
      (holder) => cluster.recorder.endedAt.get(holder)?.outcome === 'compensated',
    );
    if (undone) dirty++;
  }
  return dirty;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function seedsFor(seed: number, quick: boolean | undefined, full: number, fast: number): number[] {
  return Array.from({ length: quick ? fast : full }, (_, i) => seed + i);
}
