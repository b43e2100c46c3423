/**
 * Log replication (Raft §5.3): the leader's heartbeat rounds and AppendEntries, pipelined per follower up
 * to a window of messages in flight and repaired by back-off when a follower's log disagrees; the
 * follower's consistency check, truncation of a conflicting tail and its reply; group commit of the
 * leader's own appends.
 */
import type { NodeId, TimerId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { ProgressTracker, ackRound, type Progress } from './progress';
import type { Parts, ServerState } from './state';
import type { AppendEntries, AppendReply, Entry } from './types';

/** How many recent heartbeat rounds keep their send time (leases date a confirmed round by it). */
export const ROUND_TIMES_KEPT = 256;

export class Replication {
  /** The leader's view of each follower; empty unless leading. */
  readonly progress: ProgressTracker;
  /** The current heartbeat round: each broadcast starts one, and replies echo it (ReadIndex, leases). */
  round = 0;
  /**
   * The send times of the last ROUND_TIMES_KEPT rounds: a ring by round number, each slot holding its
   * round (-1: none yet) and that round's time. (A map that added one round and dropped another per
   * broadcast rehashed itself every few hundred rounds.)
   */
  private readonly roundInSlot = new Float64Array(ROUND_TIMES_KEPT).fill(-1);
  private readonly roundSentAtMs = new Float64Array(ROUND_TIMES_KEPT);
  private heartbeatTimer: TimerId | undefined;
  private flushTimer: TimerId | undefined;

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {
    this.progress = new ProgressTracker(s.config.maxInflightAppends);
  }

  /** Monotonic time round `round` went out, if it is recent enough to be remembered. */
  roundSentAt(round: number): number | undefined {
    const slot = round % ROUND_TIMES_KEPT;
    return this.roundInSlot[slot] === round ? this.roundSentAtMs[slot] : undefined;
  }

  // ---- leader ----

  /** A new leader knows nothing about its followers: probe each from the end of its own log. */
  resetProgress(): void {
    const s = this.s;
    this.progress.clear();
    for (const peer of this.parts.membership.voters)
      if (peer !== s.id) this.progress.add(peer, s.log.lastIndex);
  }

  startHeartbeats(): void {
    this.broadcastAppend();
    this.heartbeatTimer = this.s.env.setTimer(this.s.config.heartbeatMs, () => this.onHeartbeat());
  }

  stopLeading(): void {
    for (const id of [this.heartbeatTimer, this.flushTimer]) if (id !== undefined) this.s.env.clearTimer(id);
    this.heartbeatTimer = this.flushTimer = undefined;
    this.progress.clear();
  }

  private onHeartbeat(): void {
    this.heartbeatTimer = undefined;
    if (this.s.role !== 'leader') return;
    this.broadcastAppend(this.s.config.readMode !== 'lease');
    this.heartbeatTimer = this.s.env.setTimer(this.s.config.heartbeatMs, () => this.onHeartbeat());
  }

  /**
   * A new heartbeat round to every follower, carrying whatever entries each is missing. `skipBusy` (the
   * periodic heartbeat): a follower sent something in the last half interval is skipped — appends and
   * read rounds already tell it the leader lives, and its silence is still under 1.5 intervals, far below
   * the election timeout. Not in lease mode: there the rounds of heartbeats are what extends the lease.
   * A read round (`Reads`) goes to every follower: it needs acknowledgements of a round sent after it.
   */
  broadcastAppend(skipBusy = false): void {
    this.round++;
    const now = this.s.env.monotonic();
    const slot = this.round % ROUND_TIMES_KEPT;
    this.roundInSlot[slot] = this.round;
    this.roundSentAtMs[slot] = now;
    const recent = now - this.s.config.heartbeatMs / 2;
    for (const peer of this.progress.peerIds()) {
      if (skipBusy && (this.progress.get(peer) as Progress).sentAt > recent) continue;
      this.sendAppend(peer, true);
    }
  }

  /**
   * Sends `peer` what it is missing from its next index (a snapshot when that is compacted away), unless
   * its window of appends in flight is full: then entries wait for an acknowledgement, or for a
   * `heartbeat` (a periodic one or a read round), which leaves anyway and takes them along. A heartbeat's
   * consistency check at the next index is also what unsticks a window whose messages or replies were
   * lost: the follower either holds everything sent (its acknowledgement frees the window) or refuses
   * (back-off resets it).
   * `beforeLogSync`: the entries may leave before the leader's own copy is durable (see `scheduleFlush`).
   */
  sendAppend(peer: NodeId, heartbeat: boolean, beforeLogSync = false): void {
    const s = this.s;
    // Committing can end leadership (a leader's own removal) or drop the peer from the configuration.
    const p = this.progress.get(peer);
    if (!p || s.role !== 'leader') return;
    const window = p.inflight;
    if (p.next <= s.log.snapshotIndex) {
      window.reset(); // the snapshot stands for every entry in flight
      this.parts.snapshots.send(peer, p);
      return;
    }
    window.freeUpTo(p.match); // what acknowledgements (or a snapshot's reply) showed the follower holds
    // A probe (basic back-off) does not move `next` and is never counted: it is one message at a time.
    if (!heartbeat && !p.probing && window.full) return;
    const entries = s.log.slice(p.next, s.config.maxBatch);
    if (entries.length === 0 && !heartbeat) return;
    const prevIndex = p.next - 1;
    const append: AppendEntries = {
      type: 'append',
      term: s.term,
      prevIndex,
      prevTerm: s.log.term(prevIndex) as number,
      entries,
      leaderCommit: s.commitIndex,
      round: this.round,
    };
    if (beforeLogSync) s.sendBeforeLogSync(peer, append);
    else s.send(peer, append);
    p.sentAt = s.env.monotonic();
    if (!p.probing && entries.length > 0) {
      p.next += entries.length;
      window.add(p.next - 1);
    }
  }

  /**
   * New entries go out on the next turn of the event loop, so a burst of requests shares a message.
   * They leave before the leader's fsync, which then runs while the followers write theirs (Ongaro's
   * dissertation §10.2.1; etcd does the same): the leader counts itself toward a commit only up to its
   * durable index, so a copy a crash could lose never makes an entry committed.
   */
  private scheduleFlush(): void {
    const s = this.s;
    if (this.flushTimer !== undefined) return;
    this.flushTimer = s.env.setTimer(0, this.onFlushTimer);
  }

  /** The group-commit turn (one function for every turn: a closure per write would be garbage). */
  private readonly onFlushTimer = (): void => {
    const s = this.s;
    this.flushTimer = undefined;
    if (s.role !== 'leader') return;
    for (const peer of this.progress.peerIds()) this.sendAppend(peer, false, true);
    s.sync(); // one fsync for everything appended since the last one (group commit)
    this.parts.commit.advance(); // a lone voter commits once its own copy is durable
  };

  /** The leader appends an entry of its own (a command, a no-op, a configuration). */
  appendLocal(entry: Entry): number {
    const s = this.s;
    const index = s.log.append(entry);
    s.storage.appendEntry(index, entry);
    if (entry.kind === 'config') this.parts.membership.apply(entry.voters, index);
    this.scheduleFlush();
    if (mutantActive(s.config.mutant, 'apply-before-commit')) this.parts.commit.apply();
    return index;
  }

  /**
   * What every reply to a leader's AppendEntries or InstallSnapshot does first: step down for a higher
   * term, ignore a stale one, and note that the follower is alive (the caller notes its round with
   * `ackRound`). Returns the follower's progress when the reply is for this leader.
   */
  acknowledgement(from: NodeId, term: number): Progress | undefined {
    const s = this.s;
    if (term > s.term) {
      this.parts.elections.becomeFollower(term, null);
      return undefined;
    }
    if (s.role !== 'leader' || term < s.term) return undefined;
    const p = this.progress.get(from);
    if (!p) return undefined; // removed from the configuration meanwhile
    p.active = true;
    return p;
  }

  onAppendReply(from: NodeId, msg: AppendReply): void {
    const s = this.s;
    const p = this.acknowledgement(from, msg.term);
    if (!p) return;
    const roundRaised = ackRound(p, msg.round);
    if (msg.success) {
      p.probing = false;
      const raised = msg.matchIndex > p.match;
      if (raised) p.match = msg.matchIndex;
      if (p.next <= p.match) p.next = p.match + 1;
      this.parts.commit.afterAck(raised, p.match);
      this.parts.transfer.onCaughtUp(from, p);
      if (p.next <= s.log.lastIndex) this.sendAppend(from, false);
    } else {
      this.backOff(from, p, msg);
    }
    this.parts.reads.afterAck(roundRaised, p.ackedRound);
  }

  /** A follower refused: move its next index back where its hint says, and probe again. */
  private backOff(peer: NodeId, p: Progress, msg: AppendReply): void {
    const s = this.s;
    let next = msg.conflictIndex;
    if (s.config.fastBackoff) {
      // Resume where the follower's hint says; when it names a conflicting term the leader also holds,
      // just after the leader's last entry of that term (the entries up to there may well match).
      if (msg.conflictTerm > 0) {
        const last = s.log.lastIndexOfTerm(msg.conflictTerm);
        if (last > 0) next = last + 1;
      }
    } else {
      // The basic algorithm: one entry back per refusal, one probe at a time. A refusal that would not
      // move the probe back answers a probe already superseded (a heartbeat's): ignore it, or every
      // heartbeat would start another chain of probes.
      if (next >= p.next) return;
      p.probing = true;
    }
    p.next = Math.max(p.match + 1, Math.min(next, s.log.lastIndex + 1), 1);
    p.inflight.reset(); // what was in flight went after a gap, or was overtaken: send again from `next`
    this.sendAppend(peer, false);
  }

  // ---- follower ----

  onAppend(from: NodeId, msg: AppendEntries): void {
    const s = this.s;
    const log = s.log;
    if (msg.term < s.term) {
      this.replyAppend(from, msg.round, false, 0, 0, 0); // our term tells a stale leader to step down
      return;
    }
    this.parts.elections.acceptLeader(from, msg.term);
    let prevIndex = msg.prevIndex;
    let prevTerm = msg.prevTerm;
    let entries = msg.entries;
    if (prevIndex < log.snapshotIndex) {
      // Everything up to our snapshot is committed, hence identical to the leader's: skip it.
      const skip = log.snapshotIndex - prevIndex;
      if (skip >= entries.length) {
        this.replyAppend(from, msg.round, true, log.snapshotIndex, 0, 0);
        return;
      }
      prevTerm = (entries[skip - 1] as Entry).term;
      entries = entries.slice(skip);
      prevIndex = log.snapshotIndex;
      invariant(
        prevTerm === log.snapshotTerm,
        'log matching at the snapshot',
        () => `${s.id}: leader has term ${prevTerm} at ${prevIndex}, snapshot has ${log.snapshotTerm}`,
      );
    }
    if (mutantActive(s.config.mutant, 'commit-before-consistency-check') && msg.leaderCommit > s.commitIndex)
      this.parts.commit.set(Math.min(msg.leaderCommit, log.lastIndex));
    const localPrevTerm = log.term(prevIndex);
    const skipCheck = localPrevTerm !== undefined && mutantActive(s.config.mutant, 'skip-consistency-check');
    if (localPrevTerm !== prevTerm && !skipCheck) {
      this.refuseAppend(from, msg.round, prevIndex, localPrevTerm);
      return;
    }
    let index = prevIndex;
    for (let k = 0; k < entries.length; k++) {
      index++;
      const entry = entries[k] as Entry;
      const existing = log.term(index);
      if (existing === entry.term) continue;
      if (existing !== undefined) {
        invariant(
          index > s.commitIndex,
          'committed entries are never overwritten',
          () =>
            `${s.id}: leader ${from} (term ${msg.term}) overwrites committed index ${index} (commit ${s.commitIndex})`,
        );
        log.truncateFrom(index);
        this.parts.membership.recompute();
      }
      for (let r = k; r < entries.length; r++) {
        const e = entries[r] as Entry;
        log.append(e);
        if (e.kind === 'config') this.parts.membership.apply(e.voters, log.lastIndex);
      }
      s.storage.appendEntries(index, entries, k);
      break;
    }
    const matchIndex = prevIndex + entries.length;
    // Raft §5.3: only entries this message proved to match the leader's may be committed (entries after
    // them may be a stale tail the leader has not reached yet).
    if (msg.leaderCommit > s.commitIndex) this.parts.commit.set(Math.min(msg.leaderCommit, matchIndex));
    if (mutantActive(s.config.mutant, 'apply-before-commit')) this.parts.commit.apply();
    this.replyAppend(from, msg.round, true, matchIndex, 0, 0);
  }

  /**
   * The follower's log does not match at `prevIndex`: say where the leader should resume. With fast
   * back-off, the first index of our conflicting term (the leader skips all of it unless it has that term
   * too) or our log's end; without, `prevIndex` itself — one entry back per round trip.
   */
  private refuseAppend(
    to: NodeId,
    round: number,
    prevIndex: number,
    localPrevTerm: number | undefined,
  ): void {
    const log = this.s.log;
    if (!this.s.config.fastBackoff) {
      this.replyAppend(to, round, false, 0, 0, prevIndex);
      return;
    }
    this.replyAppend(
      to,
      round,
      false,
      0,
      localPrevTerm ?? 0,
      localPrevTerm === undefined ? log.lastIndex + 1 : log.firstIndexOfTerm(localPrevTerm, prevIndex),
    );
  }

  /** (Positional arguments, not an options object: one reply per AppendEntries.) */
  private replyAppend(
    to: NodeId,
    round: number,
    success: boolean,
    matchIndex: number,
    conflictTerm: number,
    conflictIndex: number,
  ): void {
    const s = this.s;
    s.send(to, {
      type: 'append-reply',
      term: s.term,
      success,
      matchIndex,
      conflictTerm,
      conflictIndex,
      round,
    });
  }
}
