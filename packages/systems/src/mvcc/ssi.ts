/**
 * Serializable Snapshot Isolation as PostgreSQL implements it (Ports & Grittner, VLDB 2012; predicate.c):
 * serializable transactions take SIREAD locks on what they read (tuples, index pages, whole relations
 * for sequential scans), a write to a locked target or a read of a version a concurrent transaction
 * wrote records an rw-antidependency, and a transaction with both an incoming and an outgoing
 * rw-antidependency whose outgoing side committed first (the dangerous structure T1 →rw T2 →rw T3)
 * makes one of them fail with a serialization failure.
 */
import type { Snapshot, Txn } from './engine';
import { SqlError } from './errors';
import type { Xid, XidSpace } from './xid';

/** Heap tuples of two int columns per 8 kB page (header, data and line pointer ≈ 36 bytes). */
export const TUPLES_PER_PAGE = 226;

const FAILURE = 'could not serialize access due to read/write dependencies among transactions';

export interface SerXact {
  readonly id: number;
  readonly session: string;
  xid: Xid | undefined;
  readonly readOnly: boolean;
  readonly snapshotXmin: Xid;
  /** Commit sequence number of the last commit before this snapshot was taken. */
  readonly lastCommitBeforeSnapshot: number;
  doomed: boolean;
  /** Past its pre-commit check (PostgreSQL's PREPARED flag; committed transactions keep it). */
  prepared: boolean;
  committed: boolean;
  prepareSeqNo: number;
  commitSeqNo: number;
  /** nextXid when it committed: a later snapshot with xmin at or past this saw it as finished. */
  finishedBefore: Xid | undefined;
  /** Committed with an rw-antidependency out to a transaction that had committed (SXACT_FLAG_CONFLICT_OUT). */
  hasConflictOut: boolean;
  earliestOutConflictCommit: number;
  /** Readers R with R →rw this. */
  readonly inConflicts: Set<SerXact>;
  /** Writers W with this →rw W. */
  readonly outConflicts: Set<SerXact>;
  readonly locks: Set<string>;
}

export class SsiManager {
  private nextId = 1;
  private lastCommitSeqNo = 0;
  private readonly byXid = new Map<Xid, SerXact>();
  private readonly lockTable = new Map<string, Set<SerXact>>();
  private readonly all = new Set<SerXact>();
  /** rw-antidependencies recorded so far (for measurements). */
  conflictsFlagged = 0;

  constructor(
    private readonly xids: XidSpace,
    /** The mutant: no SIREAD locks and no rw-antidependencies, so SERIALIZABLE is snapshot isolation. */
    private readonly disabled: boolean,
  ) {}

  register(txn: Txn, snapshot: Snapshot): SerXact {
    const sxact: SerXact = {
      id: this.nextId++,
      session: txn.session,
      xid: undefined,
      readOnly: txn.readOnly,
      snapshotXmin: snapshot.xmin,
      lastCommitBeforeSnapshot: this.lastCommitSeqNo,
      doomed: false,
      prepared: false,
      committed: false,
      prepareSeqNo: 0,
      commitSeqNo: 0,
      finishedBefore: undefined,
      hasConflictOut: false,
      earliestOutConflictCommit: Infinity,
      inConflicts: new Set(),
      outConflicts: new Set(),
      locks: new Set(),
    };
    this.all.add(sxact);
    return sxact;
  }

  setXid(sxact: SerXact, xid: Xid): void {
    sxact.xid = xid;
    this.byXid.set(xid, sxact);
  }

  checkNotDoomed(sxact: SerXact): void {
    if (sxact.doomed) throw new SqlError('40001', FAILURE);
  }

  // ---- SIREAD locks --------------------------------------------------------------------------------

  private addLock(sxact: SerXact, target: string): void {
    if (sxact.locks.has(target)) return;
    sxact.locks.add(target);
    let holders = this.lockTable.get(target);
    if (!holders) this.lockTable.set(target, (holders = new Set()));
    holders.add(sxact);
  }

  private dropLock(sxact: SerXact, target: string): void {
    sxact.locks.delete(target);
    const holders = this.lockTable.get(target);
    holders?.delete(sxact);
    if (holders && holders.size === 0) this.lockTable.delete(target);
  }

