/**
 * Linearizable reads without writing to the log (Ongaro's dissertation §6.4): ReadIndex — note the commit
 * index, confirm with a heartbeat round that a majority still follows this leader, serve once the state
 * machine has applied up to the noted index — or, in lease mode, skip the round while the last confirmed
 * one is younger than the election timeout (which trusts bounded clock drift).
 */
import type { NodeId } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import type { Progress } from './progress';
import { hasQuorum, quorumValue } from './quorum';
import type { Waiter } from './requests';
import type { Parts, ServerState } from './state';

interface PendingRead {
  /** The heartbeat round a majority must acknowledge before the read may be served (0: a lease read). */
  readonly round: number;
  readonly readIndex: number;
  readonly key: string;
  readonly waiter: Waiter;
}

/**
 * Most reads a leader holds at once, in all three stages together (waiting for its term's first commit,
 * for a round, for the apply). Beyond it a read is refused at once ("busy") rather than queued: a read has
 * no effect, so refusing it is always safe, and a leader cut off from its followers cannot pile them up.
 */
export const MAX_PENDING_READS = 4_096;

export class Reads {
  /** Monotonic time up to which this leader may serve reads without a round (lease mode). */
  leaseUntil = -Infinity;
  private readRoundScheduled = false;
  // The first two queues are arrays with a count of the slots in use: filtering them in place after
  // every acknowledgement wrote their length, a runtime call that also gave the backing store back, so
  // the next read allocated a new one.
  /** Reads waiting for a majority to acknowledge their round: the first `pendingCount`. */
  private readonly pendingReads: (PendingRead | undefined)[] = [];
  private pendingCount = 0;
  /** Reads whose round was confirmed, waiting for the state machine to reach their read index. */
  private readonly readsAwaitingApply: (PendingRead | undefined)[] = [];
  private awaitingApplyCount = 0;
  /** Reads that arrived before this leader committed an entry of its own term (its commit index is unknown). */
  private readsAwaitingTermCommit: { key: string; waiter: Waiter }[] = [];

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {
    this.self = new Set([s.id]);
  }

  /** Reads held now, in every stage. */
  get outstanding(): number {
    return this.pendingCount + this.awaitingApplyCount + this.readsAwaitingTermCommit.length;
  }

  /** A client's read at the leader: ReadIndex, or a lease when configured and still valid. */
  read(key: string, waiter: Waiter): void {
    if (mutantActive(this.s.config.mutant, 'read-without-read-index')) {
      this.parts.requests.reply(waiter, this.s.machine.read(key));
      return;
    }
    if (this.outstanding >= MAX_PENDING_READS) {
      this.parts.requests.reply(waiter, {
        ok: false,
        error: `busy: ${MAX_PENDING_READS} reads already pending`,
      });
      return;
    }
    this.place(key, waiter);
  }

  private place(key: string, waiter: Waiter): void {
    const s = this.s;
    if (s.log.term(s.commitIndex) !== s.term) {
      // The leader does not know its commit index until an entry of its own term commits; without
      // the election no-op, a read has to create one.
      this.readsAwaitingTermCommit.push({ key, waiter });
      if (s.log.lastTerm !== s.term) this.parts.replication.appendLocal({ term: s.term, kind: 'noop' });
      return;
    }
    if (s.config.readMode === 'lease' && s.env.monotonic() < this.leaseUntil) {
      this.readsAwaitingApply[this.awaitingApplyCount++] = {
        round: 0,
        readIndex: s.commitIndex,
        key,
        waiter,
      };
      this.serveApplied();
      return;
    }
    this.pendingReads[this.pendingCount++] = {
      round: this.parts.replication.round + 1,
      readIndex: s.commitIndex,
      key,
      waiter,
    };
    if (hasQuorum(this.parts.membership.voters, this.self)) {
      this.confirm();
      return;
    }
    if (!this.readRoundScheduled) {
      // Reads arriving together share one round of heartbeats.
      this.readRoundScheduled = true;
      s.env.setTimer(0, this.onReadRound);
    }
  }

  /** The turn of a read round (one function for every round: a closure per round was garbage). */
  private readonly onReadRound = (): void => {
    this.readRoundScheduled = false;
    if (this.s.role === 'leader') this.parts.replication.broadcastAppend();
  };

  /** The leader's first entry of its term committed: the reads held for it can take a read index now. */
  releaseAwaitingTermCommit(): void {
    const s = this.s;
    if (this.readsAwaitingTermCommit.length === 0 || s.log.term(s.commitIndex) !== s.term) return;
    const reads = this.readsAwaitingTermCommit;
    this.readsAwaitingTermCommit = [];
    for (const read of reads) this.place(read.key, read.waiter);
  }

