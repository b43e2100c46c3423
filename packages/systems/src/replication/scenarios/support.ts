/** What the replication scenarios share: building a cluster, sampling lag, scripted probes, statistics. */
import type { NodeId } from '@dslab/sim';
import {
  buildReplicationCluster,
  currentPrimary,
  replicationParams,
  type BuildOptions,
  type ReplicationCluster,
  type ReplicationParams,
} from '../cluster';
import type { ClientOp } from '../client';
import type { CommitLevel } from '../messages';

export function build(
  overrides: Partial<ReplicationParams>,
  seed: number,
  options: BuildOptions = {},
): ReplicationCluster {
  return buildReplicationCluster(replicationParams.parse(overrides), seed, options);
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? 0 : sum / values.length;
}

export interface LagSample {
  readonly t: number;
  readonly node: NodeId;
  readonly lagMs: number;
  readonly lagBytes: number;
}

/** Runs the world to `untilMs`, sampling every standby's replay lag every `everyMs` from `fromMs`. */
export function runSamplingLag(
  cluster: ReplicationCluster,
  fromMs: number,
  untilMs: number,
  everyMs: number,
): LagSample[] {
  const samples: LagSample[] = [];
  for (let t = fromMs; t <= untilMs; t += everyMs) {
    cluster.world.runUntil(t);
    const primary = currentPrimary(cluster);
    if (primary === undefined) continue;
    const end = cluster.node(primary).positions().write;
    for (const id of cluster.dataNodes) {
      if (id === primary || !cluster.world.isUp(id)) continue;
      const replay = cluster.node(id).positions().replay;
      samples.push({
        t,
        node: id,
        lagMs: cluster.observer.replayLagMs(replay, end),
        lagBytes: Math.max(0, end - replay),
      });
    }
  }
  return samples;
}

export interface Probe {
  readonly write: ClientOp;
  readonly read: ClientOp;
}

/**
 * A scripted session that commits a fresh value and, the moment the commit returns, reads the key back
 * from `via` (or where its read policy says); `count` times, `gapMs` apart.
 */
export function probeReadAfterWrite(
  cluster: ReplicationCluster,
  client: NodeId,
  options: { via?: NodeId; level?: CommitLevel; startMs: number; gapMs: number; count: number; key: string },
  done: (probe: Probe) => void,
): void {
  const c = cluster.client(client);
  let left = options.count;
  const once = () => {
    if (left-- <= 0) return;
    c.write(
      options.key,
      c.freshValue(),
      (write) => {
        if (write.outcome !== 'ok') {
          cluster.world.after(options.gapMs, `probe ${client}`, once);
          return;
        }
        c.read(
          options.key,
          (read) => {
            done({ write, read });
            cluster.world.after(options.gapMs, `probe ${client}`, once);
          },
          options.via,
        );
      },
      options.level,
    );
  };
  cluster.world.at(options.startMs, `probe ${client}`, once);
}

/** A read that returned an older version than the write it follows. */
export function missedOwnWrite(probe: Probe): boolean {
  return probe.read.outcome === 'ok' && (probe.read.lsn ?? 0) < (probe.write.lsn ?? 0);
}

/** Commit latencies of a cluster's acknowledged writes. */
export function commitLatencies(cluster: ReplicationCluster, fromMs = 0): number[] {
  const out: number[] = [];
  for (const id of cluster.clients)
    for (const op of cluster.client(id).log)
      if (op.f === 'write' && op.outcome === 'ok' && op.call >= fromMs) out.push(op.ret - op.call);
  return out;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
