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

export type LogOp = SendOp | PollOp | CommitOp;
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
] as const;

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
