/** What the quorum store's nodes and clients send each other: plain, serializable data. */
import type { NodeId } from '@dslab/sim';
import type { Stored, VersionVector } from './versions';

/** Deliberately broken variants; each trips one check (index.ts pins the seed that shows it). */
export const quorumMutants = [
  'repair-overwrites',
  'handoff-wrong-node',
  'dvv-merge-drops-dot',
  'hints-keyed-by-node',
  'merkle-off-by-one',
] as const;
export type QuorumMutant = (typeof quorumMutants)[number];

/** Consistency levels per request, Cassandra's names: how many replicas must answer. */
export const levels = ['one', 'two', 'quorum', 'all'] as const;
export type Level = (typeof levels)[number];

/** Replies a level needs out of `n` replicas. */
export function required(level: Level, n: number): number {
  switch (level) {
    case 'one':
      return 1;
    case 'two':
      return Math.min(2, n);
    case 'quorum':
      return Math.floor(n / 2) + 1;
    case 'all':
      return n;
  }
}

/** Why a coordinator could not do what it was asked. */
export type QuorumError =
  /** Fewer live replicas than the level needs: nothing was sent (Cassandra's UnavailableException). */
  | 'unavailable'
  /** Sent, but too few answered in time: a write may have landed on some replicas. */
  | 'timeout'
  | 'too many siblings'
  | 'overloaded';

/** A pending hint as the lab draws it. */
export interface HintView {
  readonly key: string;
  readonly intended: NodeId;
  readonly siblings: number;
}

export type ClientRequest =
  | {
      readonly type: 'get';
      readonly id: number;
      readonly client: NodeId;
      readonly key: string;
      readonly level: Level;
    }
  | {
      readonly type: 'put';
      readonly id: number;
      readonly client: NodeId;
      readonly key: string;
      readonly value: string;
      readonly level: Level;
      /** What the client had seen of the key (its last read); empty for a blind write. */
      readonly context: VersionVector;
      /** The writer's clock when it wrote: what last-write-wins orders by. */
      readonly ts: number;
      /** Set once a non-replica forwarded the write to a replica (which then coordinates). */
      readonly forwarded?: boolean;
    };

export type ClientReply =
  | {
      readonly type: 'get-ok';
      readonly id: number;
      readonly values: readonly string[];
      readonly context: VersionVector;
      /** Replicas that answered and the state each gave (for scenarios measuring staleness). */
      readonly replies: number;
    }
  | { readonly type: 'put-ok'; readonly id: number; readonly context: VersionVector; readonly acks: number }
  | { readonly type: 'error'; readonly id: number; readonly error: QuorumError };

export type ReplicaMessage =
  | {
      readonly type: 'replicate';
      readonly rid: number;
      readonly key: string;
      readonly state: Stored;
      readonly hintFor?: NodeId;
    }
  | { readonly type: 'replicate-ack'; readonly rid: number; readonly ok: boolean }
  | { readonly type: 'read'; readonly rid: number; readonly key: string }
  | { readonly type: 'read-reply'; readonly rid: number; readonly state: Stored | null }
  /** Read repair: the coordinator's merged state for a replica that answered with less. `rid` 0: no ack wanted. */
  | { readonly type: 'repair'; readonly rid: number; readonly key: string; readonly state: Stored }
  | {
      readonly type: 'handoff';
      readonly key: string;
      readonly intended: NodeId;
      readonly state: Stored;
      readonly version: number;
    }
  | {
      readonly type: 'handoff-ack';
      readonly key: string;
      readonly intended: NodeId;
      readonly version: number;
    };

/** Gossip membership: push-pull of heartbeat tables (Cassandra's SYN / ACK). */
export type GossipMessage =
  | { readonly type: 'gossip'; readonly table: readonly GossipEntry[] }
  | { readonly type: 'gossip-reply'; readonly table: readonly GossipEntry[] };

/** (member, generation, heartbeat). */
export type GossipEntry = readonly [NodeId, number, number];

/**
 * Anti-entropy between two replicas over the keys both hold: the initiator sends a level of its
 * Merkle tree (the hashes at `indices`), the peer answers which differ; at the leaves the peer sends
 * its entries for the differing leaves, and the initiator answers with its own after merging.
 */
export type AntiEntropyMessage =
  | {
      readonly type: 'ae-compare';
      readonly session: number;
      readonly level: number;
      readonly indices: readonly number[];
      readonly hashes: readonly number[];
    }
  | {
      readonly type: 'ae-diff';
      readonly session: number;
      readonly level: number;
      readonly indices: readonly number[];
    }
  | {
      readonly type: 'ae-entries';
      readonly session: number;
      readonly leaves: readonly number[];
      readonly entries: readonly (readonly [string, Stored])[];
      /** True on the initiator's answer, which ends the session. */
      readonly last: boolean;
    };

export type QuorumMessage = ClientRequest | ClientReply | ReplicaMessage | GossipMessage | AntiEntropyMessage;
