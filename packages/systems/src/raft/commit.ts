/**
 * Committing and applying (Raft §5.3, §5.4.2): the leader commits the highest index a majority holds,
 * but only by counting replicas of an entry of its own term; followers learn the commit index from the
 * leader. Committed entries are applied in order to the state machine, answering the clients that wait.
 */
import type { NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import type { Progress } from './progress';
import { committedIndex } from './quorum';
import type { Parts, ServerState } from './state';

export class Commit {
  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
  ) {}

  /**
   * What a voter holds, as the leader counts it. A leader counts only what its own disk holds: an entry
   * it lost in a crash must not count. (Made once: it runs on every acknowledgement.)
   */
  private readonly matchOf = (voter: NodeId, position: number): number => {
    const s = this.s;
    if (voter === s.id) return Math.min(s.durableIndex, s.log.lastIndex);
    return this.counting[position]?.match ?? 0;
  };

  /** The voters' progress records by position while `advance` counts (`ProgressTracker.byPosition`). */
  private counting: readonly (Progress | undefined)[] = [];

  /** The term at an index of this node's log, for the observer. */
  readonly termAt = (index: number): number | undefined => this.s.log.term(index);

  // What the last `advance` counted with, besides the followers' match indexes (see `afterAck`).
  private countedOwn = -1;
  private countedVoters: readonly NodeId[] | undefined;
  private countedTerm = -1;

  /**
   * A follower acknowledged; `raised`: its match index went up, to `match`. An acknowledgement that
   * raised nothing (a heartbeat's, a read round's), or raised it no higher than the commit index (the
   * third and fourth of five voters to hold an entry), cannot commit more: the majority's value moves
   * only when a match above the commit index does. Unless something else `advance` counts changed since
   * it last ran — the leader's durable copy, the voters, the term — it is skipped then: most
   * acknowledgements, and the verdict of every other is the same.
   */
  afterAck(raised: boolean, match: number): void {
    const s = this.s;
    if (
      (raised && match > s.commitIndex) ||
      this.countedOwn !== Math.min(s.durableIndex, s.log.lastIndex) ||
      this.countedVoters !== this.parts.membership.voters ||
      this.countedTerm !== s.term
    )
      this.advance();
  }

  /** A leader heard from a follower (or made its own copy durable): maybe a majority holds more now. */
  advance(): void {
    const s = this.s;
    if (s.role !== 'leader') return;
    this.countedOwn = Math.min(s.durableIndex, s.log.lastIndex);
    this.countedVoters = this.parts.membership.voters;
    this.countedTerm = s.term;
    const voters = this.parts.membership.voters;
    this.counting = this.parts.replication.progress.byPosition(voters);
    const n = committedIndex(voters, this.matchOf);
    if (n <= s.commitIndex) return;
    // Raft §5.4.2 (figure 8): only an entry of the leader's own term is committed by counting replicas;
    // earlier entries commit with it. Terms never decrease along the log, so checking n is enough.
    if (s.log.term(n) === s.term || mutantActive(s.config.mutant, 'commit-old-term-by-count')) this.set(n);
  }

  /** Moves the commit index forward (never back) and applies what it covers. */
  set(index: number): void {
    const s = this.s;
    if (index <= s.commitIndex) return;
    const from = s.commitIndex;
    s.commitIndex = index;
    this.checkBounds();
    s.observer?.committed(s.id, s.incarnation, s.term, from, index, this.termAt);
    this.apply();
    if (s.role === 'leader') this.parts.reads.releaseAwaitingTermCommit();
  }

  /** Applies committed entries in log order; answers the client waiting for each, if it is still ours. */
  apply(): void {
    const s = this.s;
    const limit = mutantActive(s.config.mutant, 'apply-before-commit') ? s.log.lastIndex : s.commitIndex;
    while (s.lastApplied < limit) {
      const index = ++s.lastApplied;
      if (index <= s.log.snapshotIndex) continue;
      const entry = s.log.entry(index);
      s.observer?.applied(s.id, index, entry);
      const waiter = this.parts.requests.takeWaiter(index);
      if (entry.kind === 'command') {
        const result = s.machine.apply(entry.command);
        if (waiter && result && waiter.client === entry.command.client && waiter.seq === entry.command.seq) {
          this.parts.requests.reply(waiter, result);
        }
      } else if (entry.kind === 'config') {
        if (waiter) this.parts.requests.reply(waiter, { ok: true });
        if (
          s.role === 'leader' &&
          !entry.voters.includes(s.id) &&
          index === this.parts.membership.configIndex
        ) {
          this.parts.elections.stepDown('removed from the configuration');
        }
      }
    }
    this.checkBounds();
    this.parts.reads.serveApplied();
    this.parts.snapshots.maybeSnapshot();
  }

  /** lastApplied ≤ commitIndex ≤ last log index: checked wherever either moves (TigerBeetle style). */
  checkBounds(): void {
    const s = this.s;
    invariant(
      s.commitIndex <= s.log.lastIndex,
      'commit index ≤ last log index',
      () => `${s.id}: commit ${s.commitIndex}, log ends at ${s.log.lastIndex}`,
    );
    // The apply-before-commit mutant breaks this bound on purpose: it is there to prove that the cross-node
    // check (state machine safety) can fail, which this local assertion would otherwise pre-empt.
    if (mutantActive(s.config.mutant, 'apply-before-commit')) return;
    invariant(
      s.lastApplied <= s.commitIndex,
      'last applied ≤ commit index',
      () => `${s.id}: applied ${s.lastApplied}, commit ${s.commitIndex}`,
    );
  }
}
