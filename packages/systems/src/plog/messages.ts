/** The messages of the partitioned log: plain data between brokers, the controller and the clients. */
import type { LogRecord } from './log';

/** A partition's name: `topic/index`. */
export type PartitionId = string;

export function partitionId(topic: string, partition: number): PartitionId {
  return `${topic}/${partition}`;
}

export function splitPartitionId(id: PartitionId): { topic: string; partition: number } {
  const slash = id.lastIndexOf('/');
  return { topic: id.slice(0, slash), partition: Number(id.slice(slash + 1)) };
}

/** What the controller decided about one partition. `leader` is undefined while the partition is offline. */
export interface PartitionState {
  readonly id: PartitionId;
  readonly replicas: readonly string[];
  readonly leader: string | undefined;
  readonly epoch: number;
  readonly isr: readonly string[];
  /** Bumped on every ISR change (Kafka's partition epoch): a stale proposal is refused. */
  readonly version: number;
}

export interface TopicConfig {
  readonly name: string;
  readonly partitions: number;
  readonly replication: number;
  readonly compacted: boolean;
}

export type Acks = 0 | 1 | 'all';

export interface ProducedRecord {
  readonly key: string | null;
  readonly value: string | null;
}

export type ProduceError =
  | 'not-leader'
  | 'not-enough-replicas'
  | 'not-enough-replicas-after-append'
  | 'out-of-order-sequence'
  /** Older than the broker's window of recent batches: written long ago (Kafka's DUPLICATE_SEQUENCE_NUMBER). */
  | 'duplicate-sequence'
  /** The producer's epoch is older than the one the partition has seen: a newer instance, or a timed-out transaction (KIP-98). */
  | 'producer-fenced';

/** Why the transaction coordinator refused a request. */
export type TxnError =
  /** The producer's epoch is not the current one for its transactional id. */
  | 'producer-fenced'
  /** The previous transaction is still writing its markers: ask again shortly. */
  | 'concurrent-transactions';

