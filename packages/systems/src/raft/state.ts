/**
 * What every part of a Raft server shares: the persistent state (term, vote, log), how far the log is
 * committed, applied and durable, the state machine, and the one way out of the node (`send`, which makes
 * the state durable first). Each part (elections, replication, commit, reads, membership, snapshots,
 * leadership transfer, client requests) owns the rest of its own state and reaches the others through
 * `Parts`, much as etcd's raft struct is one state shared by the files that split its work.
 */
import type { BackgroundSync, Env, NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import type { Commit } from './commit';
import type { Elections } from './elections';
import { KvStateMachine } from './kv';
import { RaftLog, type LogMark } from './log';
import type { Membership } from './membership';
import type { RaftObserver } from './observer';
import type { Reads } from './reads';
import type { Replication } from './replication';
import type { Requests } from './requests';
import type { Snapshots } from './snapshots';
import type { RaftStorage, Recovered } from './storage';
import type { LeadershipTransfer } from './transfer';
import type { RaftConfig, RaftMessage, SnapshotData } from './types';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** The parts of one server, wired together once by RaftNode's constructor. */
export interface Parts {
  readonly elections: Elections;
  readonly replication: Replication;
  readonly commit: Commit;
  readonly reads: Reads;
  readonly membership: Membership;
  readonly snapshots: Snapshots;
  readonly transfer: LeadershipTransfer;
  readonly requests: Requests;
}

/** The state machine as of `data` (empty when undefined), built the way this configuration asks. */
export function stateMachineFor(config: RaftConfig, data: SnapshotData | undefined): KvStateMachine {
  return KvStateMachine.restore(data, mutantActive(config.mutant, 'evict-sessions') ? 2 : undefined);
}

/** Syncs a node remembers while their fsyncs run; past it, a newer one stands for the newest slot's. */
export const MAX_PENDING_SYNCS = 4_096;

export class ServerState {
  role: Role = 'follower';
  leader: NodeId | null = null;
  readonly log: RaftLog;
  /** Highest index known committed; only `Commit` and a snapshot install move it. */
  commitIndex: number;
  /** Highest index applied to `machine`. */
  lastApplied: number;
  machine: KvStateMachine;
  /** Entries up to here are on disk: all a leader may count as its own copy when committing. */
  durableIndex: number;
  /**
   * Where a disk fsyncs in the background (`env.backgroundSync`): the log as it stood at each sync still
   * running, oldest first (a ring of MAX_PENDING_SYNCS), and at the latest one known durable.
   */
  private readonly pendingSync: number[] = [];
  private readonly pendingLast: number[] = [];
  private readonly pendingTruncations: number[] = [];
  private pendingHead = 0;
  private pendingCount = 0;
  private readonly durableMark = { lastIndex: 0, truncations: 0 };
  private currentTerm: number;
  private vote: NodeId | null;

  constructor(
    readonly env: Env<RaftMessage>,
    readonly config: RaftConfig,
    readonly observer: RaftObserver | undefined,
    readonly storage: RaftStorage,
    /** Identifies this life of the node to observers (a restart is a new incarnation). */
    readonly incarnation: number,
    recovered: Recovered,
  ) {
    this.currentTerm = recovered.term;
    this.vote = recovered.vote;
    const snap = recovered.snapshot;
    this.log = new RaftLog(snap?.lastIndex ?? 0, snap?.lastTerm ?? 0);
    for (const entry of recovered.entries) this.log.append(entry);
    this.machine = stateMachineFor(config, snap?.data);
    this.commitIndex = this.lastApplied = snap?.lastIndex ?? 0;
    this.durableIndex = this.log.lastIndex;
    this.durableMark.lastIndex = this.log.lastIndex;
  }

  get id(): NodeId {
    return this.env.id;
  }

  get term(): number {
    return this.currentTerm;
  }

  get votedFor(): NodeId | null {
    return this.vote;
  }

  /**
   * The only way term and vote change, written to disk before any message can mention them (`send`
   * syncs). Raft §5.1: a server's term only grows — a smaller one here is a bug, caught where it happens.
   */
  setTermAndVote(term: number, vote: NodeId | null): void {
    invariant(
      term >= this.currentTerm,
      "a node's term never decreases",
      () => `${this.env.id}: ${this.currentTerm} → ${term}`,
    );
    this.currentTerm = term;
    this.vote = vote;
    this.storage.saveMeta(term, vote);
  }

  /**
   * Every send goes through here: durable state first, then the message. Nothing else forces a sync:
   * whatever a handler wrote without telling anyone may be lost in a crash, and that is harmless. So
   * requests arriving together are appended together and made durable by one fsync when the leader
   * sends them on (group commit), and a follower syncs once per AppendEntries it acknowledges.
   */
  send(to: NodeId, msg: RaftMessage): void {
    this.sync();
    this.env.send(to, msg);
  }

  /**
   * A leader's AppendEntries that may leave before its log is durable. Term and vote (and a snapshot's
   * rename) are made durable first all the same: only the log's new records may still be in flight.
   */
  sendBeforeLogSync(to: NodeId, msg: RaftMessage): void {
    if (this.storage.replacedSinceFlush) this.sync();
    this.sendAhead(to, msg);
  }

  /**
   * An answer to a client. It reports what was applied, so committed: on a majority of disks, this
   * node's own copy counted only once durable (`durableIndex`). It need not wait for this node's
   * fsync still running — with one slow disk among three, the other two answer for it.
   */
  sendAnswer(to: NodeId, msg: RaftMessage): void {
    this.sync();
    this.sendAhead(to, msg);
  }

  private sendAhead(to: NodeId, msg: RaftMessage): void {
    const background = this.env.backgroundSync;
    if (background === undefined) this.env.send(to, msg);
    else background.sendNow(to, msg);
  }

  sync(): void {
    this.storage.flush();
    const background = this.env.backgroundSync;
    if (background === undefined) {
      this.durableIndex = this.log.lastIndex; // the simulator's sync() is durable when it returns
      return;
    }
    if (background.syncsDurable >= background.syncsRequested) {
      this.pendingCount = 0;
      this.markDurable(this.log.mark());
      return;
    }
    // The fsync runs on: remember what this sync covers, and meanwhile count only what an earlier one
    // made durable — less if the log was cut back since (a follower overwriting a conflicting tail).
    const mark = this.log.mark();
    const newest = (this.pendingHead + this.pendingCount - 1) % MAX_PENDING_SYNCS;
    let slot: number;
    if (this.pendingCount > 0 && this.pendingSync[newest] === background.syncsRequested) slot = newest;
    else if (this.pendingCount === MAX_PENDING_SYNCS)
      slot = newest; // coarser, never wrong: a later sync
    else slot = (this.pendingHead + this.pendingCount++) % MAX_PENDING_SYNCS;
    this.pendingSync[slot] = background.syncsRequested;
    this.pendingLast[slot] = mark.lastIndex;
    this.pendingTruncations[slot] = mark.truncations;
    this.durableIndex = this.durableUpTo(this.durableMark);
  }

  /**
   * Background fsyncs ended (`env.backgroundSync.onDurable`): the entries the syncs now durable covered
   * count. True when the durable index moved (a leader may commit more).
   */
  syncsEnded(): boolean {
    this.storage.syncsEnded(); // compaction's old files may go
    const durable = (this.env.backgroundSync as BackgroundSync<RaftMessage>).syncsDurable;
    let found = false;
    while (this.pendingCount > 0 && (this.pendingSync[this.pendingHead] as number) <= durable) {
      this.durableMark.lastIndex = this.pendingLast[this.pendingHead] as number;
      this.durableMark.truncations = this.pendingTruncations[this.pendingHead] as number;
      this.pendingHead = (this.pendingHead + 1) % MAX_PENDING_SYNCS;
      this.pendingCount--;
      found = true;
    }
    if (!found) return false;
    const before = this.durableIndex;
    this.durableIndex = this.durableUpTo(this.durableMark);
    return this.durableIndex !== before;
  }

  private markDurable(mark: LogMark): void {
    this.durableMark.lastIndex = mark.lastIndex;
    this.durableMark.truncations = mark.truncations;
    this.durableIndex = mark.lastIndex;
  }

  /** The end of what was durable at `mark`, less whatever the log changed since (a snapshot is on disk). */
  private durableUpTo(mark: LogMark): number {
    const unchangedBelow = this.log.changedSince(mark);
    return Math.max(this.log.snapshotIndex, Math.min(mark.lastIndex, unchangedBelow - 1));
  }
}
