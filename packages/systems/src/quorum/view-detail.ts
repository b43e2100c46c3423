/** What the lab's quorum view draws: the ring, each key's preference list and replicas, pending hints, siblings. */
import { murmur3, type NodeId } from '@dslab/sim';
import type { LiveDetail } from '../contract';
import type { QuorumCluster } from './cluster';
import { valuesOf } from './versions';

/** Keys drawn at most (the first ones, in order). */
export const DETAIL_KEYS = 24;
/** Pending hints listed at most (the count says how many there are). */
export const DETAIL_HINTS = 40;

export interface QuorumReplicaDetail {
  readonly node: NodeId;
  readonly up: boolean;
  /** The values this replica holds (more than one: siblings). */
  readonly values: readonly string[];
}

export interface QuorumKeyDetail {
  readonly key: string;
  /** Where the key hashes on the ring, 0 to 1. */
  readonly position: number;
  readonly preference: readonly NodeId[];
  readonly replicas: readonly QuorumReplicaDetail[];
  /** The preferred replicas that are up do not all hold the same values. */
  readonly divergent: boolean;
}

export interface QuorumLiveDetail extends LiveDetail {
  readonly kind: 'quorum';
  readonly params: {
    readonly n: number;
    readonly r: string;
    readonly w: string;
    readonly mode: string;
    readonly sloppy: boolean;
  };
  readonly nodes: readonly {
    readonly id: NodeId;
    readonly up: boolean;
    readonly paused: boolean;
    readonly hints: number;
  }[];
  /** Every virtual node's position on the ring (0 to 1) and owner. */
  readonly points: readonly { readonly position: number; readonly owner: NodeId }[];
  readonly keys: readonly QuorumKeyDetail[];
  readonly hints: readonly {
    readonly holder: NodeId;
    readonly key: string;
    readonly intended: NodeId;
    readonly siblings: number;
  }[];
  /** Every pending hint, listed or not (the list stops at DETAIL_HINTS). */
  readonly hintCount: number;
}

const RING = 2 ** 32;

export function quorumDetail(cluster: QuorumCluster): QuorumLiveDetail {
  const { world, params } = cluster;
  const keys = cluster.keys.slice(0, DETAIL_KEYS).map((key): QuorumKeyDetail => {
    const preference = cluster.preferenceList(key);
    const replicas = preference.map((node): QuorumReplicaDetail => {
      const up = world.isUp(node);
      return { node, up, values: up ? valuesOf(cluster.node(node).replica(key)).sort() : [] };
    });
    // Among the replicas that are up: a down one is drawn as down, not counted as a difference.
    const shown = replicas.filter((r) => r.up).map((r) => r.values.join(','));
    return {
      key,
      position: murmur3(key) / RING,
      preference,
      replicas,
      divergent: shown.some((s) => s !== shown[0]),
    };
  });
  const hints: QuorumLiveDetail['hints'][number][] = [];
  let hintCount = 0;
  for (const id of cluster.nodes) {
    if (!world.isUp(id)) continue;
    hintCount += cluster.node(id).hintCount;
    for (const hint of cluster.node(id).pendingHints())
      if (hints.length < DETAIL_HINTS) hints.push({ holder: id, ...hint });
  }
  return {
    kind: 'quorum',
    params: {
      n: params.replicas,
      r: params.readLevel,
      w: params.writeLevel,
      mode: params.conflict,
      sloppy: params.sloppy,
    },
    nodes: cluster.nodes.map((id) => ({
      id,
      up: world.isUp(id),
      paused: world.isUp(id) && world.isPaused(id),
      hints: world.isUp(id) ? cluster.node(id).hintCount : 0,
    })),
    points: cluster.ring.snapshot().points.map((p) => ({ position: p.position / RING, owner: p.owner })),
    keys,
    hints,
    hintCount,
  };
}
