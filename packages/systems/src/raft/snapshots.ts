/**
 * Log compaction (Raft §7): every `snapshotEvery` applied entries the state machine is saved with the
 * index, term and configuration it reflects, and the log before it is dropped. A follower that needs
 * entries the leader no longer has gets the snapshot instead (InstallSnapshot, sent whole).
 */
import type { NodeId, TimerId } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { byKey } from './kv';
import { ackRound, type Progress } from './progress';
import { stateMachineFor, type Parts, type ServerState } from './state';
import type { SnapshotInProgress, StoredSnapshot } from './storage';
import { SortInSlices } from './sort-in-slices';
import type { InstallSnapshot, SnapshotData, SnapshotReply } from './types';

/**
 * The pause between two turns of a snapshot being taken. A real timer waits at least 1 ms anyway; in the
 * simulator a pause of 0 would leave nothing to happen in between (no message arrives, no node crashes
 * in the same instant), so the fuzzer would never meet a snapshot half taken.
 */
export const SNAPSHOT_TURN_MS = 1;

/** A snapshot being taken: its pairs being sorted, then its file being written, a turn at a time. */
interface Taking {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly voters: readonly NodeId[];
  readonly sessions: SnapshotData['sessions'];
  readonly sorting: SortInSlices<[string, string]>;
  /** Once sorted: the file being written (`RaftStorage.beginSnapshot`). */
  progress: SnapshotInProgress | undefined;
  timer: TimerId | undefined;
}

export class Snapshots {
  /** The latest snapshot, taken or installed (undefined: none yet). */
  record: StoredSnapshot | undefined;
  private taking: Taking | undefined;

  constructor(
    private readonly s: ServerState,
    private readonly parts: Parts,
    recovered: StoredSnapshot | undefined,
  ) {
    this.record = recovered;
  }

  /**
   * Called after applying: compacts once enough applied entries piled up since the last snapshot. The
   * state is copied at once, then sorted and written `snapshotSlice` pairs per turn of the event loop:
   * a member holding a large state would otherwise stop answering for as long as it takes to sort,
   * encode and write it (10–20 ms at 10,000 keys of 256 bytes), and its peers all take theirs at the
   * same index. The slice is small (256 pairs, about 70 KB at 256-byte values) because on a real disk a
   * turn's bytes go into the next fsync round, which every write acknowledged then waits for: slices of
   * 2,000 pairs made rounds of 0.5–1 MB and 10–20 ms every few seconds. The log is compacted when the
   * file is whole; until then the previous snapshot serves.
   */
  maybeSnapshot(): void {
    const s = this.s;
    const every = s.config.snapshotEvery;
    if (this.taking !== undefined) return;
    if (every <= 0 || s.lastApplied - s.log.snapshotIndex < every) return;
    if (s.lastApplied > s.log.lastIndex) return; // mutant apply-before-commit after a truncation
    const index = s.lastApplied;
    const { kv, sessions } = s.machine.copy();
    this.taking = {
      lastIndex: index,
      lastTerm: s.log.term(index) as number,
      voters: this.parts.membership.at(index),
      sessions,
      sorting: new SortInSlices(kv, byKey, s.config.snapshotSlice),
      progress: undefined,
      timer: undefined,
    };
    this.continueTaking();
  }

  /** One turn's share of the snapshot being taken; the last one compacts the log. */
  private readonly continueTaking = (): void => {
    const s = this.s;
    const taking = this.taking as Taking;
    taking.timer = undefined;
    if (taking.progress === undefined) {
      const kv = taking.sorting.step();
      if (kv === undefined) {
        taking.timer = s.env.setTimer(SNAPSHOT_TURN_MS, this.continueTaking);
        return;
      }
      const { lastIndex, lastTerm, voters, sessions } = taking;
      taking.progress = s.storage.beginSnapshot({ lastIndex, lastTerm, voters, data: { kv, sessions } });
    }
    if (s.storage.continueSnapshot(taking.progress, s.config.snapshotSlice)) {
      taking.timer = s.env.setTimer(SNAPSHOT_TURN_MS, this.continueTaking);
      return;
    }
    this.taking = undefined;
    const snapshot = taking.progress.writer.snapshot;
    s.log.compactTo(snapshot.lastIndex, snapshot.lastTerm);
    this.record = snapshot;
    s.storage.finishSnapshot(taking.progress, s.log.all());
    s.env.trace('snapshot', { index: snapshot.lastIndex });
  };

