/**
 * Histories of a partitioned log (Kafka, JetStream…): what producers sent, what consumers read, what
 * groups committed. The format is described in README.md beside this file.
 */

/** How a send ended, as the producer saw it. */
export type SendOutcome =
  /** The broker acknowledged it; `offset` says where it was written when the broker said so. */
  | 'ok'
  /** Definitely not written (the broker refused it, or it was never sent). */
  | 'fail'
  /** It may or may not have been written (a timeout). */
  | 'unknown'
  /** Written inside a transaction that aborted: a read_committed consumer must never return it. */
  | 'aborted';

export interface SendOp {
  readonly type: 'send';
  /** The producer. Its sends of one key are expected in the log in the order it invoked them. */
  readonly process: string;
  readonly topic: string;
  /** Null for a record without a key. */
  readonly key: string | null;
  /** Identifies the record: unique over every send of the history. */
  readonly value: string;
  readonly outcome: SendOutcome;
  /** The partition it went to, when known. */
  readonly partition?: number;
  /** The offset the broker acknowledged (ok or aborted sends), when it said one. */
  readonly offset?: number;
}

/** One record returned by a poll. */
export interface ReadRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  /**
   * Polls of a shared consumer only: how many times the broker says it has delivered this message,
   * this delivery included (JetStream's delivery count, SQS's ApproximateReceiveCount). 1 is a first
   * delivery; more is a redelivery. Omit it when the broker does not say.
   */
  readonly delivery?: number;
}

/**
 * A consumer several workers share, queue-style (a JetStream durable pull consumer, an SQS queue, a
 * RabbitMQ queue): the broker hands each message to one worker of the group, in no promised order
 * across them, and hands it again when it was not acknowledged in time, was nak'ed, or its ack was
 * lost. It covers its whole topic (no subject filter, delivered from the start).
 */
export interface SharedConsumer {
  readonly kind: 'shared';
  readonly name: string;
  /**
   * The broker promises to deliver in the topic's order: it hands out the next message only once the
   * previous one was settled (JetStream `max_ack_pending: 1`). Deliveries of one key across the whole
   * group are then judged in offset order (`delivery-order`). Every poll of the consumer must agree.
   */
  readonly ordered?: boolean;
}

export interface PollOp {
  readonly type: 'poll';
  /** The consumer. Its successive polls of one partition must move forward without gaps. */
  readonly process: string;
  readonly topic: string;
  readonly partition: number;
  /** The records returned and processed, in the order returned. */
  readonly records: readonly ReadRecord[];
  /** The consumer group it read for, if any (commits of that group are judged against its polls). */
  readonly group?: string;
  /**
   * The consumer (re)positioned itself before this poll (a new assignment, a restart from the committed
   * offset, a seek): its offsets are not compared with its earlier polls of this partition.
   */
  readonly reset?: boolean;
  /** read_committed (never returns aborted records) or read_uncommitted (the default, as in Kafka). */
  readonly isolation?: 'read_committed' | 'read_uncommitted';
  /**
   * A fetch by one worker of a shared consumer (then neither `group` nor `reset`): its offsets are
   * judged across the consumer's group, not as a contiguous run of this worker.
   */
  readonly consumer?: SharedConsumer;
  /**
   * Polls of a shared consumer: the history's length when the fetch was invoked. Every operation
   * before that index happened before any of this poll's deliveries (a poll is recorded when its
   * records were processed, so without it the poll is taken to have happened at its own index).
   */
  readonly invoked?: number;
}

/** How a worker settled a message of a shared consumer. */
export type AckKind =
  /** Processed: never deliver it again. */
  | 'ack'
  /** Not processed: deliver it again (now or after a delay). */
  | 'nak'
  /** Never deliver it again, unprocessed (JetStream's term, a poison message). */
  | 'term';

/**
 * A worker's acknowledgement of a message a shared consumer delivered to it, recorded when its
 * outcome is known.
 */
export interface AckOp {
  readonly type: 'ack';
  /** The worker; the consumer must have delivered `value` to it before. */
  readonly process: string;
  /** The shared consumer's name. */
  readonly consumer: string;
  readonly topic: string;
  /** The message settled. */
  readonly value: string;
  readonly kind: AckKind;
  /**
   * ok: the broker confirmed it (JetStream's double ack, `ackAck`; SQS DeleteMessage returned).
   * unknown: sent without a confirmation (JetStream's plain `ack()`), or the confirmation timed out.
   */
  readonly outcome: 'ok' | 'unknown';
}

