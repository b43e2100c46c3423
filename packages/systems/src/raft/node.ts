/**
 * One Raft server (Ongaro & Ousterhout 2014; Ongaro's dissertation 2014 for pre-vote, check-quorum,
 * leadership transfer, single-server membership changes and ReadIndex). It talks only to its Env, so the
 * simulator and real mode run exactly this code.
 *
 * Durability rule: a node's writes are flushed to disk before the next message leaves it (see `send`),
 * so a vote or an acknowledgement is never given for state a crash could lose.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { KvStateMachine } from './kv';
import { RaftLog } from './log';
import type { RaftObserver } from './observer';
import { RaftStorage, type StoredSnapshot } from './storage';
import type {
  ClientOp,
  Command,
  Entry,
  KvOp,
  KvResult,
  RaftConfig,
  RaftMessage,
  VoteReply,
  VoteRequest,
} from './types';

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

interface Progress {
  /** Next index to send (advanced optimistically as entries are sent: pipelining). */
  next: number;
  /** Highest index known to be replicated on the peer. */
  match: number;
  /** Highest heartbeat round the peer acknowledged in this term. */
  ackedRound: number;
  /** Heard from since the last check-quorum tick. */
  active: boolean;
}

interface Waiter {
  readonly client: string;
  readonly seq: number;
  readonly from: NodeId;
}