  /** Stops taking a snapshot (a newer one was installed), and drops what was written of it. */
  private abandonTaking(): void {
    const taking = this.taking;
    if (taking === undefined) return;
    if (taking.timer !== undefined) this.s.env.clearTimer(taking.timer);
    if (taking.progress !== undefined) this.s.storage.abandonSnapshot(taking.progress);
    this.taking = undefined;
  }

  /** The leader's side: `peer` needs entries already compacted away. */
  send(peer: NodeId, p: Progress): void {
    const s = this.s;
    const snap = this.record as StoredSnapshot;
    const lastTerm = mutantActive(s.config.mutant, 'snapshot-with-current-term') ? s.term : snap.lastTerm;
    s.send(peer, { type: 'snapshot', term: s.term, ...snap, lastTerm, round: this.parts.replication.round });
    p.next = snap.lastIndex + 1; // optimistic; a lost snapshot shows up as a conflict later
  }

  /** The follower's side: replace whatever of the log and state the snapshot covers. */
  onSnapshot(from: NodeId, msg: InstallSnapshot): void {
    const s = this.s;
    if (msg.term < s.term) {
      s.send(from, { type: 'snapshot-reply', term: s.term, lastIndex: 0, round: msg.round });
      return;
    }
    this.parts.elections.acceptLeader(from, msg.term);
    // A snapshot no newer than what this node already committed would move it back: ignore it.
    if (msg.lastIndex > s.commitIndex || mutantActive(s.config.mutant, 'install-stale-snapshot')) {
      const snapshot: StoredSnapshot = {
        lastIndex: msg.lastIndex,
        lastTerm: msg.lastTerm,
        voters: msg.voters,
        data: msg.data,
      };
      this.abandonTaking(); // older than this one, and its file would take the name this one needs
      s.log.compactTo(msg.lastIndex, msg.lastTerm);
      if (!mutantActive(s.config.mutant, 'install-snapshot-without-state'))
        s.machine = stateMachineFor(s.config, msg.data);
      this.record = snapshot;
      s.storage.saveSnapshot(snapshot, s.log.all());
      const from0 = s.commitIndex;
      s.commitIndex = s.lastApplied = msg.lastIndex;
      this.parts.membership.recompute(); // the log left after the snapshot, else the snapshot's voters
      this.parts.commit.checkBounds();
      s.observer?.installedSnapshot(s.id, msg.lastIndex, msg.lastTerm);
      s.observer?.committed(s.id, s.incarnation, s.term, from0, msg.lastIndex, this.parts.commit.termAt);
      s.env.trace('install-snapshot', { index: msg.lastIndex });
    }
    s.send(from, { type: 'snapshot-reply', term: s.term, lastIndex: msg.lastIndex, round: msg.round });
  }

  /** The leader's side again: the follower now holds everything up to the snapshot. */
  onSnapshotReply(from: NodeId, msg: SnapshotReply): void {
    const replication = this.parts.replication;
    const p = replication.acknowledgement(from, msg.term);
    if (!p) return;
    ackRound(p, msg.round);
    p.probing = false; // the follower now agrees with the leader up to the snapshot
    if (msg.lastIndex > p.match) p.match = msg.lastIndex;
    if (p.next <= p.match) p.next = p.match + 1;
    this.parts.commit.advance();
    this.parts.reads.confirm();
    if (p.next <= this.s.log.lastIndex) replication.sendAppend(from, false);
  }
}