export interface CommitOp {
  readonly type: 'commit';
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: every record below it counts as processed by the group. */
  readonly offset: number;
  readonly process?: string;
}

export type LogOp = SendOp | PollOp | CommitOp | AckOp;
export type LogHistory = readonly LogOp[];

export const LOG_FINDING_KINDS = [
  'lost',
  'committed-unread',
  'duplicate',
  'order',
  'offset-backwards',
  'offset-skip',
  'aborted-read',
  'disagreement',
  'commit-backwards',
  'undelivered',
  'duplicate-delivery',
  'redelivered-after-ack',
  'delivery-order',
] as const;

/** The kinds only shared consumers produce (Kafka-group histories never have them). */
export const SHARED_CONSUMER_FINDING_KINDS = [
  'undelivered',
  'duplicate-delivery',
  'redelivered-after-ack',
  'delivery-order',
] as const satisfies readonly (typeof LOG_FINDING_KINDS)[number][];

/**
 * - lost: an acknowledged send never read, though a later offset of its partition was (or, with
 *   `drained`, though consumers read everything).
 * - committed-unread: a group committed past a record none of its consumers returned (at-least-once broken).
 * - duplicate: one send's value stored at two offsets.
 * - order: a producer's two acknowledged sends of one key in the log out of the order it sent them.
 * - offset-backwards: a consumer's offsets of a partition went down (or repeated) without a reset.
 * - offset-skip: a consumer jumped over an offset known to hold a record, without a reset.
 * - aborted-read: a read_committed poll returned a record of an aborted transaction.
 * - disagreement: two reads (or a read and an acknowledgement) put different records at one offset.
 * - commit-backwards: a group's committed offset of a partition went down.
 * - undelivered: with `drained`, a record of the topic (an acknowledged send, or any record read) that a
 *   shared consumer never delivered to its group.
 * - duplicate-delivery: a shared consumer delivered one message twice with the same delivery count: a
 *   second copy no redelivery explains.
 * - redelivered-after-ack: a shared consumer delivered a message again after the broker confirmed its
 *   ack (or term).
 * - delivery-order: an ordered shared consumer delivered a key's record after a later record of that key.
 */
export type LogFindingKind = (typeof LOG_FINDING_KINDS)[number];

/** One operation involved in a finding: its index in the history and the record concerned. */
export interface LogRecordRef {
  /** Index of the operation in the history. */
  readonly op: number;
  readonly type: LogOp['type'];
  readonly process?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly key?: string | null;
  readonly value?: string;
}

export interface LogFinding {
  readonly kind: LogFindingKind;
  readonly topic: string;
  readonly partition?: number;
  readonly offset?: number;
  /** One line, naming the records. */
  readonly message: string;
  /** The offending operations and records. */
  readonly records: readonly LogRecordRef[];
}

export interface LogCheckOptions {
  /**
   * Consumers read every partition to its end before the history closed: every acknowledged send
   * that nobody read is lost. Without it a send counts as lost only when a later offset was read.
   */
  readonly drained?: boolean;
  /** Topics whose records may disappear (compaction, retention): skips and unread records are not findings there. */
  readonly gapsAllowed?: readonly string[];
  /** Findings kept per kind (every one is counted); 20 by default. */
  readonly maxFindingsPerKind?: number;
}

export interface LogCheckStats {
  readonly operations: number;
  readonly sends: Readonly<Record<SendOutcome, number>>;
  readonly polls: number;
  readonly recordsRead: number;
  /** Reads of an offset a consumer of the same group (or the same consumer) had already read. */
  readonly redelivered: number;
  readonly commits: number;
  /** Shared consumers: what their workers were handed and how they settled it. */
  readonly shared: SharedConsumerStats;
}

export interface SharedConsumerStats {
  readonly consumers: number;
  /** Records handed to workers of shared consumers. */
  readonly deliveries: number;
  /**
   * Deliveries that were redeliveries with a reason: the broker's delivery count above 1, or (without
   * counts) a message the group already had whose ack was never confirmed. Not findings.
   */
  readonly redeliveries: number;
  readonly acks: number;
  /** Acks (and terms) the broker confirmed. */
  readonly confirmed: number;
  readonly naks: number;
  readonly terms: number;
}

export interface LogCheckResult {
  /** No findings of any kind. */
  readonly valid: boolean;
  /** Every finding, counted by kind. */
  readonly counts: Readonly<Record<LogFindingKind, number>>;
  /** The first `maxFindingsPerKind` findings of each kind, in the order found. */
  readonly findings: readonly LogFinding[];
  readonly stats: LogCheckStats;
}
