/**
 * Who leads (Raft §5.2, §5.4.1; Ongaro's dissertation §9.6 for pre-vote and §6.2 for check-quorum): the
 * election timer, pre-vote and vote rounds, the rules for granting a vote, and the role changes. Check-quorum
 * has two halves, both here: a leader that has not heard from a majority for an election timeout steps
 * down, and a follower that heard from a live leader that recently refuses to help depose it.
 */
import type { NodeId, TimerId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { hasQuorum, tallyVotes } from './quorum';
import type { Parts, ServerState } from './state';
import type { VoteReply, VoteRequest } from './types';

export class Elections {
  /** The answers of this round (pre-vote or vote), this node's own included; true: granted. */
  private votes = new Map<NodeId, boolean>();
  private electionTimer: TimerId | undefined;
  /** The leader's periodic check that a majority still answers. */
  private quorumTimer: TimerId | undefined;
  /** Monotonic time the node last heard from a current leader (pre-vote and vote stickiness). */
  private lastLeaderContact = -Infinity;
  /** Monotonic time this node's election timer was last reset, for how long, and when it expires. */
  private electionStartedAt = 0;
  private electionTimeoutMs = 0;
  private electionDeadline = 0;
  /** Local time this node last became leader. */
  leaderSince = 0;

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {}

  // ---- the election timer ----

  /**
   * Followers reset the timer on every message from the leader, hundreds of times a second; re-arming
   * a kernel timer each time would dominate the run. So a reset only moves the deadline, and a timer
   * that fires early re-arms itself for the rest (measured on the monotonic clock: a clock step must
   * not trigger or delay an election).
   */
  resetTimer(): void {
    const { env, config } = this.s;
    const { electionMinMs: min, electionMaxMs: max } = config;
    this.electionTimeoutMs = min + env.random() * (max - min);
    this.electionStartedAt = env.monotonic();
    this.electionDeadline = this.electionStartedAt + this.electionTimeoutMs;
    if (this.electionTimer === undefined) this.armTimer(this.electionTimeoutMs);
  }

  private armTimer(ms: number): void {
    const env = this.s.env;
    this.electionTimer = env.setTimer(ms, () => {
      this.electionTimer = undefined;
      const remaining = this.electionDeadline - env.monotonic();
      if (remaining > 1e-6) this.armTimer(remaining);
      else this.onTimeout();
    });
  }

  /** How far the election timer has run, 0 to 1 (the lab draws it). */
  timerProgress(): number {
    if (this.s.role === 'leader' || this.electionTimeoutMs <= 0) return 0;
    return Math.min(1, (this.s.env.monotonic() - this.electionStartedAt) / this.electionTimeoutMs);
  }

  private onTimeout(): void {
    const s = this.s;
    if (s.role === 'leader') return;
    this.resetTimer();
    // A node waiting to be added, or removed, never campaigns. "Removed" must count the committed
    // configuration too: a leader that appended its own removal and lost leadership before committing it
    // may hold the only up-to-date log, and the remaining voters need it to campaign (the fuzzer found
    // that deadlock: the survivor could not win without it, and it would not run).
    const membership = this.parts.membership;
    if (!membership.isVoter(s.id) && !membership.at(s.commitIndex).includes(s.id)) return;
    if (s.config.preVote) this.startPreVote();
    else this.startElection(false);
  }

  // ---- campaigning ----

  /** Pre-vote: ask whether we could win before disturbing anyone with a new term. */
  private startPreVote(): void {
    const s = this.s;
    s.role = 'pre-candidate';
    this.votes = new Map([[s.id, true]]);
    s.env.trace('pre-vote', { term: s.term + 1 });
    if (this.won()) {
      this.startElection(false);
      return;
    }
    this.broadcastVoteRequest('prevote', s.term + 1, false);
  }

  /** `transfer`: the leader handed over (TimeoutNow), so voters may ignore that they follow a live leader. */
  private startElection(transfer: boolean): void {
    const s = this.s;
    s.setTermAndVote(s.term + 1, s.id);
    s.role = 'candidate';
    s.leader = null;
    this.votes = new Map([[s.id, true]]);
    s.env.trace('candidate', { term: s.term });
    this.resetTimer();
    if (this.won()) {
      s.sync(); // a lone voter's vote for itself must be on disk before it acts as leader
      this.becomeLeader();
      return;
    }
    this.broadcastVoteRequest('vote', s.term, transfer);
  }

  private won(): boolean {
    return tallyVotes(this.parts.membership.voters, this.votes).result === 'won';
  }

  private broadcastVoteRequest(type: 'prevote' | 'vote', term: number, transfer: boolean): void {
    const s = this.s;
    for (const peer of this.parts.membership.voters) {
      if (peer === s.id) continue;
      s.send(peer, {
        type,
        term,
        lastLogIndex: s.log.lastIndex,
        lastLogTerm: s.log.lastTerm,
        ...(transfer ? { transfer } : {}),
      });
    }
  }

  /** The leader told this node to campaign now (leadership transfer). */
  onTimeoutNow(term: number): void {
    const s = this.s;
    if (term === s.term && s.role !== 'leader' && this.parts.membership.isVoter(s.id))
      this.startElection(true);
  }

  // ---- voting ----

  /** Raft §5.4.1: the candidate's log ends in a later term, or the same term and is at least as long. */
  private candidateUpToDate(lastLogIndex: number, lastLogTerm: number): boolean {
    const log = this.s.log;
    if (mutantActive(this.s.config.mutant, 'vote-without-log-check')) return true;
    const myTerm = log.lastTerm;
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= log.lastIndex);
  }

  /** Check-quorum's other half: a node that heard from a live leader recently refuses to help depose it. */
  private inLeaderLease(): boolean {
    const s = this.s;
    if (s.role === 'leader') return s.config.checkQuorum;
    return (
      s.config.checkQuorum &&
      s.leader !== null &&
      s.env.monotonic() - this.lastLeaderContact < s.config.electionMinMs
    );
  }

  onPreVote(from: NodeId, msg: VoteRequest): void {
    const s = this.s;
    const granted =
      msg.term > s.term &&
      (msg.transfer === true || !this.inLeaderLease()) &&
      this.candidateUpToDate(msg.lastLogIndex, msg.lastLogTerm);
    s.send(from, { type: 'prevote-reply', term: granted ? msg.term : s.term, granted });
  }

  onPreVoteReply(from: NodeId, msg: VoteReply): void {
    const s = this.s;
    if (!msg.granted) {
      if (msg.term > s.term) this.becomeFollower(msg.term, null);
      return;
    }
    if (s.role !== 'pre-candidate' || msg.term !== s.term + 1) return;
    this.votes.set(from, true);
    if (this.won()) this.startElection(false);
  }

  onVote(from: NodeId, msg: VoteRequest): void {
    const s = this.s;
    if (msg.term > s.term && msg.transfer !== true && this.inLeaderLease()) {
      // Ignore without adopting the term: a partitioned node rejoining must not depose a healthy leader.
      s.send(from, { type: 'vote-reply', term: s.term, granted: false });
      return;
    }
    if (msg.term > s.term) this.becomeFollower(msg.term, null);
    const granted =
      msg.term === s.term &&
      (s.votedFor === null || s.votedFor === from) &&
      this.candidateUpToDate(msg.lastLogIndex, msg.lastLogTerm);
    if (granted) {
      s.setTermAndVote(s.term, from);
      this.resetTimer();
    }
    s.send(from, { type: 'vote-reply', term: s.term, granted });
  }

  onVoteReply(from: NodeId, msg: VoteReply): void {
    const s = this.s;
    if (msg.term > s.term) {
      this.becomeFollower(msg.term, null);
      return;
    }
    if (s.role !== 'candidate' || msg.term !== s.term) return;
    // A refusal is counted, not acted on: a candidate that cannot win waits for its timer, as in the paper.
    if (!msg.granted) {
      if (!this.votes.has(from)) this.votes.set(from, false);
      return;
    }
    this.votes.set(from, true);
    if (this.won()) this.becomeLeader();
  }

  // ---- role changes ----

  becomeFollower(term: number, leader: NodeId | null): void {
    const s = this.s;
    invariant(term >= s.term, "a node's term never decreases", () => `${s.id}: ${s.term} → ${term}`);
    const wasLeader = s.role === 'leader';
    if (term > s.term) s.setTermAndVote(term, null);
    const changed = s.role !== 'follower' || s.leader !== leader;
    s.role = 'follower';
    s.leader = leader;
    if (wasLeader) this.stopLeading();
    if (this.electionTimer === undefined) this.resetTimer();
    if (changed) s.env.trace('follower', { term: s.term, leader });
  }

  /** A message from the leader of `term` (≥ ours): follow it and hold off elections. */
  acceptLeader(from: NodeId, term: number): void {
    const s = this.s;
    invariant(
      s.role !== 'leader' || term > s.term,
      'one leader per term',
      () => `${s.id} leads term ${term} and heard from another leader, ${from}`,
    );
    if (term > s.term || s.role !== 'follower' || s.leader !== from) this.becomeFollower(term, from);
    this.lastLeaderContact = s.env.monotonic();
    this.resetTimer();
  }

  private becomeLeader(): void {
    const s = this.s;
    invariant(s.role === 'candidate', 'only candidates become leaders', () => `${s.id} is ${s.role}`);
    s.role = 'leader';
    s.leader = s.id;
    this.leaderSince = s.env.now();
    if (this.electionTimer !== undefined) s.env.clearTimer(this.electionTimer);
    this.electionTimer = undefined;
    const replication = this.parts.replication;
    replication.resetProgress();
    s.env.trace('leader', { term: s.term });
    s.observer?.becameLeader(s.id, s.incarnation, s.term, s.log);
    // A no-op of the new term: commits everything before it and lets ReadIndex start (Raft §8).
    if (s.config.noopOnElection) replication.appendLocal({ term: s.term, kind: 'noop' });
    replication.startHeartbeats();
    this.quorumTimer = s.env.setTimer(s.config.electionMinMs, () => this.onQuorumCheck());
  }

  stepDown(reason: string): void {
    this.s.env.trace('step-down', { term: this.s.term, reason });
    this.becomeFollower(this.s.term, null);
  }

  /** Everything that only a leader holds goes: timers, follower progress, a transfer, held reads. */
  private stopLeading(): void {
    if (this.quorumTimer !== undefined) this.s.env.clearTimer(this.quorumTimer);
    this.quorumTimer = undefined;
    this.parts.replication.stopLeading();
    this.parts.transfer.cancel();
    this.parts.reads.failAll();
    this.parts.requests.forgetWaiters();
  }

  /** Check-quorum, the leader's half: no majority heard from for an election timeout → step down. */
  private onQuorumCheck(): void {
    const s = this.s;
    this.quorumTimer = undefined;
    if (s.role !== 'leader') return;
    if (s.config.checkQuorum) {
      const heard = this.parts.replication.progress.takeRecentlyActive(s.id);
      if (!hasQuorum(this.parts.membership.voters, heard)) {
        this.stepDown('lost quorum');
        return;
      }
    }
    this.quorumTimer = s.env.setTimer(s.config.electionMinMs, () => this.onQuorumCheck());
  }
}
