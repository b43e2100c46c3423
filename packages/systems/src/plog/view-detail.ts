/** What the lab's plog view draws: partitions with leader, ISR, high watermark and last stable offset; consumers with their partitions, offsets and lag; the group's rebalance; transactions. */
import type { NodeId } from '@dslab/sim';
import type { LiveDetail } from '../contract';
import type { ReplicaSnapshot } from './broker';
import type { PlogCluster } from './cluster';
import { GROUP } from './cluster';

export interface PlogReplicaDetail {
  readonly broker: NodeId;
  readonly up: boolean;
  readonly inSync: boolean;
  readonly logEnd: number;
  readonly highWatermark: number;
}

export interface PlogPartitionDetail {
  readonly id: string;
  readonly leader: NodeId | null;
  readonly epoch: number;
  readonly isr: readonly NodeId[];
  readonly replicas: readonly PlogReplicaDetail[];
  /** The leader's high watermark (what consumers may read), or -1 while offline. */
  readonly highWatermark: number;
  /** The leader's last stable offset (what read_committed consumers may read), or -1 while offline. */
  readonly lastStable: number;
  /** Transactions open in the leader's log. */
  readonly openTransactions: number;
  readonly logEnd: number;
  readonly committed: number;
  readonly owner: NodeId | null;
}

export interface PlogConsumerDetail {
  readonly id: NodeId;
  readonly up: boolean;
  readonly partitions: readonly {
    readonly id: string;
    readonly position: number | null;
    readonly lag: number;
  }[];
  readonly processed: number;
}

export interface PlogTransactionDetail {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly epoch: number;
  readonly phase: string;
  readonly partitions: readonly string[];
  /** Partitions whose marker the ISR does not have yet. */
  readonly pendingMarkers: readonly string[];
}

export interface PlogLiveDetail extends LiveDetail {
  readonly kind: 'plog';
  readonly isolation: string;
  /** The transaction coordinator's state (empty without transactional producers, null while it is down). */
  readonly transactions: readonly PlogTransactionDetail[] | null;
  readonly partitions: readonly PlogPartitionDetail[];
  readonly consumers: readonly PlogConsumerDetail[];
  readonly group: {
    readonly generation: number;
    readonly phase: 'stable' | 'revoking';
    readonly rebalances: number;
    readonly protocol: string;
  };
}

export function plogDetail(cluster: PlogCluster): PlogLiveDetail {
  const { world } = cluster;
  const controller = cluster.controller().snapshot();
  const group = controller.groups.find((g) => g.name === GROUP);
  const ownerOf = new Map<string, NodeId>();
  for (const [member, owned] of Object.entries(group?.members ?? {}))
    for (const p of owned) ownerOf.set(p, member);
  const replicaViews = new Map<NodeId, ReplicaSnapshot[]>();
  for (const b of cluster.brokers) if (world.isUp(b)) replicaViews.set(b, cluster.broker(b).snapshot());
  const partitions = controller.partitions.map((state): PlogPartitionDetail => {
    const replicas = state.replicas.map((broker): PlogReplicaDetail => {
      const view = replicaViews.get(broker)?.find((r) => r.id === state.id);
      return {
        broker,
        up: world.isUp(broker),
        inSync: state.isr.includes(broker),
        logEnd: view?.logEnd ?? -1,
        highWatermark: view?.highWatermark ?? -1,
      };
    });
    const leader = replicas.find((r) => r.broker === state.leader);
    const leaderView =
      state.leader !== undefined ? replicaViews.get(state.leader)?.find((r) => r.id === state.id) : undefined;
    return {
      id: state.id,
      leader: state.leader ?? null,
      epoch: state.epoch,
      isr: state.isr,
      replicas,
      highWatermark: leader?.highWatermark ?? -1,
      lastStable: leaderView?.lastStable ?? -1,
      openTransactions: leaderView?.openTransactions ?? 0,
      logEnd: leader?.logEnd ?? -1,
      committed: group?.offsets[state.id] ?? 0,
      owner: ownerOf.get(state.id) ?? null,
    };
  });
  const consumers = cluster.consumers.map((id): PlogConsumerDetail => {
    if (!world.nodeIds().includes(id) || !world.isUp(id))
      return { id, up: false, partitions: [], processed: 0 };
    const consumer = cluster.consumer(id);
    const lag = consumer.lag();
    return {
      id,
      up: true,
      partitions: consumer
        .assigned()
        .map((p) => ({ id: p, position: consumer.position(p) ?? null, lag: lag[p] ?? 0 })),
      processed: consumer.stats.processed,
    };
  });
  const transactions = world.isUp(cluster.coordinatorId)
    ? cluster
        .coordinator()
        .snapshot()
        .transactions.map((t): PlogTransactionDetail => ({
          transactionalId: t.transactionalId,
          producerId: t.producerId,
          epoch: t.epoch,
          phase: t.phase,
          partitions: t.partitions,
          pendingMarkers: t.pending,
        }))
    : null;
  return {
    kind: 'plog',
    isolation: cluster.params.isolation,
    transactions,
    partitions,
    consumers,
    group: {
      generation: group?.generation ?? 0,
      phase: group?.phase ?? 'stable',
      rebalances: group?.rebalances ?? 0,
      protocol: cluster.params.protocol,
    },
  };
}