  /** A sequential scan locks the whole relation (and finer locks become redundant). */
  lockRelation(sxact: SerXact, table: string): void {
    if (this.disabled) return;
    const rel = `rel:${table}`;
    if (sxact.locks.has(rel)) return;
    for (const target of [...sxact.locks])
      if (target.startsWith(`tuple:${table}:`) || target.startsWith(`page:${table}:`))
        this.dropLock(sxact, target);
    this.addLock(sxact, rel);
  }

  /** An index scan locks the leaf pages it visits: a small index has one. */
  lockIndexPage(sxact: SerXact, table: string): void {
    if (this.disabled) return;
    this.addLock(sxact, `ipage:${table}:0`);
  }

  /** A tuple read through an index; past `maxPerPage` tuples on one page the locks become a page lock. */
  lockTuple(sxact: SerXact, table: string, tid: number, maxPerPage: number): void {
    if (this.disabled) return;
    const page = Math.floor(tid / TUPLES_PER_PAGE);
    if (sxact.locks.has(`rel:${table}`) || sxact.locks.has(`page:${table}:${page}`)) return;
    this.addLock(sxact, `tuple:${table}:${tid}`);
    const onPage = [...sxact.locks].filter(
      (t) =>
        t.startsWith(`tuple:${table}:`) && Math.floor(Number(t.split(':')[2]) / TUPLES_PER_PAGE) === page,
    );
    if (onPage.length > maxPerPage) {
      for (const target of onPage) this.dropLock(sxact, target);
      this.addLock(sxact, `page:${table}:${page}`);
    }
  }

  // ---- rw-antidependencies -------------------------------------------------------------------------

  /**
   * A serializable reader examined a version written by `xid` that its snapshot does not agree with
   * (CheckForSerializableConflictOut): reader →rw writer when they are concurrent.
   */
  conflictOut(reader: SerXact, xid: Xid, concurrent: boolean): void {
    if (this.disabled) return;
    this.checkNotDoomed(reader);
    const writer = this.byXid.get(xid);
    if (!writer || writer === reader || writer.doomed) return;
    if (
      reader.readOnly &&
      writer.committed &&
      (!writer.hasConflictOut || reader.lastCommitBeforeSnapshot < writer.earliestOutConflictCommit)
    )
      return;
    if (!concurrent) return;
    if (reader.outConflicts.has(writer)) return;
    this.flag(reader, writer, reader);
  }

  /**
   * A serializable writer writes a target (CheckForSerializableConflictIn): the tuple, its heap page and
   * relation for an update or delete; the relation for a heap insert; the index page for an index insert.
   * Every concurrent holder of an SIREAD lock there gets reader →rw writer.
   */
  conflictIn(
    writer: SerXact,
    table: string,
    tid: number | undefined,
    index: boolean,
    snapshot: Snapshot,
  ): void {
    if (this.disabled) return;
    this.checkNotDoomed(writer);
    const targets: string[] = [];
    if (index) targets.push(`ipage:${table}:0`);
    else {
      if (tid !== undefined)
        targets.push(`tuple:${table}:${tid}`, `page:${table}:${Math.floor(tid / TUPLES_PER_PAGE)}`);
      targets.push(`rel:${table}`);
    }
    for (const target of targets) {
      const holders = this.lockTable.get(target);
      if (!holders) continue;
      for (const reader of [...holders]) {
        if (reader === writer || reader.doomed) continue;
        if (
          reader.committed &&
          !(reader.finishedBefore !== undefined && this.xids.precedes(snapshot.xmin, reader.finishedBefore))
        )
          continue;
        if (reader.outConflicts.has(writer)) continue;
        this.flag(reader, writer, writer);
      }
    }
  }

  /** FlagRWConflict: check for a dangerous structure, then record reader →rw writer. */
  private flag(reader: SerXact, writer: SerXact, me: SerXact): void {
    this.checkForFailure(reader, writer, me);
    reader.outConflicts.add(writer);
    writer.inConflicts.add(reader);
    this.conflictsFlagged++;
  }