export type PlogMessage =
  // brokers ↔ controller
  | { readonly type: 'heartbeat'; readonly incarnation: number }
  | { readonly type: 'leader-and-isr'; readonly state: PartitionState }
  | {
      readonly type: 'alter-isr';
      readonly id: PartitionId;
      readonly epoch: number;
      readonly version: number;
      readonly isr: readonly string[];
    }
  // follower ↔ leader
  | {
      readonly type: 'replica-fetch';
      readonly id: PartitionId;
      readonly epoch: number;
      readonly offset: number;
      readonly lastEpoch: number;
    }
  | {
      readonly type: 'replica-records';
      readonly id: PartitionId;
      readonly epoch: number;
      readonly records: readonly LogRecord[];
      readonly highWatermark: number;
      readonly logStart: number;
      /** The follower's log diverged: the leader's latest epoch at or below the follower's, and where it ends. */
      readonly diverging?: { readonly epoch: number; readonly endOffset: number };
      readonly error?: 'not-leader';
    }
  // clients ↔ controller (metadata, producer ids)
  | { readonly type: 'metadata'; readonly id: number }
  | {
      readonly type: 'metadata-reply';
      readonly id: number;
      readonly topics: readonly TopicConfig[];
      readonly partitions: readonly PartitionState[];
    }
  | { readonly type: 'init-producer'; readonly id: number }
  | { readonly type: 'producer-id'; readonly id: number; readonly producerId: number }
  // producer ↔ leader
  | {
      readonly type: 'produce';
      readonly id: number;
      readonly partition: PartitionId;
      readonly acks: Acks;
      readonly records: readonly ProducedRecord[];
      readonly producerId?: number;
      readonly baseSequence?: number;
      /** The producer's epoch (transactional producers): an older one than the partition's is fenced. */
      readonly producerEpoch?: number;
      readonly transactional?: boolean;
      /** The transaction's number, as AddPartitionsToTxn answered. */
      readonly txnSeq?: number;
    }
  | {
      readonly type: 'produce-reply';
      readonly id: number;
      readonly partition: PartitionId;
      readonly baseOffset?: number;
      readonly error?: ProduceError;
      /** With out-of-order-sequence: the sequence the broker expected next. */
      readonly expectedSequence?: number;
    }
  // consumer ↔ leader
  | {
      readonly type: 'consume-fetch';
      readonly id: number;
      readonly partition: PartitionId;
      readonly offset: number;
      readonly max: number;
      /** read_committed: only below the last stable offset, without aborted transactions' records. */
      readonly readCommitted?: boolean;
    }
  | {
      readonly type: 'consume-records';
      readonly id: number;
      readonly partition: PartitionId;
      readonly records: readonly LogRecord[];
      readonly highWatermark: number;
      readonly logStart: number;
      /** Where the next fetch starts: past the last record examined, returned or filtered out. */
      readonly nextOffset: number;
      readonly error?: 'not-leader' | 'out-of-range';
    }
  // consumer ↔ group coordinator (on the controller)
  | { readonly type: 'join'; readonly group: string; readonly topics: readonly string[] }
  | { readonly type: 'leave'; readonly group: string }
  | {
      readonly type: 'group-heartbeat';
      readonly group: string;
      readonly generation: number;
      /** The member gave up its revoked partitions and waits for the generation's final assignment. */
      readonly awaitingAssignment?: boolean;
    }
  | {
      readonly type: 'assignment';
      readonly group: string;
      readonly generation: number;
      readonly partitions: readonly PartitionId[];
      /** A first phase that only takes partitions away (all of them when eager); the member acks with `revoked`. */
      readonly revokeOnly: boolean;
    }
  | { readonly type: 'revoked'; readonly group: string; readonly generation: number }
  | { readonly type: 'rejoin'; readonly group: string }
  | {
      readonly type: 'commit';
      readonly id: number;
      readonly group: string;
      readonly generation: number;
      readonly offsets: readonly { readonly partition: PartitionId; readonly offset: number }[];
    }
  | { readonly type: 'commit-reply'; readonly id: number; readonly error?: 'fenced' }
  | {
      readonly type: 'fetch-offsets';
      readonly id: number;
      readonly group: string;
      readonly partitions: readonly PartitionId[];
    }
  | {
      readonly type: 'offsets';
      readonly id: number;
      readonly offsets: readonly { readonly partition: PartitionId; readonly offset: number }[];
    }
  // transactional producer ↔ transaction coordinator (KIP-98)
  | {
      readonly type: 'init-txn-producer';
      readonly id: number;
      readonly transactionalId: string;
      /** Drawn once per instance: a repeated request (a duplicate, a retry) is answered as the first was. */
      readonly nonce: number;
      /** The epoch this producer had, when it asks again after the coordinator timed its transaction out (KIP-360). */
      readonly previous?: { readonly producerId: number; readonly epoch: number };
    }
  | {
      readonly type: 'add-partitions-to-txn';
      readonly id: number;
      readonly transactionalId: string;
      readonly producerId: number;
      readonly producerEpoch: number;
      readonly partitions: readonly PartitionId[];
    }
  | {
      readonly type: 'end-txn';
      readonly id: number;
      readonly transactionalId: string;
      readonly producerId: number;
      readonly producerEpoch: number;
      readonly commit: boolean;
    }
  | {
      readonly type: 'txn-reply';
      readonly id: number;
      /** InitProducerId's answer. */
      readonly producerId?: number;
      readonly producerEpoch?: number;
      /** AddPartitionsToTxn's answer: the number of the transaction the partitions joined. */
      readonly txnSeq?: number;
      readonly error?: TxnError;
      /** With producer-fenced: the coordinator aborted this epoch's transaction itself (transaction.timeout.ms). */
      readonly timedOut?: boolean;
    }
  // transaction coordinator ↔ partition leaders
  | {
      readonly type: 'write-marker';
      readonly producerId: number;
      readonly producerEpoch: number;
      readonly txnSeq: number;
      readonly commit: boolean;
      readonly partition: PartitionId;
    }
  | {
      readonly type: 'marker-written';
      readonly producerId: number;
      readonly producerEpoch: number;
      readonly txnSeq: number;
      readonly partition: PartitionId;
    };

export const plogMutants = [
  'ack-before-isr',
  'forget-sequences-on-restart',
  'commit-before-processing',
  'no-epoch-fencing',
  'marker-before-replication',
  'read-committed-returns-aborted',
  'accept-stale-commits',
] as const;
export type PlogMutant = (typeof plogMutants)[number];