  /** This leader alone (does it make a quorum by itself?), made once: it is asked on every read. */
  private readonly self: ReadonlySet<NodeId>;

  /** The voters the last `confirm` counted (see `afterAck`). */
  private confirmedWith: readonly NodeId[] | undefined;

  /**
   * A follower acknowledged round `acked` (`raised`: that is newer than it had acknowledged before). With
   * ReadIndex, the reads held wait for a round at least as new as the oldest one's (rounds only grow in
   * the queue), so an acknowledgement below it cannot confirm any: `confirm` is skipped then, unless the
   * voters changed. Lease mode confirms on every acknowledgement (each may extend the lease).
   */
  afterAck(raised: boolean, acked: number): void {
    if (this.s.config.readMode !== 'lease' && this.confirmedWith === this.parts.membership.voters) {
      const oldest = this.pendingCount > 0 ? this.pendingReads[0] : undefined;
      if (oldest === undefined || !raised || acked < oldest.round) return;
    }
    this.confirm();
  }

  /** Reads whose round a majority acknowledged may be served once the state machine catches up. */
  confirm(): void {
    const s = this.s;
    if (s.role !== 'leader') return;
    if (this.pendingCount === 0 && s.config.readMode !== 'lease') return;
    this.confirmedWith = this.parts.membership.voters;
    const confirmedRound = this.quorumRound();
    const sentAt = this.parts.replication.roundSentAt(confirmedRound);
    if (sentAt !== undefined && sentAt + s.config.electionMinMs > this.leaseUntil) {
      this.leaseUntil = sentAt + s.config.electionMinMs;
    }
    const pending = this.pendingReads;
    const count = this.pendingCount;
    if (count === 0) return;
    // Filtered in place, order kept: this runs on every acknowledgement, and most find nothing to move.
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const read = pending[k] as PendingRead;
      if (read.round <= confirmedRound) this.readsAwaitingApply[this.awaitingApplyCount++] = read;
      else pending[kept++] = read;
    }
    for (let k = kept; k < count; k++) pending[k] = undefined; // (let served reads be collected)
    this.pendingCount = kept;
    this.serveApplied();
  }

  /** The highest round a quorum (this leader included) has acknowledged. */
  private quorumRound(): number {
    const voters = this.parts.membership.voters;
    this.counting = this.parts.replication.progress.byPosition(voters);
    return quorumValue(voters, this.ackedRoundOf);
  }

  /** The voters' progress records by position while `quorumRound` counts (`ProgressTracker.byPosition`). */
  private counting: readonly (Progress | undefined)[] = [];

  /** The last round a voter acknowledged (this leader: the current one). Made once: it runs per reply. */
  private readonly ackedRoundOf = (voter: NodeId, position: number): number => {
    if (voter === this.s.id) return this.parts.replication.round;
    return this.counting[position]?.ackedRound ?? 0;
  };

  /** Serves the confirmed reads the state machine has caught up with. */
  serveApplied(): void {
    const awaiting = this.readsAwaitingApply;
    const count = this.awaitingApplyCount;
    if (count === 0) return;
    // Filtered in place, order kept (a reply only sends: it never adds a read here).
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const read = awaiting[k] as PendingRead;
      if (this.s.lastApplied >= read.readIndex) {
        this.parts.requests.reply(read.waiter, this.s.machine.read(read.key));
      } else awaiting[kept++] = read;
    }
    for (let k = kept; k < count; k++) awaiting[k] = undefined;
    this.awaitingApplyCount = kept;
  }

  /** Leadership ended: reads had no effect, so every one held fails at once and the lease is gone. */
  failAll(): void {
    this.leaseUntil = -Infinity;
    this.readRoundScheduled = false;
    const reads: { readonly waiter: Waiter }[] = [];
    for (let k = 0; k < this.pendingCount; k++) reads.push(this.pendingReads[k] as PendingRead);
    for (let k = 0; k < this.awaitingApplyCount; k++) reads.push(this.readsAwaitingApply[k] as PendingRead);
    for (const read of this.readsAwaitingTermCommit) reads.push(read);
    this.pendingReads.length = this.pendingCount = 0;
    this.readsAwaitingApply.length = this.awaitingApplyCount = 0;
    this.readsAwaitingTermCommit = [];
    for (const read of reads) this.parts.requests.reply(read.waiter, { ok: false, error: 'not-leader' });
  }
}
