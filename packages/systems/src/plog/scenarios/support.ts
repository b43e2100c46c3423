/** Helpers the plog scenarios share: building a run, reading a leader's log, a table row. */
import { catchViolation } from '@dslab/sim';
import {
  buildPlogCluster,
  plogParams,
  type ClusterOverrides,
  type PlogCluster,
  type PlogParams,
} from '../cluster';
import type { LogRecord } from '../log';
import { partitionId } from '../messages';

/** Builds a cluster from the defaults plus `params`, runs it for `ms` and throws if an invariant broke. */
export function runCluster(
  params: Partial<PlogParams>,
  seed: number,
  ms: number,
  overrides: ClusterOverrides = {},
): PlogCluster {
  const cluster = buildPlogCluster(plogParams.parse(params), seed, 'hash', overrides);
  const violation = catchViolation(() => cluster.world.runFor(ms));
  if (violation) throw violation;
  return cluster;
}

/** The records of a partition on its current leader. */
export function leaderLog(cluster: PlogCluster, topic: string, partition: number): readonly LogRecord[] {
  const state = cluster.controller().partition(partitionId(topic, partition));
  const leader = state?.leader;
  if (leader === undefined) return [];
  return cluster.broker(leader).log(topic, partition)?.all() ?? [];
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
