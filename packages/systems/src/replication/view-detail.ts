/** The replication picture the lab draws: each node's LSNs and lag, the recent reads and what they saw. */
import type { NodeId } from '@dslab/sim';
import type { LiveDetail } from '../contract';
import { currentPrimary, lostAcknowledged, type ReplicationCluster } from './cluster';
import { describeSync } from './sync-rep';
import { formatLsn } from './wal';

/** Reads shown, newest last. */
export const DETAIL_READS = 14;

export interface ReplicationNodeDetail {
  readonly id: NodeId;
  readonly up: boolean;
  readonly role: string;
  readonly timeline: number;
  readonly write: number;
  readonly flush: number;
  readonly replay: number;
  readonly label: { readonly write: string; readonly flush: string; readonly replay: string };
  /** Bytes of the primary's flushed WAL this node has not replayed. */
  readonly lagBytes: number;
  /** Age of the oldest record it has not replayed. */
  readonly lagMs: number;
  readonly upstream: NodeId | undefined;
  readonly leaseValid: boolean;
  readonly replayHeld: boolean;
}

export interface ReplicationReadDetail {
  readonly client: NodeId;
  readonly node: NodeId;
  readonly key: string;
  readonly value: string | null;
  readonly at: number;
  /** A write of this key had been acknowledged before the read began, and the read returned an older one. */
  readonly stale: boolean;
  readonly ok: boolean;
}

export interface ReplicationLiveDetail extends LiveDetail {
  readonly kind: 'replication';
  readonly primary: NodeId | undefined;
  readonly timeline: number;
  readonly sync: string;
  readonly commitLevel: string;
  readonly readPolicy: string;
  readonly nodes: readonly ReplicationNodeDetail[];
  readonly reads: readonly ReplicationReadDetail[];
  readonly failovers: readonly {
    readonly from: NodeId;
    readonly to: NodeId;
    readonly timeline: number;
    readonly at: number;
  }[];
  readonly lostAcknowledged: number;
}

/** Ops per client looked at for the recent reads (staleness is judged against writes in the same window). */
const WINDOW = 200;

export function replicationDetail(cluster: ReplicationCluster): ReplicationLiveDetail {
  const { world } = cluster;
  const primary = currentPrimary(cluster);
  const end = primary !== undefined ? cluster.node(primary).positions().flush : 0;
  const nodes = cluster.dataNodes.map((id): ReplicationNodeDetail => {
    const up = world.isUp(id);
    const s = up ? cluster.node(id).snapshot() : undefined;
    const write = s?.write ?? 0;
    const flush = s?.flush ?? 0;
    const replay = s?.role === 'primary' ? (s?.committed ?? 0) : (s?.replay ?? 0);
    return {
      id,
      up,
      role: s ? s.role : 'crashed',
      timeline: s?.timeline ?? 0,
      write,
      flush,
      replay,
      label: { write: formatLsn(write), flush: formatLsn(flush), replay: formatLsn(replay) },
      lagBytes: s && s.role !== 'primary' && primary !== undefined ? Math.max(0, end - replay) : 0,
      lagMs: s && s.role !== 'primary' ? cluster.observer.replayLagMs(replay, end) : 0,
      upstream: s?.upstream,
      leaseValid: s?.leaseValid ?? false,
      replayHeld: s?.replayHeld ?? false,
    };
  });
  const ops = cluster.clients.flatMap((id) => {
    const log = cluster.client(id).log;
    return log.slice(Math.max(0, log.length - WINDOW)).map((op) => ({ client: id, op }));
  });
  const writes = ops
    .filter(({ op }) => op.f === 'write' && op.outcome === 'ok')
    .map(({ op }) => ({ key: op.key, lsn: op.lsn ?? 0, ret: op.ret }));
  const reads = ops
    .filter(({ op }) => op.f === 'read')
    .sort((a, b) => a.op.ret - b.op.ret)
    .slice(-DETAIL_READS)
    .map(({ client, op }): ReplicationReadDetail => {
      let newest = 0;
      for (const w of writes) if (w.key === op.key && w.ret < op.call) newest = Math.max(newest, w.lsn);
      return {
        client,
        node: op.node,
        key: op.key,
        value: op.value ?? null,
        at: op.ret,
        stale: op.outcome === 'ok' && (op.lsn ?? 0) < newest,
        ok: op.outcome === 'ok',
      };
    });
  const manager = cluster.manager();
  return {
    kind: 'replication',
    primary,
    timeline: manager.timeline,
    sync: describeSync(cluster.sync),
    commitLevel: cluster.params.commitLevel,
    readPolicy: cluster.params.readPolicy,
    nodes,
    reads,
    failovers: manager.failovers.map((f) => ({
      from: f.from,
      to: f.to,
      timeline: f.timeline,
      at: f.promotedAt,
    })),
    lostAcknowledged: lostAcknowledged(cluster).length,
  };
}
