/** Raft's messages, log entries and configuration: plain data, so the same node runs in the simulator and over TCP. */
import type { NodeId } from '@dslab/sim';

import type { KvOp, KvResult } from '../kv-protocol';

export type { KvOp, KvResult } from '../kv-protocol';

/** Cluster administration, proposed through the leader like a client command. */
export type AdminOp =
  | { readonly f: 'add-server'; readonly id: NodeId }
  | { readonly f: 'remove-server'; readonly id: NodeId }
  | { readonly f: 'transfer'; readonly to: NodeId };

export type ClientOp = KvOp | AdminOp;

/** A client command in the log: the session (client, seq) makes a retried command apply once. */
export interface Command {
  readonly client: string;
  readonly seq: number;
  readonly op: KvOp;
}

export type Entry =
  | { readonly term: number; readonly kind: 'noop' }
  | { readonly term: number; readonly kind: 'command'; readonly command: Command }
  /** The voting members from this entry on (it takes effect when appended, as in Raft's dissertation §4.1). */
  | { readonly term: number; readonly kind: 'config'; readonly voters: readonly NodeId[] };

export interface VoteRequest {
  readonly type: 'prevote' | 'vote';
  /** The term the candidate would campaign in (pre-vote) or campaigns in (vote). */
  readonly term: number;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set by a leadership transfer: voters skip the "I heard from a leader recently" check. */
  readonly transfer?: boolean;
}

export interface VoteReply {
  readonly type: 'prevote-reply' | 'vote-reply';
  readonly term: number;
  readonly granted: boolean;
}

export type RaftMessage =
  | VoteRequest
  | VoteReply
  | {
      readonly type: 'append';
      readonly term: number;
      readonly prevIndex: number;
      readonly prevTerm: number;
      readonly entries: readonly Entry[];
      readonly leaderCommit: number;
      /** Heartbeat round, echoed in the reply: ReadIndex and leases count acks per round. */
      readonly round: number;
    }
  | {
      readonly type: 'append-reply';
      readonly term: number;
      readonly success: boolean;
      /** On success: the index up to which the follower's log now matches the leader's. */
      readonly matchIndex: number;
      /** On failure (fast back-off): the follower's conflicting term and its first index, or its log end. */
      readonly conflictTerm: number;
      readonly conflictIndex: number;
      readonly round: number;
    }
  | {
      readonly type: 'snapshot';
      readonly term: number;
      readonly lastIndex: number;
      readonly lastTerm: number;
      readonly voters: readonly NodeId[];
      readonly data: SnapshotData;
      readonly round: number;
    }
  | {
      readonly type: 'snapshot-reply';
      readonly term: number;
      readonly lastIndex: number;
      readonly round: number;
    }
  | { readonly type: 'timeout-now'; readonly term: number }
  | { readonly type: 'request'; readonly client: string; readonly seq: number; readonly op: ClientOp }
  | {
      readonly type: 'response';
      readonly client: string;
      readonly seq: number;
      readonly result: KvResult;
      /** Who the answering node believes leads, so the client can go there. */
      readonly leader?: NodeId;
    };

/** The state machine's snapshot: the data and the client sessions, both needed to keep exactly-once. */
export interface SnapshotData {
  readonly kv: readonly (readonly [string, string])[];
  readonly sessions: readonly (readonly [string, SessionRecord])[];
}

export interface SessionRecord {
  readonly seq: number;
  readonly result: KvResult;
}

export type ReadMode = 'read-index' | 'lease' | 'log';

/**
 * Deliberately broken variants (all off by default); the fuzzer must catch each, and each proves one
 * check able to fail (raft.test.ts names the check for every mutant).
 */