  /** OnConflict_CheckForSerializationFailure. */
  private checkForFailure(reader: SerXact, writer: SerXact, me: SerXact): void {
    let failure = false;
    // R →rw W →rw T2 where W already committed with a conflict out: T2 committed first.
    if (writer.committed && writer.hasConflictOut) failure = true;
    // W became a pivot whose out-side T2 is committed (or prepared) first.
    if (!failure)
      for (const t2 of writer.outConflicts) {
        if (
          t2.prepared &&
          (!reader.committed || t2.prepareSeqNo <= reader.commitSeqNo) &&
          (!writer.committed || t2.prepareSeqNo <= writer.commitSeqNo) &&
          (!reader.readOnly || t2.prepareSeqNo <= reader.lastCommitBeforeSnapshot)
        ) {
          failure = true;
          break;
        }
      }
    // T0 →rw R →rw W where W is committed (or prepared): R became the pivot.
    if (!failure && writer.prepared && !reader.readOnly)
      for (const t0 of reader.inConflicts) {
        if (
          !t0.doomed &&
          (!t0.committed || t0.commitSeqNo >= writer.prepareSeqNo) &&
          (!t0.readOnly || t0.lastCommitBeforeSnapshot >= writer.prepareSeqNo)
        ) {
          failure = true;
          break;
        }
      }
    if (!failure) return;
    if (me === writer) throw new SqlError('40001', FAILURE);
    if (writer.prepared) throw new SqlError('40001', FAILURE); // we are the reader
    writer.doomed = true;
  }

  /** PreCommit_CheckForSerializationFailure: doom a pivot whose two neighbours make this commit dangerous. */
  preCommit(me: SerXact): void {
    this.checkNotDoomed(me);
    if (!this.disabled)
      for (const near of me.inConflicts) {
        if (near.committed || near.doomed) continue;
        for (const far of near.inConflicts) {
          if (far === me || (!far.committed && !far.readOnly && !far.doomed)) {
            if (near.prepared) throw new SqlError('40001', FAILURE);
            near.doomed = true;
            break;
          }
        }
      }
    me.prepared = true;
    me.prepareSeqNo = ++this.lastCommitSeqNo;
  }

  commit(me: SerXact, nextXid: Xid): void {
    me.committed = true;
    me.commitSeqNo = ++this.lastCommitSeqNo;
    me.finishedBefore = nextXid;
    for (const writer of [...me.outConflicts]) {
      if (!me.readOnly && writer.committed) {
        if (!me.hasConflictOut || writer.prepareSeqNo < me.earliestOutConflictCommit)
          me.earliestOutConflictCommit = writer.prepareSeqNo;
        me.hasConflictOut = true;
      }
      if (writer.committed || writer.lastCommitBeforeSnapshot >= this.lastCommitSeqNo)
        this.release(me, writer);
    }
    for (const reader of [...me.inConflicts])
      if (reader.committed || reader.readOnly) this.release(reader, me);
  }

  abort(me: SerXact): void {
    for (const writer of [...me.outConflicts]) this.release(me, writer);
    for (const reader of [...me.inConflicts]) this.release(reader, me);
    this.forget(me);
  }

  private release(reader: SerXact, writer: SerXact): void {
    reader.outConflicts.delete(writer);
    writer.inConflicts.delete(reader);
  }

  private forget(sxact: SerXact): void {
    for (const target of [...sxact.locks]) this.dropLock(sxact, target);
    if (sxact.xid !== undefined && this.byXid.get(sxact.xid) === sxact) this.byXid.delete(sxact.xid);
    this.all.delete(sxact);
  }

  /**
   * ClearOldPredicateLocks: a committed transaction's locks and conflicts matter while some active
   * serializable transaction overlapped it; once every active one started after it finished, it goes.
   */
  cleanup(active: readonly SerXact[]): void {
    let oldest: Xid | undefined;
    for (const sxact of active)
      oldest = oldest === undefined ? sxact.snapshotXmin : this.xids.min(oldest, sxact.snapshotXmin);
    for (const sxact of [...this.all]) {
      if (!sxact.committed) continue;
      const done =
        oldest === undefined ||
        (sxact.finishedBefore !== undefined && this.xids.precedesOrEquals(sxact.finishedBefore, oldest));
      if (!done) continue;
      for (const writer of [...sxact.outConflicts]) this.release(sxact, writer);
      for (const reader of [...sxact.inConflicts]) this.release(reader, sxact);
      this.forget(sxact);
    }
  }

  /** SIREAD locks held, for the lab and tests: target → sessions. */
  locks(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [target, holders] of this.lockTable) out[target] = [...holders].map((h) => h.session).sort();
    return out;
  }

  /** Serializable transactions still tracked (active, or committed and overlapping an active one). */
  tracked(): number {
    return this.all.size;
  }
}