interface PendingRead {
  readonly round: number;
  readonly readIndex: number;
  readonly key: string;
  readonly waiter: Waiter;
}

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
  role: Role = 'follower';
  term = 0;
  votedFor: NodeId | null = null;
  leader: NodeId | null = null;
  readonly log: RaftLog;
  commitIndex = 0;
  lastApplied = 0;
  voters: readonly NodeId[];
  /** Index of the config entry `voters` came from (0: the snapshot or the bootstrap config). */
  private configIndex = 0;
  machine: KvStateMachine;
  private snapshotRecord: StoredSnapshot | undefined;
  private readonly storage: RaftStorage;
  /** Entries up to here are on disk: all a leader may count as its own copy when committing. */
  private durableIndex = 0;
  /** Identifies this life of the node to observers (a restart is a new incarnation). */
  readonly incarnation: number;

  private votes = new Set<NodeId>();
  private electionTimer: TimerId | undefined;
  private heartbeatTimer: TimerId | undefined;
  private quorumTimer: TimerId | undefined;
  private flushTimer: TimerId | undefined;
  /** Monotonic time the node last heard from a current leader (pre-vote and vote stickiness). */
  private lastLeaderContact = -Infinity;
  /** Monotonic time this node's election timer was last reset, for how long, and when it expires. */
  private electionStartedAt = 0;
  private electionTimeoutMs = 0;
  private electionDeadline = 0;
  /** Local time this node last became leader. */
  leaderSince = 0;

  private progress = new Map<NodeId, Progress>();
  private round = 0;
  private readonly roundSentAt = new Map<number, number>();
  private readRoundScheduled = false;
  private pendingReads: PendingRead[] = [];
  private readsAwaitingApply: PendingRead[] = [];
  private readsAwaitingTermCommit: { key: string; waiter: Waiter }[] = [];
  /** Monotonic time up to which this leader may serve reads without a round (lease mode). */
  leaseUntil = -Infinity;
  private readonly waiting = new Map<number, Waiter>();
  private transferTarget: NodeId | null = null;
  private transferTimer: TimerId | undefined;

  constructor(
    private readonly env: Env<RaftMessage>,
    private readonly config: RaftConfig,
    private readonly observer?: RaftObserver,
  ) {
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
    this.incarnation = Math.floor(env.random() * 2 ** 31);
    this.storage = new RaftStorage(env.disk, config.mutant === 'forget-vote');
    const recovered = this.storage.recover();
    this.term = recovered.term;
    this.votedFor = recovered.vote;
    this.snapshotRecord = recovered.snapshot;
    const snap = recovered.snapshot;
    this.log = new RaftLog(snap?.lastIndex ?? 0, snap?.lastTerm ?? 0);
    for (const entry of recovered.entries) this.log.append(entry);
    this.machine = KvStateMachine.restore(snap?.data);
    this.commitIndex = this.lastApplied = snap?.lastIndex ?? 0;
    this.voters = snap?.voters ?? config.voters;
    this.recomputeConfig();
    this.durableIndex = this.log.lastIndex;
    if (recovered.tornRecords > 0) env.trace('torn-log-tail', { records: recovered.tornRecords });
    this.resetElectionTimer();
  }

  // ---- messages ----

  onMessage(from: NodeId, msg: RaftMessage): void {
    if (this.config.mutant === 'reset-timer-on-any-message' && this.role !== 'leader')
      this.resetElectionTimer();
    switch (msg.type) {
      case 'prevote':
        this.onPreVote(from, msg);
        break;
      case 'vote':
        this.onVote(from, msg);
        break;
      case 'prevote-reply':
        this.onPreVoteReply(from, msg);
        break;
      case 'vote-reply':
        this.onVoteReply(from, msg);
        break;
      case 'append':
        this.onAppend(from, msg);
        break;
      case 'append-reply':
        this.onAppendReply(from, msg);
        break;
      case 'snapshot':
        this.onSnapshot(from, msg);
        break;
      case 'snapshot-reply':
        this.onSnapshotReply(from, msg);
        break;
      case 'timeout-now':
        if (msg.term === this.term && this.role !== 'leader' && this.isVoter(this.env.id))
          this.startElection(true);
        break;
      case 'request':
        this.onRequest(from, msg.client, msg.seq, msg.op);
        break;
      case 'response':
        break; // servers never ask
    }
  }

  /**
   * Every send goes through here: durable state first, then the message. Nothing else forces a sync:
   * whatever a handler wrote without telling anyone may be lost in a crash, and that is harmless. So
   * requests arriving together are appended together and made durable by one fsync when the leader
   * sends them on (group commit), and a follower syncs once per AppendEntries it acknowledges.
   */
  private send(to: NodeId, msg: RaftMessage): void {
    this.sync();
    this.env.send(to, msg);
  }

  private sync(): void {
    this.storage.flush();
    this.durableIndex = this.log.lastIndex;
  }

  // ---- elections ----

  /**
   * Followers reset the timer on every message from the leader, hundreds of times a second; re-arming
   * a kernel timer each time would dominate the run. So a reset only moves the deadline, and a timer
   * that fires early re-arms itself for the rest (measured on the monotonic clock: a clock step must
   * not trigger or delay an election).
   */
  private resetElectionTimer(): void {
    const { electionMinMs: min, electionMaxMs: max } = this.config;
    this.electionTimeoutMs = min + this.env.random() * (max - min);
    this.electionStartedAt = this.env.monotonic();
    this.electionDeadline = this.electionStartedAt + this.electionTimeoutMs;
    if (this.electionTimer === undefined) this.armElectionTimer(this.electionTimeoutMs);
  }

  private armElectionTimer(ms: number): void {
    this.electionTimer = this.env.setTimer(ms, () => {
      this.electionTimer = undefined;
      const remaining = this.electionDeadline - this.env.monotonic();
      if (remaining > 1e-6) this.armElectionTimer(remaining);
      else this.onElectionTimeout();
    });
  }

  /** How far the election timer has run, 0 to 1 (the lab draws it). */
  electionProgress(): number {
    if (this.role === 'leader' || this.electionTimeoutMs <= 0) return 0;
    return Math.min(1, (this.env.monotonic() - this.electionStartedAt) / this.electionTimeoutMs);
  }

  private onElectionTimeout(): void {
    if (this.role === 'leader') return;
    this.resetElectionTimer();
    // A node waiting to be added, or removed, never campaigns. "Removed" must count the committed
    // configuration too: a leader that appended its own removal and lost leadership before committing it
    // may hold the only up-to-date log, and the remaining voters need it to campaign (the fuzzer found
    // that deadlock: the survivor could not win without it, and it would not run).
    if (!this.isVoter(this.env.id) && !this.configAt(this.commitIndex).includes(this.env.id)) return;
    if (this.config.preVote) this.startPreVote();
    else this.startElection(false);
  }

  private startPreVote(): void {
    this.role = 'pre-candidate';
    this.votes = new Set([this.env.id]);
    this.env.trace('pre-vote', { term: this.term + 1 });
    if (this.hasQuorum(this.votes)) {
      this.startElection(false);
      return;
    }
    this.broadcastVoteRequest('prevote', this.term + 1, false);
  }

  private startElection(transfer: boolean): void {
    this.term++;
    this.votedFor = this.env.id;
    this.storage.saveMeta(this.term, this.votedFor);
    this.role = 'candidate';
    this.leader = null;
    this.votes = new Set([this.env.id]);
    this.env.trace('candidate', { term: this.term });
    this.resetElectionTimer();
    if (this.hasQuorum(this.votes)) {
      this.sync(); // a lone voter's vote for itself must be on disk before it acts as leader
      this.becomeLeader();
      return;
    }
    this.broadcastVoteRequest('vote', this.term, transfer);
  }

  private broadcastVoteRequest(type: 'prevote' | 'vote', term: number, transfer: boolean): void {
    for (const peer of this.voters) {
      if (peer === this.env.id) continue;
      this.send(peer, {
        type,
        term,
        lastLogIndex: this.log.lastIndex,
        lastLogTerm: this.log.lastTerm,
        ...(transfer ? { transfer } : {}),
      });
    }
  }

  /** Raft §5.4.1: the candidate's log ends in a later term, or the same term and is at least as long. */
  private candidateUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    if (this.config.mutant === 'vote-without-log-check') return true;
    const myTerm = this.log.lastTerm;
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.log.lastIndex);
  }

  /** Check-quorum's other half: a node that heard from a live leader recently refuses to help depose it. */
  private inLeaderLease(): boolean {
    if (this.role === 'leader') return this.config.checkQuorum;
    return (
      this.config.checkQuorum &&
      this.leader !== null &&
      this.env.monotonic() - this.lastLeaderContact < this.config.electionMinMs
    );
  }

  private onPreVote(from: NodeId, msg: VoteRequest): void {
    const granted =
      msg.term > this.term &&
      (msg.transfer === true || !this.inLeaderLease()) &&
      this.candidateUpToDate(msg.lastLogIndex, msg.lastLogTerm);
    this.send(from, { type: 'prevote-reply', term: granted ? msg.term : this.term, granted });
  }

  private onPreVoteReply(from: NodeId, msg: VoteReply): void {
    if (!msg.granted) {
      if (msg.term > this.term) this.becomeFollower(msg.term, null);
      return;
    }
    if (this.role !== 'pre-candidate' || msg.term !== this.term + 1) return;
    this.votes.add(from);
    if (this.hasQuorum(this.votes)) this.startElection(false);
  }

  private onVote(from: NodeId, msg: VoteRequest): void {
    if (msg.term > this.term && msg.transfer !== true && this.inLeaderLease()) {
      // Ignore without adopting the term: a partitioned node rejoining must not depose a healthy leader.
      this.send(from, { type: 'vote-reply', term: this.term, granted: false });
      return;
    }
    if (msg.term > this.term) this.becomeFollower(msg.term, null);
    const granted =
      msg.term === this.term &&
      (this.votedFor === null || this.votedFor === from) &&
      this.candidateUpToDate(msg.lastLogIndex, msg.lastLogTerm);
    if (granted) {
      this.votedFor = from;
      this.storage.saveMeta(this.term, this.votedFor);
      this.resetElectionTimer();
    }
    this.send(from, { type: 'vote-reply', term: this.term, granted });
  }

  private onVoteReply(from: NodeId, msg: VoteReply): void {
    if (msg.term > this.term) {
      this.becomeFollower(msg.term, null);
      return;
    }
    if (this.role !== 'candidate' || msg.term !== this.term || !msg.granted) return;
    this.votes.add(from);
    if (this.hasQuorum(this.votes)) this.becomeLeader();
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    invariant(term >= this.term, 'terms only increase', () => `${this.env.id}: ${this.term} → ${term}`);
    const wasLeader = this.role === 'leader';
    if (term > this.term) {
      this.term = term;
      this.votedFor = null;
      this.storage.saveMeta(this.term, this.votedFor);
    }
    const changed = this.role !== 'follower' || this.leader !== leader;
    this.role = 'follower';
    this.leader = leader;
    if (wasLeader) this.stopLeading();
    if (this.electionTimer === undefined) this.resetElectionTimer();
    if (changed) this.env.trace('follower', { term: this.term, leader });
  }

  private becomeLeader(): void {
    invariant(
      this.role === 'candidate',
      'only candidates become leaders',
      () => `${this.env.id} is ${this.role}`,
    );
    this.role = 'leader';
    this.leader = this.env.id;
    this.leaderSince = this.env.now();
    if (this.electionTimer !== undefined) this.env.clearTimer(this.electionTimer);
    this.electionTimer = undefined;
    this.progress.clear();
    for (const peer of this.voters) if (peer !== this.env.id) this.addProgress(peer);
    this.env.trace('leader', { term: this.term });
    this.observer?.becameLeader(this.env.id, this.incarnation, this.term, this.log);
    // A no-op of the new term: commits everything before it and lets ReadIndex start (Raft §8).
    if (this.config.noopOnElection) this.appendLocal({ term: this.term, kind: 'noop' });
    this.broadcastAppend();
    this.heartbeatTimer = this.env.setTimer(this.config.heartbeatMs, () => this.onHeartbeat());
    this.quorumTimer = this.env.setTimer(this.config.electionMinMs, () => this.onQuorumCheck());
  }

  private addProgress(peer: NodeId): void {
    this.progress.set(peer, { next: this.log.lastIndex + 1, match: 0, ackedRound: 0, active: true });
  }

  private stopLeading(): void {
    for (const id of [this.heartbeatTimer, this.quorumTimer, this.flushTimer, this.transferTimer]) {
      if (id !== undefined) this.env.clearTimer(id);
    }
    this.heartbeatTimer = this.quorumTimer = this.flushTimer = this.transferTimer = undefined;
    this.transferTarget = null;
    this.progress.clear();
    this.leaseUntil = -Infinity;
    // Writes in flight may still commit under the next leader: their clients time out and retry
    // (the session makes the retry safe). Reads had no effect, so they can fail at once.
    const reads = [...this.pendingReads, ...this.readsAwaitingApply, ...this.readsAwaitingTermCommit];
    this.pendingReads = [];
    this.readsAwaitingApply = [];
    this.readsAwaitingTermCommit = [];
    for (const read of reads) this.reply(read.waiter, { ok: false, error: 'not-leader' });
    this.waiting.clear();
    this.readRoundScheduled = false;
  }

  private stepDown(reason: string): void {
    this.env.trace('step-down', { term: this.term, reason });
    this.becomeFollower(this.term, null);
  }

  private onQuorumCheck(): void {
    this.quorumTimer = undefined;
    if (this.role !== 'leader') return;
    if (this.config.checkQuorum) {
      const heard = new Set<NodeId>([this.env.id]);
      for (const [peer, p] of this.progress) {
        if (p.active) heard.add(peer);
        p.active = false;
      }
      if (!this.hasQuorum(heard)) {
        this.stepDown('lost quorum');
        return;
      }
    }
    this.quorumTimer = this.env.setTimer(this.config.electionMinMs, () => this.onQuorumCheck());
  }

  // ---- replication ----

  private onHeartbeat(): void {
    this.heartbeatTimer = undefined;
    if (this.role !== 'leader') return;
    this.broadcastAppend();
    this.heartbeatTimer = this.env.setTimer(this.config.heartbeatMs, () => this.onHeartbeat());
  }

  /** A new heartbeat round to every follower, carrying whatever entries each is missing. */
  private broadcastAppend(): void {
    this.round++;
    this.roundSentAt.set(this.round, this.env.monotonic());
    if (this.roundSentAt.size > 256) this.roundSentAt.delete(this.round - 256);
    for (const peer of this.progress.keys()) this.sendAppend(peer, true);
  }

  private sendAppend(peer: NodeId, heartbeat: boolean): void {
    // Committing can end leadership (a leader's own removal) or drop the peer from the configuration.
    const p = this.progress.get(peer);
    if (!p || this.role !== 'leader') return;
    if (p.next <= this.log.snapshotIndex) {
      const snap = this.snapshotRecord as StoredSnapshot;
      this.send(peer, { type: 'snapshot', term: this.term, ...snap, round: this.round });
      p.next = snap.lastIndex + 1; // optimistic; a lost snapshot shows up as a conflict later
      return;
    }
    const entries = this.log.slice(p.next, this.config.maxBatch);
    if (entries.length === 0 && !heartbeat) return;
    const prevIndex = p.next - 1;
    this.send(peer, {
      type: 'append',
      term: this.term,
      prevIndex,
      prevTerm: this.log.term(prevIndex) as number,
      entries,
      leaderCommit: this.commitIndex,
      round: this.round,
    });
    p.next += entries.length;
  }

  /** New entries go out on the next turn of the event loop, so a burst of requests shares a message. */
  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = this.env.setTimer(0, () => {
      this.flushTimer = undefined;
      if (this.role !== 'leader') return;
      this.sync(); // one fsync for everything appended since the last one (group commit)
      for (const peer of this.progress.keys()) this.sendAppend(peer, false);
      this.advanceCommit(); // a lone voter commits once its own copy is durable
    });
  }

  private appendLocal(entry: Entry): number {
    const index = this.log.append(entry);
    this.storage.appendEntries(index, [entry]);
    if (entry.kind === 'config') this.applyConfig(entry.voters, index);
    this.scheduleFlush();
    if (this.config.mutant === 'apply-before-commit') this.apply();
    return index;
  }

  private onAppend(from: NodeId, msg: Extract<RaftMessage, { type: 'append' }>): void {
    if (msg.term < this.term) {
      this.replyAppend(from, msg.round, { success: false }); // our term tells a stale leader to step down
      return;
    }
    this.acceptLeader(from, msg.term);
    let prevIndex = msg.prevIndex;
    let prevTerm = msg.prevTerm;
    let entries = msg.entries;
    if (prevIndex < this.log.snapshotIndex) {
      // Everything up to our snapshot is committed, hence identical to the leader's: skip it.
      const skip = this.log.snapshotIndex - prevIndex;
      if (skip >= entries.length) {
        this.replyAppend(from, msg.round, { success: true, matchIndex: this.log.snapshotIndex });
        return;
      }
      prevTerm = (entries[skip - 1] as Entry).term;
      entries = entries.slice(skip);
      prevIndex = this.log.snapshotIndex;
      invariant(
        prevTerm === this.log.snapshotTerm,
        'log matching at the snapshot',
        () =>
          `${this.env.id}: leader has term ${prevTerm} at ${prevIndex}, snapshot has ${this.log.snapshotTerm}`,
      );
    }
    const localPrevTerm = this.log.term(prevIndex);
    if (localPrevTerm !== prevTerm) {
      this.replyAppend(from, msg.round, {
        success: false,
        conflictTerm: localPrevTerm ?? 0,
        conflictIndex:
          localPrevTerm === undefined
            ? this.log.lastIndex + 1
            : this.log.firstIndexOfTerm(localPrevTerm, prevIndex),
      });
      return;
    }
    let index = prevIndex;
    for (let k = 0; k < entries.length; k++) {
      index++;
      const entry = entries[k] as Entry;
      const existing = this.log.term(index);
      if (existing === entry.term) continue;
      if (existing !== undefined) {
        invariant(
          index > this.commitIndex,
          'committed entries are never overwritten',
          () =>
            `${this.env.id}: leader ${from} (term ${msg.term}) overwrites committed index ${index} (commit ${this.commitIndex})`,
        );
        this.log.truncateFrom(index);
        this.recomputeConfig();
      }
      const rest = entries.slice(k);
      for (const e of rest) {
        this.log.append(e);
        if (e.kind === 'config') this.applyConfig(e.voters, this.log.lastIndex);
      }
      this.storage.appendEntries(index, rest);
      break;
    }
    const matchIndex = prevIndex + entries.length;
    if (msg.leaderCommit > this.commitIndex) this.setCommitIndex(Math.min(msg.leaderCommit, matchIndex));
    if (this.config.mutant === 'apply-before-commit') this.apply();
    this.replyAppend(from, msg.round, { success: true, matchIndex });
  }

  private replyAppend(
    to: NodeId,
    round: number,
    reply: { success: boolean; matchIndex?: number; conflictTerm?: number; conflictIndex?: number },
  ): void {
    this.send(to, {
      type: 'append-reply',
      term: this.term,
      success: reply.success,
      matchIndex: reply.matchIndex ?? 0,
      conflictTerm: reply.conflictTerm ?? 0,
      conflictIndex: reply.conflictIndex ?? 0,
      round,
    });
  }

  /** A message from the leader of `term` (≥ ours): follow it and hold off elections. */
  private acceptLeader(from: NodeId, term: number): void {
    invariant(
      this.role !== 'leader' || term > this.term,
      'one leader per term',
      () => `${this.env.id} leads term ${term} and heard from another leader, ${from}`,
    );
    if (term > this.term || this.role !== 'follower' || this.leader !== from) this.becomeFollower(term, from);
    this.lastLeaderContact = this.env.monotonic();
    this.resetElectionTimer();
  }

  /**
   * What every reply to a leader's AppendEntries or InstallSnapshot does first: step down for a higher
   * term, ignore a stale one, and note that the follower is alive and acknowledged `round`. Returns
   * the follower's progress when the reply is for this leader.
   */
  private acknowledgement(from: NodeId, term: number, round: number): Progress | undefined {
    if (term > this.term) {
      this.becomeFollower(term, null);
      return undefined;
    }
    if (this.role !== 'leader' || term < this.term) return undefined;
    const p = this.progress.get(from);
    if (!p) return undefined; // removed from the configuration meanwhile
    p.active = true;
    if (round > p.ackedRound) p.ackedRound = round;
    return p;
  }

  private onAppendReply(from: NodeId, msg: Extract<RaftMessage, { type: 'append-reply' }>): void {
    const p = this.acknowledgement(from, msg.term, msg.round);
    if (!p) return;
    if (msg.success) {
      if (msg.matchIndex > p.match) p.match = msg.matchIndex;
      if (p.next <= p.match) p.next = p.match + 1;
      this.advanceCommit();
      if (this.transferTarget === from && p.match === this.log.lastIndex) this.sendTimeoutNow(from);
      if (p.next <= this.log.lastIndex) this.sendAppend(from, false);
    } else {
      // Fast back-off: jump over the follower's whole conflicting term instead of one entry per round trip.
      let next = msg.conflictIndex;
      if (msg.conflictTerm > 0) {
        const last = this.log.lastIndexOfTerm(msg.conflictTerm);
        if (last > 0) next = last + 1;
      }
      p.next = Math.max(p.match + 1, Math.min(next, this.log.lastIndex + 1), 1);
      this.sendAppend(from, false);
    }
    this.confirmReads();
  }

  private advanceCommit(): void {
    if (this.role !== 'leader') return;
    // The highest index a majority of voters holds: the (majority)-th largest match index.
    const n = this.quorumValue((voter) =>
      voter === this.env.id
        ? Math.min(this.durableIndex, this.log.lastIndex)
        : (this.progress.get(voter)?.match ?? 0),
    );
    if (n <= this.commitIndex) return;
    // Raft §5.4.2 (figure 8): only an entry of the leader's own term is committed by counting replicas;
    // earlier entries commit with it. Terms never decrease along the log, so checking n is enough.
    if (this.log.term(n) === this.term || this.config.mutant === 'commit-old-term-by-count')
      this.setCommitIndex(n);
  }

  private setCommitIndex(index: number): void {
    if (index <= this.commitIndex) return;
    const from = this.commitIndex;
    this.commitIndex = index;
    this.observer?.committed(this.env.id, this.incarnation, this.term, from, index, (i) => this.log.term(i));
    this.apply();
    if (this.role === 'leader') this.releaseReadsAwaitingTermCommit();
  }

  private apply(): void {
    const limit = this.config.mutant === 'apply-before-commit' ? this.log.lastIndex : this.commitIndex;
    while (this.lastApplied < limit) {
      const index = ++this.lastApplied;
      if (index <= this.log.snapshotIndex) continue;
      const entry = this.log.entry(index);
      this.observer?.applied(this.env.id, index, entry);
      const waiter = this.waiting.get(index);
      if (waiter) this.waiting.delete(index);
      if (entry.kind === 'command') {
        const result = this.machine.apply(entry.command);
        if (waiter && result && waiter.client === entry.command.client && waiter.seq === entry.command.seq) {
          this.reply(waiter, result);
        }
      } else if (entry.kind === 'config') {
        if (waiter) this.reply(waiter, { ok: true });
        if (this.role === 'leader' && !entry.voters.includes(this.env.id) && index === this.configIndex) {
          this.stepDown('removed from the configuration');
        }
      }
    }
    if (this.readsAwaitingApply.length > 0) this.serveAppliedReads();
    this.maybeSnapshot();
  }

  // ---- snapshots ----

  private maybeSnapshot(): void {
    const every = this.config.snapshotEvery;
    if (every <= 0 || this.lastApplied - this.log.snapshotIndex < every) return;
    if (this.lastApplied > this.log.lastIndex) return; // mutant apply-before-commit after a truncation
    const index = this.lastApplied;
    const snapshot: StoredSnapshot = {
      lastIndex: index,
      lastTerm: this.log.term(index) as number,
      voters: this.configAt(index),
      data: this.machine.snapshot(),
    };
    this.log.compactTo(index, snapshot.lastTerm);
    this.snapshotRecord = snapshot;
    this.storage.saveSnapshot(snapshot, this.log.all());
    this.env.trace('snapshot', { index });
  }

  private onSnapshot(from: NodeId, msg: Extract<RaftMessage, { type: 'snapshot' }>): void {
    if (msg.term < this.term) {
      this.send(from, { type: 'snapshot-reply', term: this.term, lastIndex: 0, round: msg.round });
      return;
    }
    this.acceptLeader(from, msg.term);
    if (msg.lastIndex > this.commitIndex) {
      const snapshot: StoredSnapshot = {
        lastIndex: msg.lastIndex,
        lastTerm: msg.lastTerm,
        voters: msg.voters,
        data: msg.data,
      };
      this.log.compactTo(msg.lastIndex, msg.lastTerm);
      this.machine = KvStateMachine.restore(msg.data);
      this.snapshotRecord = snapshot;
      this.storage.saveSnapshot(snapshot, this.log.all());
      const from0 = this.commitIndex;
      this.commitIndex = this.lastApplied = msg.lastIndex;
      this.recomputeConfig(); // the log left after the snapshot, else the snapshot's voters
      this.observer?.installedSnapshot(this.env.id, msg.lastIndex, msg.lastTerm);
      this.observer?.committed(this.env.id, this.incarnation, this.term, from0, msg.lastIndex, (i) =>
        this.log.term(i),
      );
      this.env.trace('install-snapshot', { index: msg.lastIndex });
    }
    this.send(from, { type: 'snapshot-reply', term: this.term, lastIndex: msg.lastIndex, round: msg.round });
  }

  private onSnapshotReply(from: NodeId, msg: Extract<RaftMessage, { type: 'snapshot-reply' }>): void {
    const p = this.acknowledgement(from, msg.term, msg.round);
    if (!p) return;
    if (msg.lastIndex > p.match) p.match = msg.lastIndex;
    if (p.next <= p.match) p.next = p.match + 1;
    this.advanceCommit();
    this.confirmReads();
    if (p.next <= this.log.lastIndex) this.sendAppend(from, false);
  }

  // ---- membership ----

  private isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  private hasQuorum(ids: ReadonlySet<NodeId>): boolean {
    let count = 0;
    for (const voter of this.voters) if (ids.has(voter)) count++;
    return count * 2 > this.voters.length;
  }

  /** A config entry takes effect as soon as it is in the log, committed or not (dissertation §4.1). */
  private applyConfig(voters: readonly NodeId[], index: number): void {
    this.voters = voters;
    this.configIndex = index;
    if (this.role !== 'leader') return;
    for (const peer of voters) if (peer !== this.env.id && !this.progress.has(peer)) this.addProgress(peer);
    for (const peer of [...this.progress.keys()]) if (!voters.includes(peer)) this.progress.delete(peer);
  }

  /** After a truncation or a snapshot: the latest config entry left in the log, else the snapshot's. */
  private recomputeConfig(): void {
    for (let i = this.log.lastIndex; i > this.log.snapshotIndex; i--) {
      const entry = this.log.entry(i);
      if (entry.kind === 'config') {
        this.voters = entry.voters;
        this.configIndex = i;
        return;
      }
    }
    this.voters = this.snapshotRecord?.voters ?? this.config.voters;
    this.configIndex = 0;
  }

  private configAt(index: number): readonly NodeId[] {
    for (let i = index; i > this.log.snapshotIndex; i--) {
      const entry = this.log.entry(i);
      if (entry.kind === 'config') return entry.voters;
    }
    return this.snapshotRecord?.voters ?? this.config.voters;
  }

  private proposeConfig(op: Extract<ClientOp, { f: 'add-server' | 'remove-server' }>, waiter: Waiter): void {
    // One change at a time, and only once this term has committed something (the dissertation's fix
    // for the single-server change bug found in 2015).
    if (this.configIndex > this.commitIndex || this.log.term(this.commitIndex) !== this.term) {
      this.reply(waiter, { ok: false, error: 'config change in progress' });
      return;
    }
    const voters =
      op.f === 'add-server'
        ? this.voters.includes(op.id)
          ? this.voters
          : [...this.voters, op.id]
        : this.voters.filter((id) => id !== op.id);
    if (voters.length === 0) {
      this.reply(waiter, { ok: false, error: 'cannot remove the last voter' });
      return;
    }
    this.waiting.set(this.log.lastIndex + 1, waiter);
    this.appendLocal({ term: this.term, kind: 'config', voters });
  }

  // ---- leadership transfer ----

  private startTransfer(to: NodeId, waiter: Waiter): void {
    const p = this.progress.get(to);
    if (!p || !this.isVoter(to)) {
      this.reply(waiter, { ok: false, error: `${to} is not a voting member` });
      return;
    }
    this.transferTarget = to;
    this.env.trace('transfer', { to });
    if (this.transferTimer !== undefined) this.env.clearTimer(this.transferTimer);
    this.transferTimer = this.env.setTimer(this.config.electionMaxMs, () => {
      this.transferTimer = undefined;
      this.transferTarget = null; // the target did not take over in time: keep leading
    });
    this.reply(waiter, { ok: true });
    if (p.match === this.log.lastIndex) this.sendTimeoutNow(to);
    else this.sendAppend(to, false);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(to, { type: 'timeout-now', term: this.term });
  }

  // ---- clients ----

  private reply(waiter: Waiter, result: KvResult): void {
    const leader = this.leader ?? undefined;
    this.send(waiter.from, {
      type: 'response',
      client: waiter.client,
      seq: waiter.seq,
      result,
      ...(leader !== undefined ? { leader } : {}),
    });
  }

  private onRequest(from: NodeId, client: string, seq: number, op: ClientOp): void {
    const waiter: Waiter = { client, seq, from };
    if (op.f === 'get' && op.stale === true) {
      this.reply(waiter, this.machine.read(op.key)); // the caller asked for speed over freshness
      return;
    }
    if (this.role !== 'leader') {
      this.reply(waiter, { ok: false, error: 'not-leader' });
      return;
    }
    switch (op.f) {
      case 'add-server':
      case 'remove-server':
        this.proposeConfig(op, waiter);
        return;
      case 'transfer':
        this.startTransfer(op.to, waiter);
        return;
      case 'get':
        if (this.config.readMode !== 'log') {
          this.read(op.key, waiter);
          return;
        }
        break;
    }
    if (this.transferTarget !== null) {
      this.reply(waiter, { ok: false, error: 'transferring leadership' });
      return;
    }
    const applied = this.machine.lastSeq(client);
    if (seq <= applied) {
      // Already applied (a retry after the answer was lost): the session has the first answer.
      const result = this.machine.apply({ client, seq, op });
      if (result) this.reply(waiter, result);
      return;
    }
    const command: Command = { client, seq, op: op as KvOp };
    this.waiting.set(this.log.lastIndex + 1, waiter);
    this.appendLocal({ term: this.term, kind: 'command', command });
  }

  /** Linearizable read: ReadIndex (dissertation §6.4), or a lease when configured and still valid. */
  private read(key: string, waiter: Waiter): void {
    if (this.config.mutant === 'read-without-read-index') {
      this.reply(waiter, this.machine.read(key));
      return;
    }
    if (this.log.term(this.commitIndex) !== this.term) {
      // The leader does not know its commit index until an entry of its own term commits; without
      // the election no-op, a read has to create one.
      this.readsAwaitingTermCommit.push({ key, waiter });
      if (this.log.lastTerm !== this.term) this.appendLocal({ term: this.term, kind: 'noop' });
      return;
    }
    if (this.config.readMode === 'lease' && this.env.monotonic() < this.leaseUntil) {
      this.readsAwaitingApply.push({ round: 0, readIndex: this.commitIndex, key, waiter });
      this.serveAppliedReads();
      return;
    }
    this.pendingReads.push({ round: this.round + 1, readIndex: this.commitIndex, key, waiter });
    if (this.hasQuorum(new Set([this.env.id]))) {
      this.confirmReads();
      return;
    }
    if (!this.readRoundScheduled) {
      // Reads arriving together share one round of heartbeats.
      this.readRoundScheduled = true;
      this.env.setTimer(0, () => {
        this.readRoundScheduled = false;
        if (this.role === 'leader') this.broadcastAppend();
      });
    }
  }

  private releaseReadsAwaitingTermCommit(): void {
    if (this.readsAwaitingTermCommit.length === 0 || this.log.term(this.commitIndex) !== this.term) return;
    const reads = this.readsAwaitingTermCommit;
    this.readsAwaitingTermCommit = [];
    for (const read of reads) this.read(read.key, read.waiter);
  }

  /** Reads whose round a majority acknowledged may be served once the state machine catches up. */
  private confirmReads(): void {
    if (this.role !== 'leader') return;
    if (this.pendingReads.length === 0 && this.config.readMode !== 'lease') return;
    const confirmedRound = this.quorumRound();
    const sentAt = this.roundSentAt.get(confirmedRound);
    if (sentAt !== undefined && sentAt + this.config.electionMinMs > this.leaseUntil) {
      this.leaseUntil = sentAt + this.config.electionMinMs;
    }
    if (this.pendingReads.length === 0) return;
    const still: PendingRead[] = [];
    for (const read of this.pendingReads) {
      if (read.round <= confirmedRound) this.readsAwaitingApply.push(read);
      else still.push(read);
    }
    this.pendingReads = still;
    this.serveAppliedReads();
  }

  /** The highest round a quorum (this leader included) has acknowledged. */
  private quorumRound(): number {
    return this.quorumValue((voter) =>
      voter === this.env.id ? this.round : (this.progress.get(voter)?.ackedRound ?? 0),
    );
  }

  /**
   * The largest value at least a majority of voters reach: the ⌊n/2⌋+1-th largest. Called on every
   * acknowledgement, so it sorts a reused buffer in place (insertion sort: n is a handful).
   */
  private quorumValue(valueOf: (voter: NodeId) => number): number {
    const n = this.voters.length;
    if (this.scratch.length < n) this.scratch = new Float64Array(n * 2);
    const values = this.scratch;
    for (let i = 0; i < n; i++) {
      const v = valueOf(this.voters[i] as NodeId);
      let j = i;
      while (j > 0 && (values[j - 1] as number) < v) {
        values[j] = values[j - 1] as number;
        j--;
      }
      values[j] = v;
    }
    return n === 0 ? 0 : (values[Math.floor(n / 2)] as number);
  }

  private scratch = new Float64Array(16);

  private serveAppliedReads(): void {
    const still: PendingRead[] = [];
    for (const read of this.readsAwaitingApply) {
      if (this.lastApplied >= read.readIndex) {
        this.reply(read.waiter, this.machine.read(read.key));
      } else still.push(read);
    }
    this.readsAwaitingApply = still;
  }

  // ---- inspection ----

  get id(): NodeId {
    return this.env.id;
  }

  snapshot(): RaftNodeSnapshot {
    const progress: Record<NodeId, { match: number; next: number }> = {};
    for (const [peer, p] of this.progress) progress[peer] = { match: p.match, next: p.next };
    return {
      id: this.env.id,
      role: this.role,
      term: this.term,
      votedFor: this.votedFor,
      leader: this.leader,
      commitIndex: this.commitIndex,
      lastApplied: this.lastApplied,
      lastIndex: this.log.lastIndex,
      snapshotIndex: this.log.snapshotIndex,
      voters: this.voters,
      progress,
      keys: this.machine.size,
    };
  }
}