export const raftMutants = [
  'vote-without-log-check',
  'commit-old-term-by-count',
  'forget-vote',
  'read-without-read-index',
  'apply-before-commit',
  'reset-timer-on-any-message',
  /**
   * The state machine keeps only the two most recently used client sessions and drops the others without
   * telling their clients (the dissertation §6.3 warns against exactly this): replicas stay identical, but
   * they no longer know that the dropped clients' acknowledged writes were applied.
   */
  'evict-sessions',
  /** A follower installing a snapshot takes its log position but keeps its old state machine. */
  'install-snapshot-without-state',
  /** A follower installs any snapshot it is sent, even one behind its commit index. */
  'install-stale-snapshot',
  /** The leader stamps a snapshot with its current term instead of the term of the snapshot's last entry. */
  'snapshot-with-current-term',
  /** A follower appends after prevIndex without checking that its entry there has the leader's term. */
  'skip-consistency-check',
  /** A follower takes the leader's commit index before the consistency check, so it may commit a stale tail. */
  'commit-before-consistency-check',
] as const;

export type RaftMutant = (typeof raftMutants)[number];

export interface RaftConfig {
  /** The initial voting members; a node that is not among them waits to be added. */
  readonly voters: readonly NodeId[];
  readonly electionMinMs: number;
  readonly electionMaxMs: number;
  readonly heartbeatMs: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly readMode: ReadMode;
  /** Take a snapshot once this many applied entries are in the log (0: never). */
  readonly snapshotEvery: number;
  /**
   * Pairs of the state sorted, or written, per turn while a snapshot is taken (`Snapshots`): a large
   * state is snapshotted over several turns, the member answering in between.
   */
  readonly snapshotSlice: number;
  /** Most entries per AppendEntries message. */
  readonly maxBatch: number;
  /**
   * Most AppendEntries carrying entries in flight to one follower (etcd's MaxInflightMsgs): entries
   * appended while that many are unacknowledged wait and leave together when an acknowledgement comes.
   */
  readonly maxInflightAppends: number;
  /**
   * Append a no-op when elected (Raft §8). It commits the previous terms' entries at once and, as a side
   * effect, hides the figure-8 hazard; without it a leader waits for a client write to commit anything.
   */
  readonly noopOnElection: boolean;
  /**
   * How a follower that refuses an AppendEntries tells the leader where to go back to (Raft §5.3): true —
   * past its whole conflicting term, or to its log's end (the paper's optimization, one round trip per
   * term); false — one entry back (the basic algorithm, one round trip per entry).
   */
  readonly fastBackoff: boolean;
  readonly mutant?: RaftMutant;
}

/**
 * `config` as one object literal with every field in one order (`mutant` last, undefined when none).
 * A node keeps this copy, whatever built the one it was given: an object made by a spread gets a map
 * the engine keeps only while such objects live, so once a process had dropped a few clusters a
 * collection let it go, the next cluster's config came out with a new map, and every protocol function
 * reading the config was deoptimized and compiled again (20-30 deoptimizations per run for four runs of
 * the raft bench, each about twice as slow). A literal's map stays.
 */
export function canonicalRaftConfig(config: RaftConfig): RaftConfig {
  return {
    electionMinMs: config.electionMinMs,
    electionMaxMs: config.electionMaxMs,
    heartbeatMs: config.heartbeatMs,
    preVote: config.preVote,
    checkQuorum: config.checkQuorum,
    readMode: config.readMode,
    snapshotEvery: config.snapshotEvery,
    snapshotSlice: config.snapshotSlice,
    maxBatch: config.maxBatch,
    maxInflightAppends: config.maxInflightAppends,
    noopOnElection: config.noopOnElection,
    fastBackoff: config.fastBackoff,
    voters: config.voters,
    mutant: config.mutant,
  };
}

export const defaultRaftConfig: Omit<RaftConfig, 'voters'> = {
  electionMinMs: 150,
  electionMaxMs: 300,
  heartbeatMs: 50,
  preVote: true,
  checkQuorum: true,
  readMode: 'read-index',
  snapshotEvery: 1_000,
  snapshotSlice: 256,
  maxBatch: 64,
  maxInflightAppends: 2,
  noopOnElection: true,
  fastBackoff: true,
};

export type AppendEntries = Extract<RaftMessage, { type: 'append' }>;
export type AppendReply = Extract<RaftMessage, { type: 'append-reply' }>;
export type InstallSnapshot = Extract<RaftMessage, { type: 'snapshot' }>;
export type SnapshotReply = Extract<RaftMessage, { type: 'snapshot-reply' }>;
