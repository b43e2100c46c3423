/** What the replicas, the failover manager and the clients send each other: plain, serializable data. */
import type { NodeId } from '@dslab/sim';
import type { WalRecord } from './wal';

/** Deliberately broken variants; each trips one check (fuzz.ts pins the seed that shows it). */
export const replicationMutants = [
  'ack-on-local-flush',
  'replay-past-flush',
  'accept-wal-gap',
  'gap-never-rerequested',
  'read-without-lsn-wait',
  'no-lease-check',
  'promote-first-reply',
] as const;
export type ReplicationMutant = (typeof replicationMutants)[number];

/**
 * PostgreSQL's `synchronous_commit` levels, weakest first: when a commit is acknowledged.
 * - off: once the commit record is in the WAL buffers (the WAL writer flushes it shortly after);
 * - local: once it is flushed on the primary;
 * - remote_write: …and the synchronous standbys have written it (not yet fsynced);
 * - on: …and they have flushed it;
 * - remote_apply: …and they have replayed it, so a read there sees it.
 */
export const commitLevels = ['off', 'local', 'remote_write', 'on', 'remote_apply'] as const;
export type CommitLevel = (typeof commitLevels)[number];

/** `synchronous_standby_names`: FIRST k (priority order) or ANY k (quorum) of the named standbys. */
export interface SyncStandbys {
  readonly method: 'first' | 'any';
  readonly count: number;
  readonly names: readonly NodeId[];
}

export type WriteError =
  /** This node is a standby (PostgreSQL: 25006, cannot execute in a read-only transaction). */
  | 'read-only'
  /** A fenced primary whose lease ran out refuses before writing anything. */
  | 'fenced'
  /** The commit is in the WAL but the lease ran out before it could be acknowledged: outcome unknown. */
  | 'lease-lost';

export type ReadError = 'lsn-timeout' | 'promoting';

export type ClientRequest =
  | {
      readonly type: 'write';
      readonly id: number;
      readonly key: string;
      readonly value: string;
      readonly level: CommitLevel;
    }
  | {
      readonly type: 'read';
      readonly id: number;
      readonly key: string;
      /** The session's token: answer only once this LSN is replayed here (0: at once). */
      readonly minLsn: number;
      readonly waitMs: number;
      /** More keys read in the same snapshot (one SELECT sees one replay position). */
      readonly also?: readonly string[];
    };

export type ClientReply =
  | { readonly type: 'write-ok'; readonly id: number; readonly lsn: number; readonly timeline: number }
  | { readonly type: 'write-error'; readonly id: number; readonly error: WriteError }
  | {
      readonly type: 'read-ok';
      readonly id: number;
      readonly value: string | null;
      /** The LSN of the record that wrote the value read (0 for the initial null). */
      readonly version: number;
      /** How far this node had replayed (a standby) or committed (the primary) when it answered. */
      readonly position: number;
      /** The values of the request's `also` keys, from the same snapshot. */
      readonly also?: readonly (string | null)[];
    }
  | { readonly type: 'read-error'; readonly id: number; readonly error: ReadError };

/** The streaming protocol between a primary's walsender and a standby's walreceiver. */
export type StreamMessage =
  /** A standby asks to stream from `from` (its flushed end) on its timeline. */
  | { readonly type: 'start-replication'; readonly timeline: number; readonly from: number }
  /** WAL records from `from` on, contiguous; `flushed` is the primary's flush LSN when sent. */
  | {
      readonly type: 'wal';
      readonly timeline: number;
      readonly from: number;
      readonly records: readonly WalRecord[];
    }
  /** The standby's history left the primary's at `forkLsn`: discard past it (pg_rewind) and start again. */
  | { readonly type: 'rewind'; readonly timeline: number; readonly forkLsn: number }
  /** The standby's positions (PostgreSQL's standby status update: write, flush, apply). */
  | {
      readonly type: 'status';
      readonly timeline: number;
      readonly write: number;
      readonly flush: number;
      readonly replay: number;
    };

/** Between the data nodes and the failover manager (standing in for Patroni and its DCS). */
export type ManagerMessage =
  /** The primary renews its lease; `sentAt` is its own monotonic time when it asked. */
  | { readonly type: 'lease-request'; readonly timeline: number; readonly sentAt: number }
  | { readonly type: 'lease-grant'; readonly sentAt: number; readonly leaseMs: number }
  /** You are no longer the primary: follow `primary` on `timeline`. */
  | { readonly type: 'follow'; readonly primary: NodeId; readonly timeline: number }
  | { readonly type: 'position-request'; readonly epoch: number }
  | {
      readonly type: 'position';
      readonly epoch: number;
      readonly timeline: number;
      readonly flush: number;
    }
  | { readonly type: 'promote'; readonly timeline: number }
  | { readonly type: 'promoted'; readonly timeline: number; readonly forkLsn: number }
  | { readonly type: 'who-is-primary' }
  | { readonly type: 'primary-is'; readonly primary: NodeId; readonly timeline: number };

export type ReplicationMessage = ClientRequest | ClientReply | StreamMessage | ManagerMessage;
