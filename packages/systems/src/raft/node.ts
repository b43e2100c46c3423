/**
 * One Raft server (Ongaro & Ousterhout 2014; Ongaro's dissertation 2014 for pre-vote, check-quorum,
 * leadership transfer, single-server membership changes and ReadIndex). It talks only to its Env, so the
 * simulator and real mode run exactly this code.
 *
 * This file builds a server from its disk and dispatches each message to the part that handles it; the
 * protocol lives in one file per concern, as etcd's raft library is split:
 *   elections.ts    timer, pre-vote, votes, check-quorum, role changes (§5.2, §5.4.1)
 *   replication.ts  AppendEntries both ways, back-off, group commit (§5.3); progress.ts the leader's view
 *   commit.ts       commit by majority of the current term, apply in order (§5.3, §5.4.2)
 *   quorum.ts       majority arithmetic as pure functions
 *   reads.ts        ReadIndex and leases (§8, dissertation §6.4)
 *   membership.ts   single-server configuration changes (§6, dissertation §4)
 *   snapshots.ts    compaction and InstallSnapshot (§7)
 *   transfer.ts     leadership transfer (dissertation §3.10)
 *   requests.ts     client requests at the server and the clients waiting for their entry (§8)
 *   state.ts        what they share: term, vote, log, commit/applied/durable indexes, the state machine
 *
 * Durability rule: a node's writes are flushed to disk before the next message leaves it (see
 * `ServerState.send`), so a vote or an acknowledgement is never given for state a crash could lose. The
 * one exception is a leader's new entries, which leave while its own fsync runs (`sendBeforeLogSync`):
 * the leader counts its copy toward a commit only once it is durable.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { Commit } from './commit';
import { Elections } from './elections';
import type { KvStateMachine } from './kv';
import type { RaftLog } from './log';
import { Membership } from './membership';
import type { RaftObserver } from './observer';
import { Reads } from './reads';
import { Replication } from './replication';
import { Requests } from './requests';
import { Snapshots } from './snapshots';
import { ServerState, type Parts, type Role } from './state';
import { RaftStorage } from './storage';
import { LeadershipTransfer } from './transfer';
import { canonicalRaftConfig, type RaftConfig, type RaftMessage } from './types';

export type { Role } from './state';

export interface RaftNodeSnapshot {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly NodeId[];
  /** The leader's view of each follower: match and next index. */
  readonly progress: Readonly<Record<NodeId, { readonly match: number; readonly next: number }>>;
  readonly keys: number;
}

export class RaftNode implements SimNode<RaftMessage> {
  private readonly state: ServerState;
  private readonly parts: Parts;

  constructor(env: Env<RaftMessage>, config: RaftConfig, observer?: RaftObserver) {
    invariant(
      config.electionMinMs > 0 && config.electionMaxMs > config.electionMinMs,
      'raft config',
      () => `election timeout range [${config.electionMinMs}, ${config.electionMaxMs}) is empty`,
    );
    invariant(
      config.heartbeatMs < config.electionMinMs,
      'raft config',
      () =>
        `heartbeat ${config.heartbeatMs} ms must be below the election timeout ${config.electionMinMs} ms`,
    );
    const incarnation = Math.floor(env.random() * 2 ** 31);
    const storage = new RaftStorage(env.disk, mutantActive(config.mutant, 'forget-vote'), env.backgroundSync);
    const recovered = storage.recover();
    const s = new ServerState(env, canonicalRaftConfig(config), observer, storage, incarnation, recovered);
    this.state = s;
    // The parts call one another (an append may change the configuration, a commit may serve reads…):
    // each gets this record, filled in before any of them runs.
    const parts = {} as { -readonly [K in keyof Parts]: Parts[K] };
    parts.elections = new Elections(s, parts);
    parts.replication = new Replication(s, parts);
    parts.commit = new Commit(s, parts);
    parts.reads = new Reads(s, parts);
    parts.membership = new Membership(s, parts);
    parts.snapshots = new Snapshots(s, parts, recovered.snapshot);
    parts.transfer = new LeadershipTransfer(s, parts);
    parts.requests = new Requests(s, parts);
    this.parts = parts;
    parts.membership.recompute();
    if (recovered.tornRecords > 0) env.trace('torn-log-tail', { records: recovered.tornRecords });
    parts.elections.resetTimer();
    // A disk fsyncing in the background (real mode): the leader's own copy counts once it is durable.
    env.backgroundSync?.onDurable(() => {
      if (s.syncsEnded() && s.role === 'leader') parts.commit.advance();
    });
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: RaftMessage): void {
    const { elections, replication, snapshots, requests } = this.parts;
    if (mutantActive(this.state.config.mutant, 'reset-timer-on-any-message') && this.state.role !== 'leader')
      elections.resetTimer();
    switch (msg.type) {
      case 'prevote':
        elections.onPreVote(from, msg);
        break;
      case 'vote':
        elections.onVote(from, msg);
        break;
      case 'prevote-reply':
        elections.onPreVoteReply(from, msg);
        break;
      case 'vote-reply':
        elections.onVoteReply(from, msg);
        break;
      case 'append':
        replication.onAppend(from, msg);
        break;
      case 'append-reply':
        replication.onAppendReply(from, msg);
        break;
      case 'snapshot':
        snapshots.onSnapshot(from, msg);
        break;
      case 'snapshot-reply':
        snapshots.onSnapshotReply(from, msg);
        break;
      case 'timeout-now':
        elections.onTimeoutNow(msg.term);
        break;
      case 'request':
        requests.onRequest(from, msg.client, msg.seq, msg.op);
        break;
      case 'response':
        break; // servers never ask
    }
  }

  // ---- inspection (read-only: scenarios, the checkers and the lab look, never touch) ----

  get id(): NodeId {
    return this.state.id;
  }

  get role(): Role {
    return this.state.role;
  }

  get term(): number {
    return this.state.term;
  }

  get votedFor(): NodeId | null {
    return this.state.votedFor;
  }

  get leader(): NodeId | null {
    return this.state.leader;
  }

  get log(): RaftLog {
    return this.state.log;
  }

  get commitIndex(): number {
    return this.state.commitIndex;
  }

  get lastApplied(): number {
    return this.state.lastApplied;
  }

  get voters(): readonly NodeId[] {
    return this.parts.membership.voters;
  }

  get machine(): KvStateMachine {
    return this.state.machine;
  }

  /** Identifies this life of the node to observers (a restart is a new incarnation). */
  get incarnation(): number {
    return this.state.incarnation;
  }

  /** Local time this node last became leader. */
  get leaderSince(): number {
    return this.parts.elections.leaderSince;
  }

  /** Monotonic time up to which this leader may serve reads without a round (lease mode). */
  get leaseUntil(): number {
    return this.parts.reads.leaseUntil;
  }

  /** Reads held by this leader and clients waiting for their entry to apply: both bounded. */
  get queued(): { readonly reads: number; readonly waitingClients: number } {
    return { reads: this.parts.reads.outstanding, waitingClients: this.parts.requests.waitingCount };
  }

  /** How far the election timer has run, 0 to 1 (the lab draws it). */
  electionProgress(): number {
    return this.parts.elections.timerProgress();
  }

  snapshot(): RaftNodeSnapshot {
    const s = this.state;
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      votedFor: s.votedFor,
      leader: s.leader,
      commitIndex: s.commitIndex,
      lastApplied: s.lastApplied,
      lastIndex: s.log.lastIndex,
      snapshotIndex: s.log.snapshotIndex,
      voters: this.parts.membership.voters,
      progress: this.parts.replication.progress.view(),
      keys: s.machine.size,
    };
  }
}
