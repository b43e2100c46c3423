/**
 * The MVCC engine: heap tuples with xmin/xmax and a link to the newer version, a commit log,
 * snapshots, the isolation levels as PostgreSQL implements them (READ COMMITTED with a snapshot per
 * statement and EvalPlanQual re-checks, REPEATABLE READ as snapshot isolation with first-updater-wins,
 * SERIALIZABLE as SSI), row locks, a wait-for graph with deadlock detection, advisory locks, VACUUM
 * and transaction-id wraparound. README.md says where each rule comes from.
 *
 * Statements run as generators: a statement that must wait yields what it waits for, and is resumed
 * when that is released, so a waiting UPDATE continues exactly where it stopped (the rows it already
 * updated stay updated), as a PostgreSQL backend does.
 */
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import {
  evalExpr,
  evalPred,
  keyLookup,
  type IsolationLevel,
  type Pred,
  type Row,
  type RowLockMode,
  type Statement,
  type StatementResult,
  type TableSchema,
  type Value,
} from './statements';
import { SqlError } from './errors';
import { SsiManager, type SerXact } from './ssi';
import {
  defaultEngineOptions,
  type EngineOptions,
  type SnapshotView,
  type TupleView,
  type TxnView,
  type VacuumReport,
  type WaitEdge,
} from './types';
import { BOOTSTRAP_XID, FIRST_NORMAL_XID, FROZEN_XID, INVALID_XID, XidSpace, type Xid } from './xid';

/** One committed change of a row, as the commit record logs it (logical redo). */
export type RowChange =
  | { readonly table: string; readonly oldKey?: number; readonly row: Row }
  | { readonly table: string; readonly oldKey: number; readonly row?: undefined }
  | { readonly table: string; readonly addColumn: string };

/** What a commit makes durable: the transaction's id and its changes, in order. */
export interface CommitRecord {
  readonly xid: Xid;
  readonly changes: readonly RowChange[];
}

/** What the engine needs from its host: a clock and timers (the node's Env in the simulator). */
export interface EngineHost {
  now(): number;
  setTimer(ms: number, fire: () => void): number;
  clearTimer(timer: number): void;
  /** Makes a commit durable before it is acknowledged (the server appends it to its log and syncs). */
  logCommit?(record: CommitRecord): void;
}

export type ClogStatus = 'in progress' | 'committed' | 'aborted';

export interface Tuple {
  readonly table: string;
  readonly tid: number;
  readonly values: Row;
  xmin: Xid;
  xmax: Xid;
  /** Command ids within the writing transaction (own-transaction visibility). */
  cmin: number;
  cmax: number;
  next: number | undefined;
  frozen: boolean;
  removed: boolean;
  /** Row locks (PostgreSQL keeps them in xmax, several lockers in a MultiXact). */
  readonly lockers: Map<Xid, RowLockMode>;
}

export interface Snapshot {
  readonly xmin: Xid;
  readonly xmax: Xid;
  readonly xip: ReadonlySet<Xid>;
  readonly curcid: number;
}

export interface Txn {
  readonly session: string;
  readonly vxid: number;
  xid: Xid | undefined;
  readonly level: IsolationLevel;
  readonly readOnly: boolean;
  /** Inside BEGIN … COMMIT; false for a single statement's implicit transaction. */
  readonly explicit: boolean;
  state: 'active' | 'failed';
  /** The transaction snapshot (REPEATABLE READ, SERIALIZABLE), taken by the first statement. */
  snapshot: Snapshot | undefined;
  /** The running statement's snapshot (READ COMMITTED), released when it ends. */
  statementSnapshot: Snapshot | undefined;
  cid: number;
  /** Rows written or locked and statements run: the cost the least-work victim rule compares. */
  work: number;
  readonly startedAt: number;
  sxact: SerXact | undefined;
  readonly advisory: Map<number, number>;
  /** Columns this transaction added (undone if it aborts). */
  readonly addedColumns: { readonly table: string; readonly column: string }[];
  /** Its row changes, for the commit record. */
  readonly changes: RowChange[];
}

/** A statement that waits: for a transaction to end, or for an advisory lock. */
export type Wait =
  | { readonly kind: 'xid'; readonly xid: Xid; readonly what: string }
  | { readonly kind: 'advisory'; readonly key: number; readonly shared: boolean }
  | { readonly kind: 'relation'; readonly table: string; readonly mode: RelationLockMode };

/** Table-level lock modes (the ones statements here take). */
export type RelationLockMode = 'access share' | 'row share' | 'row exclusive' | 'access exclusive';

/** ACCESS EXCLUSIVE conflicts with every mode; the others (among these four) only with it. */
function relationConflicts(a: RelationLockMode, b: RelationLockMode): boolean {
  return a === 'access exclusive' || b === 'access exclusive';
}

interface RelationLock {
  /** session → modes granted to its transaction. */
  readonly granted: Map<string, Set<RelationLockMode>>;
  /** Requests waiting, in arrival order: a new request queues behind a conflicting waiter. */
  readonly queue: { readonly session: string; readonly mode: RelationLockMode }[];
}

export { SqlError };

interface Waiting {
  readonly wait: Wait;
  readonly since: number;
  readonly order: number;
  deadlockTimer: number | undefined;
  lockTimer: number | undefined;
}

interface Session {
  readonly id: string;
  readonly onResult: (result: StatementResult) => void;
  txn: Txn | undefined;
  running: Generator<Wait, StatementResult> | undefined;
  runningStatement: Statement | undefined;
  waiting: Waiting | undefined;
  lockTimeoutMs: number;
  /** Session-level advisory locks: key → count (exclusive), and shared ones. */
  readonly advisory: Map<number, number>;
  readonly advisoryShared: Map<number, number>;
  closed: boolean;
}

interface Table {
  schema: TableSchema;
  readonly heap: Tuple[];
  /** Primary-key index: key → tids of every version carrying it. */
  readonly index: Map<number, Set<number>>;
  relfrozenxid: Xid;
}

/** The update chain's outcome for one row (heap_lock_tuple / heap_update results). */
type LockOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'updated'; readonly newer: number | undefined };

const LOCK_STRENGTH: Record<RowLockMode, number> = { share: 1, 'no key update': 2, update: 3 };

/** FOR SHARE conflicts with the two update strengths; the update strengths with everything. */
function lockConflicts(held: RowLockMode, wanted: RowLockMode): boolean {
  if (held === 'share' && wanted === 'share') return false;
  return true;
}

export interface EngineStats {
  commits: number;
  aborts: number;
  serializationFailures: number;
  deadlocks: number;
  lockTimeouts: number;
  xidsAssigned: number;
  wraparoundWarnings: number;
  wraparoundRefusals: number;
  /** Statements that had to wait for a lock. */
  lockWaits: number;
}

export class MvccEngine {
  readonly options: EngineOptions;
  readonly xids: XidSpace;
  readonly ssi: SsiManager;
  readonly stats: EngineStats = {
    commits: 0,
    aborts: 0,
    serializationFailures: 0,
    deadlocks: 0,
    lockTimeouts: 0,
    xidsAssigned: 0,
    wraparoundWarnings: 0,
    wraparoundRefusals: 0,
    lockWaits: 0,
  };
  /** Set when the oldest unfrozen xid passed freezeMaxAge: autovacuum would now force a freezing vacuum. */
  antiWraparoundVacuumDue = false;
  private nextXid: Xid = FIRST_NORMAL_XID;
  private readonly clog = new Map<Xid, ClogStatus>();
  private readonly xidOwner = new Map<Xid, Txn>();
  private readonly tables = new Map<string, Table>();
  private readonly sessions = new Map<string, Session>();
  /** Advisory locks: key → holders (session → exclusive count / shared count, session + xact). */
  private readonly advisoryLocks = new Map<number, Map<string, { exclusive: number; shared: number }>>();
  private readonly relationLocks = new Map<string, RelationLock>();
  private nextVxid = 1;
  private waitOrder = 0;
  private waking = false;

  constructor(
    private readonly host: EngineHost,
    options: Partial<EngineOptions> = {},
  ) {
    this.options = { ...defaultEngineOptions, ...options };
    this.xids = new XidSpace(this.options.xidSpace);
    this.ssi = new SsiManager(this.xids, mutantActive(this.options.mutant, 'ssi-no-rw-tracking'));
  }

  // ---- setup and sessions --------------------------------------------------------------------------

  /** Creates a table holding `rows`, written by the bootstrap transaction (committed, never in progress). */
  createTable(schema: TableSchema, rows: readonly Row[] = []): void {
    invariant(!this.tables.has(schema.name), 'mvcc schema', () => `table ${schema.name} exists`);
    const table: Table = { schema, heap: [], index: new Map(), relfrozenxid: this.nextXid };
    this.tables.set(schema.name, table);
    for (const row of rows) this.placeTuple(table, row, BOOTSTRAP_XID, 0);
  }

  openSession(id: string, onResult: (result: StatementResult) => void): void {
    invariant(!this.sessions.has(id), 'mvcc session', () => `session ${id} is open`);
    this.sessions.set(id, {
      id,
      onResult,
      txn: undefined,
      running: undefined,
      runningStatement: undefined,
      waiting: undefined,
      lockTimeoutMs: this.options.lockTimeoutMs,
      advisory: new Map(),
      advisoryShared: new Map(),
      closed: false,
    });
  }

  /** The client went away: its transaction rolls back and its session locks are released. */
  closeSession(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.cancelWait(session);
    this.leaveRelationQueues(id);
    session.running = undefined;
    if (session.txn) this.abort(session.txn);
    session.txn = undefined;
    session.advisory.clear();
    session.advisoryShared.clear();
    this.dropAdvisoryHolder(id);
    session.closed = true;
    this.sessions.delete(id);
    this.wakeWaiters();
  }

  hasSession(id: string): boolean {
    return this.sessions.has(id);
  }

  /** Runs a statement; its result arrives through the session's onResult, now or once it stops waiting. */
  execute(sessionId: string, statement: Statement): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    if (session.running) {
      session.onResult(errorResult('08P01', 'another statement is still running on this session'));
      return;
    }
    session.running = this.runStatement(session, statement);
    session.runningStatement = statement;
    this.advance(session, undefined);
    this.wakeWaiters();
  }

  // ---- the statement driver ------------------------------------------------------------------------

  /** Steps a session's statement until it finishes or waits. */
  private advance(session: Session, resumeError: SqlError | undefined): void {
    const gen = session.running;
    if (!gen) return;
    let step: IteratorResult<Wait, StatementResult>;
    try {
      step = resumeError ? gen.throw(resumeError) : gen.next();
    } catch (error) {
      if (!(error instanceof SqlError)) throw error;
      this.finish(session, this.fail(session, error));
      return;
    }
    if (step.done) {
      this.finish(session, step.value);
      return;
    }
    this.startWait(session, step.value);
  }

  private finish(session: Session, result: StatementResult): void {
    session.running = undefined;
    session.runningStatement = undefined;
    const txn = session.txn;
    if (txn && txn.statementSnapshot) txn.statementSnapshot = undefined;
    session.onResult(result);
  }

  /** An error inside a statement: the transaction aborts at once (locks released); a block stays failed. */
  private fail(session: Session, error: SqlError): StatementResult {
    if (error.code === '40001') this.stats.serializationFailures++;
    const txn = session.txn;
    if (txn) {
      this.abort(txn);
      if (txn.explicit) {
        txn.state = 'failed';
        txn.statementSnapshot = undefined;
      } else session.txn = undefined;
    }
    return errorResult(error.code, error.message);
  }

  private *runStatement(session: Session, s: Statement): Generator<Wait, StatementResult> {
    switch (s.kind) {
      case 'begin': {
        if (session.txn) return { tag: 'BEGIN' }; // WARNING: there is already a transaction in progress
        session.txn = this.newTxn(session.id, s.level ?? 'read committed', s.readOnly ?? false, true);
        return { tag: 'BEGIN' };
      }
      case 'commit': {
        const txn = session.txn;
        if (!txn) return { tag: 'COMMIT' }; // WARNING: there is no transaction in progress
        session.txn = undefined;
        if (txn.state === 'failed') return { tag: 'ROLLBACK' };
        try {
          this.commit(txn);
        } catch (error) {
          if (!(error instanceof SqlError)) throw error;
          if (error.code === '40001') this.stats.serializationFailures++;
          this.abort(txn);
          return errorResult(error.code, error.message);
        }
        return { tag: 'COMMIT' };
      }
      case 'rollback': {
        const txn = session.txn;
        session.txn = undefined;
        if (txn && txn.state === 'active') this.abort(txn);
        return { tag: 'ROLLBACK' };
      }
      case 'set lock_timeout':
        session.lockTimeoutMs = s.ms;
        return { tag: 'SET' };
      case 'vacuum': {
        if (session.txn) throw new SqlError('25001', 'VACUUM cannot run inside a transaction block');
        const report = this.vacuum(s.table, s.freeze ?? false);
        return {
          tag: 'VACUUM',
          rows: [{ removed: report.removed, kept: report.keptRecentlyDead, frozen: report.frozen }],
        };
      }
      default:
        break;
    }
    // A statement that reads or writes: inside the block's transaction, or its own.
    let txn = session.txn;
    if (txn && txn.state === 'failed')
      throw new SqlError(
        '25P02',
        'current transaction is aborted, commands ignored until end of transaction block',
      );
    const implicit = !txn;
    if (!txn) {
      txn = this.newTxn(session.id, 'read committed', false, false);
      session.txn = txn;
    }
    txn.work++;
    const result = yield* this.runDml(session, txn, s);
    if (implicit) {
      session.txn = undefined;
      try {
        this.commit(txn);
      } catch (error) {
        this.abort(txn); // a serialization failure at commit
        throw error;
      }
    }
    return result;
  }

  private *runDml(session: Session, txn: Txn, s: Statement): Generator<Wait, StatementResult> {
    if (s.kind === 'advisory') return yield* this.advisoryStatement(session, txn, s.fn, s.key);
    if (s.kind === 'add column') return yield* this.addColumn(session, txn, s.table, s.column);
    if (s.kind === 'select' || s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete') {
      this.table(s.table);
      const mode: RelationLockMode =
        s.kind === 'select' ? (s.lock ? 'row share' : 'access share') : 'row exclusive';
      yield* this.lockRelation(session, s.table, mode);
    }
    const snapshot = this.statementSnapshot(txn);
    switch (s.kind) {
      case 'select':
        return yield* this.select(txn, snapshot, s);
      case 'insert':
        return yield* this.insert(txn, snapshot, s.table, s.rows);
      case 'update':
        return yield* this.modify(txn, snapshot, s.table, s.where, s.set, s.returning ?? false);
      case 'delete':
        return yield* this.modify(txn, snapshot, s.table, s.where, undefined, false);
      default:
        throw new Error(`unexpected statement ${s.kind}`);
    }
  }

  // ---- transactions --------------------------------------------------------------------------------

  private newTxn(session: string, level: IsolationLevel, readOnly: boolean, explicit: boolean): Txn {
    return {
      session,
      vxid: this.nextVxid++,
      xid: undefined,
      level,
      readOnly,
      explicit,
      state: 'active',
      snapshot: undefined,
      statementSnapshot: undefined,
      cid: 0,
      work: 0,
      startedAt: this.host.now(),
      sxact: undefined,
      advisory: new Map(),
      addedColumns: [],
      changes: [],
    };
  }

  /** REPEATABLE READ and SERIALIZABLE keep one snapshot; READ (UN)COMMITTED takes one per statement. */
  private usesXactSnapshot(txn: Txn): boolean {
    return txn.level === 'repeatable read' || txn.level === 'serializable';
  }

  private statementSnapshot(txn: Txn): Snapshot {
    if (this.usesXactSnapshot(txn)) {
      if (!txn.snapshot) {
        txn.snapshot = this.takeSnapshot(txn);
        if (txn.level === 'serializable') txn.sxact = this.ssi.register(txn, txn.snapshot);
      }
      const snap = { ...txn.snapshot, curcid: txn.cid };
      return snap;
    }
    txn.statementSnapshot = this.takeSnapshot(txn);
    return txn.statementSnapshot;
  }

  /** GetSnapshotData: every transaction with an id still in progress, and the next id to be assigned. */
  private takeSnapshot(txn: Txn): Snapshot {
    const xip = new Set<Xid>();
    let xmin = this.nextXid;
    for (const other of this.xidOwner.values()) {
      if (other === txn || other.xid === undefined) continue;
      xip.add(other.xid);
      xmin = this.xids.min(xmin, other.xid);
    }
    return { xmin, xmax: this.nextXid, xip, curcid: txn.cid };
  }

  /** A transaction gets an id at its first write or row lock (GetNewTransactionId). */
  private assignXid(txn: Txn): Xid {
    if (txn.xid !== undefined) return txn.xid;
    if (txn.readOnly) throw new SqlError('25006', 'cannot execute a write in a read-only transaction');
    this.checkWraparound();
    const xid = this.nextXid;
    this.nextXid = this.xids.next(xid);
    this.clog.set(xid, 'in progress');
    this.xidOwner.set(xid, txn);
    txn.xid = xid;
    this.stats.xidsAssigned++;
    if (txn.sxact) this.ssi.setXid(txn.sxact, xid);
    return xid;
  }

  private commit(txn: Txn): void {
    if (txn.sxact) this.ssi.preCommit(txn.sxact); // may throw 40001
    if (txn.xid !== undefined && txn.changes.length > 0)
      this.host.logCommit?.({ xid: txn.xid, changes: txn.changes });
    if (txn.xid !== undefined) {
      this.clog.set(txn.xid, 'committed');
      this.xidOwner.delete(txn.xid);
    }
    if (txn.sxact) this.ssi.commit(txn.sxact, this.nextXid);
    this.releaseXactLocks(txn);
    this.stats.commits++;
    this.ssi.cleanup(this.activeSerializable());
  }

  private abort(txn: Txn): void {
    if (txn.state === 'failed') return;
    if (txn.xid !== undefined) {
      this.clog.set(txn.xid, 'aborted');
      this.xidOwner.delete(txn.xid);
    }
    if (txn.sxact) this.ssi.abort(txn.sxact);
    for (const { table, column } of txn.addedColumns.reverse()) {
      const t = this.tables.get(table);
      if (t) t.schema = { ...t.schema, columns: t.schema.columns.filter((c) => c !== column) };
    }
    this.releaseXactLocks(txn);
    txn.state = 'failed';
    this.stats.aborts++;
    this.ssi.cleanup(this.activeSerializable());
  }

  private releaseXactLocks(txn: Txn): void {
    // Row locks live on tuples under the xid and end with it; table and advisory xact locks are dropped here.
    for (const lock of this.relationLocks.values()) lock.granted.delete(txn.session);
    if (txn.advisory.size > 0) {
      for (const [key, count] of txn.advisory) this.advisoryRelease(txn.session, key, false, count);
      txn.advisory.clear();
    }
  }

  private activeSerializable(): SerXact[] {
    const out: SerXact[] = [];
    for (const session of this.sessions.values())
      if (session.txn?.sxact && session.txn.state === 'active') out.push(session.txn.sxact);
    return out;
  }

  status(xid: Xid): ClogStatus {
    if (xid === BOOTSTRAP_XID || xid === FROZEN_XID) return 'committed';
    return this.clog.get(xid) ?? 'committed';
  }

  private inProgress(xid: Xid): boolean {
    return this.clog.get(xid) === 'in progress';
  }

  // ---- visibility ----------------------------------------------------------------------------------

  /** XidInMVCCSnapshot: was `xid` still running (or not yet started) when the snapshot was taken? */
  private xidInSnapshot(xid: Xid, snap: Snapshot): boolean {
    if (!XidSpace.isNormal(xid)) return false;
    if (this.xids.precedes(xid, snap.xmin)) return false;
    if (this.xids.precedesOrEquals(snap.xmax, xid)) return true;
    return snap.xip.has(xid);
  }

  /** HeapTupleSatisfiesMVCC. */
  visible(t: Tuple, snap: Snapshot, txn: Txn | undefined): boolean {
    if (t.removed) return false;
    const me = txn?.xid;
    if (mutantActive(this.options.mutant, 'dirty-snapshot')) {
      // Broken: in-progress writes count as if committed (a snapshot that sees them).
      if (!t.frozen && t.xmin !== me && this.status(t.xmin) === 'aborted') return false;
      if (t.xmin === me && t.cmin >= snap.curcid) return false;
      if (t.xmax === INVALID_XID || this.status(t.xmax) === 'aborted') return true;
      if (t.xmax === me) return t.cmax >= snap.curcid;
      return false;
    }
    if (!t.frozen) {
      if (me !== undefined && t.xmin === me) {
        if (t.cmin >= snap.curcid) return false;
      } else {
        if (this.xidInSnapshot(t.xmin, snap)) return false;
        if (this.status(t.xmin) !== 'committed') return false;
      }
    }
    if (t.xmax === INVALID_XID) return true;
    if (me !== undefined && t.xmax === me) return t.cmax >= snap.curcid;
    if (this.status(t.xmax) === 'aborted') return true;
    if (this.xidInSnapshot(t.xmax, snap)) return true;
    return this.status(t.xmax) !== 'committed';
  }

  /** HeapTupleSatisfiesVacuum, simplified: what a tuple is to everyone, given the oldest running xmin. */
  tupleState(t: Tuple, oldestXmin: Xid = this.oldestXmin()): TupleView['state'] {
    if (!t.frozen) {
      const s = this.status(t.xmin);
      if (s === 'aborted') return 'aborted';
      if (s === 'in progress') return 'inserting';
    }
    if (t.xmax === INVALID_XID) return 'live';
    const s = this.status(t.xmax);
    if (s === 'aborted') return 'live';
    if (s === 'in progress') return 'deleting';
    return this.xids.precedes(t.xmax, oldestXmin) ? 'dead' : 'recently dead';
  }

  // ---- reading -------------------------------------------------------------------------------------

  private table(name: string): Table {
    const table = this.tables.get(name);
    if (!table) throw new SqlError('42P01', `relation "${name}" does not exist`);
    return table;
  }

  /**
   * The scan every statement starts with: the versions its snapshot sees that match the predicate, in
   * the order PostgreSQL's plan for a small table returns them (an index scan when the predicate pins
   * the primary key, else a sequential scan in heap order). Serializable transactions take SIREAD locks
   * and check every version they examine for a conflict out, as the scans do.
   */
  private scan(txn: Txn, snap: Snapshot, table: Table, where: Pred | undefined): Tuple[] {
    const sxact = txn.sxact;
    const keys = keyLookup(where, table.schema.key);
    const found: Tuple[] = [];
    if (keys !== undefined) {
      if (sxact) this.ssi.lockIndexPage(sxact, table.schema.name);
      const chains: Tuple[][] = [];
      for (const key of [...new Set(keys)].sort((a, b) => a - b)) {
        const tids = table.index.get(key);
        if (!tids) continue;
        chains.push([...tids].sort((a, b) => a - b).map((tid) => table.heap[tid] as Tuple));
      }
      for (const chain of chains) {
        for (const t of chain) {
          if (t.removed) continue;
          const visible = this.visible(t, snap, txn);
          if (sxact) this.conflictOut(txn, sxact, t, visible);
          if (visible) {
            if (sxact && t.xmin !== txn.xid)
              this.ssi.lockTuple(sxact, t.table, t.tid, this.options.maxPredLocksPerPage);
            if (evalPred(where, t.values)) found.push(t);
            break; // the HOT chain walk stops at the visible member
          }
        }
      }
      // A bitmap heap scan returns rows in heap order.
      found.sort((a, b) => a.tid - b.tid);
      return found;
    }
    if (sxact) this.ssi.lockRelation(sxact, table.schema.name);
    for (const t of table.heap) {
      if (t.removed) continue;
      const visible = this.visible(t, snap, txn);
      if (sxact) this.conflictOut(txn, sxact, t, visible);
      if (visible && evalPred(where, t.values)) found.push(t);
    }
    return found;
  }

  /** HeapCheckForSerializableConflictOut: which writer's id the examined version points at, if concurrent. */
  private conflictOut(txn: Txn, sxact: SerXact, t: Tuple, visible: boolean): void {
    // A doomed transaction fails at the next version it examines (not before: a lookup that finds no
    // version succeeds), as CheckForSerializableConflictOutNeeded does.
    this.ssi.checkNotDoomed(sxact);
    const state = this.tupleState(t);
    let xid: Xid;
    switch (state) {
      case 'live':
        if (visible || t.frozen) return;
        xid = t.xmin;
        break;
      case 'recently dead':
      case 'deleting':
        xid = visible ? t.xmax : t.xmin;
        if (t.frozen && !visible) return;
        if (txn.snapshot && this.xids.precedes(xid, txn.snapshot.xmin)) return;
        break;
      case 'inserting':
        xid = t.xmin;
        break;
      default:
        return;
    }
    if (xid === txn.xid || !XidSpace.isNormal(xid)) return;
    const snapshot = txn.snapshot;
    if (!snapshot) return;
    this.ssi.conflictOut(sxact, xid, this.xidInSnapshot(xid, snapshot));
  }

  private *select(
    txn: Txn,
    snap: Snapshot,
    s: Extract<Statement, { kind: 'select' }>,
  ): Generator<Wait, StatementResult> {
    const table = this.table(s.table);
    // A locking read writes row locks: refused up front in a READ ONLY transaction, rows or not.
    if (s.lock && txn.readOnly)
      throw new SqlError(
        '25006',
        `cannot execute SELECT FOR ${s.lock.toUpperCase()} in a read-only transaction`,
      );
    let rows = this.scan(txn, snap, table, s.where);
    if (s.orderBy) {
      const by = s.orderBy;
      rows = [...rows].sort((a, b) => numeric(a.values[by]) - numeric(b.values[by]) || a.tid - b.tid);
    }
    if (!s.lock) {
      if (s.limit !== undefined) rows = rows.slice(0, s.limit);
      if (s.aggregate) {
        const agg = s.aggregate;
        const value =
          agg.fn === 'count' ? rows.length : rows.reduce((sum, t) => sum + numeric(t.values[agg.col]), 0);
        return { tag: 'SELECT', rows: [{ [agg.fn]: value }], rowCount: 1 };
      }
      return { tag: 'SELECT', rows: rows.map((t) => t.values), rowCount: rows.length };
    }
    // SELECT … FOR: lock each row in order (the LIMIT counts rows locked, after SKIP LOCKED).
    const out: Row[] = [];
    for (const t of rows) {
      if (s.limit !== undefined && out.length >= s.limit) break;
      const locked = yield* this.lockRow(txn, table, t, s.lock, s.where, s.waitPolicy ?? 'wait', true);
      if (locked) out.push(locked.values);
    }
    if (s.aggregate) throw new SqlError('0A000', 'FOR UPDATE is not allowed with aggregate functions');
    return { tag: 'SELECT', rows: out, rowCount: out.length };
  }

  // ---- writing -------------------------------------------------------------------------------------

  /** The outcome for a tuple someone else may have locked or updated (HeapTupleSatisfiesUpdate + waits). */
  private *lockOutcome(
    txn: Txn,
    t: Tuple,
    mode: RowLockMode,
    policy: 'wait' | 'nowait' | 'skip locked',
  ): Generator<Wait, LockOutcome> {
    const me = txn.xid;
    for (;;) {
      if (me !== undefined && t.xmax === me) return { kind: 'skip' }; // updated by this transaction already
      let blocker: Xid | undefined;
      if (t.xmax !== INVALID_XID && this.inProgress(t.xmax)) blocker = t.xmax;
      else
        for (const [locker, held] of t.lockers)
          if (locker !== me && this.inProgress(locker) && lockConflicts(held, mode)) {
            blocker = locker;
            break;
          }
      if (blocker !== undefined) {
        if (policy === 'nowait')
          throw new SqlError('55P03', `could not obtain lock on row in relation "${t.table}"`);
        if (policy === 'skip locked') return { kind: 'skip' };
        yield { kind: 'xid', xid: blocker, what: `row ${describeRow(t)} of ${t.table}` };
        continue;
      }
      if (t.xmax !== INVALID_XID && this.status(t.xmax) === 'committed')
        return { kind: 'updated', newer: t.next };
      return { kind: 'ok' };
    }
  }

  /**
   * Locks one row found by the scan, following its update chain at READ COMMITTED (EvalPlanQual: the
   * newest version is re-checked against the WHERE clause) and failing with a serialization error under
   * a transaction snapshot. Returns the version locked, or undefined when the row is skipped.
   */
  private *lockRow(
    txn: Txn,
    table: Table,
    found: Tuple,
    mode: RowLockMode,
    where: Pred | undefined,
    policy: 'wait' | 'nowait' | 'skip locked',
    addLocker: boolean,
  ): Generator<Wait, Tuple | undefined> {
    let t = found;
    this.assignXid(txn);
    for (;;) {
      const outcome = yield* this.lockOutcome(txn, t, mode, policy);
      if (outcome.kind === 'skip') return undefined;
      if (outcome.kind === 'updated') {
        if (this.usesXactSnapshot(txn) && !mutantActive(this.options.mutant, 'no-first-updater-wins'))
          throw new SqlError(
            '40001',
            `could not serialize access due to concurrent ${outcome.newer === undefined ? 'delete' : 'update'}`,
          );
        if (outcome.newer === undefined) return undefined; // deleted meanwhile
        let newest = table.heap[outcome.newer] as Tuple;
        while (newest.next !== undefined && this.status(newest.xmax) === 'committed')
          newest = table.heap[newest.next] as Tuple;
        if (!this.usesXactSnapshot(txn) && !evalPred(where, newest.values)) return undefined;
        t = newest;
        continue;
      }
      const me = txn.xid as Xid;
      if (addLocker) {
        const held = t.lockers.get(me);
        if (!held || LOCK_STRENGTH[held] < LOCK_STRENGTH[mode]) t.lockers.set(me, mode);
      }
      txn.work++;
      return t;
    }
  }

  private *modify(
    txn: Txn,
    snap: Snapshot,
    tableName: string,
    where: Pred | undefined,
    set: Readonly<Record<string, Parameters<typeof evalExpr>[0]>> | undefined,
    returning: boolean,
  ): Generator<Wait, StatementResult> {
    if (txn.readOnly)
      throw new SqlError('25006', `cannot execute ${set ? 'UPDATE' : 'DELETE'} in a read-only transaction`);
    const table = this.table(tableName);
    const candidates = this.scan(txn, snap, table, where);
    const keyChanges = set !== undefined && table.schema.key in set;
    const mode: RowLockMode = set && !keyChanges ? 'no key update' : 'update';
    const me = this.assignXid(txn);
    let count = 0;
    const rows: Row[] = [];
    for (const found of candidates) {
      const old = yield* this.lockRow(txn, table, found, mode, where, 'wait', false);
      if (!old) continue;
      if (txn.sxact) this.ssi.conflictIn(txn.sxact, table.schema.name, old.tid, false, snap);
      if (set) {
        // The mutant writes what it computed from the version its snapshot saw: a lost update.
        const base =
          mutantActive(this.options.mutant, 'no-first-updater-wins') && this.usesXactSnapshot(txn)
            ? found
            : old;
        const values: Record<string, Value> = { ...old.values };
        for (const [column, expr] of Object.entries(set)) values[column] = evalExpr(expr, base.values);
        const key = values[table.schema.key] as number;
        // The new version goes into the heap first; a changed key is then inserted into the index,
        // where the unique check may wait (others see the new version as being inserted meanwhile).
        const fresh = this.placeTuple(table, values, me, txn.cid);
        old.next = fresh.tid;
        old.xmax = me;
        old.cmax = txn.cid;
        if (key !== old.values[table.schema.key]) {
          yield* this.checkUnique(txn, table, key, fresh.tid);
          if (txn.sxact) this.ssi.conflictIn(txn.sxact, table.schema.name, undefined, true, snap);
        }
        if (returning) rows.push(fresh.values);
        txn.changes.push({ table: tableName, oldKey: old.values[table.schema.key] as number, row: values });
      } else txn.changes.push({ table: tableName, oldKey: old.values[table.schema.key] as number });
      old.xmax = me;
      old.cmax = txn.cid;
      count++;
    }
    txn.cid++;
    return {
      tag: set ? 'UPDATE' : 'DELETE',
      rowCount: count,
      ...(returning ? { rows } : {}),
    };
  }

  private *insert(
    txn: Txn,
    _snap: Snapshot,
    tableName: string,
    rows: readonly Row[],
  ): Generator<Wait, StatementResult> {
    if (txn.readOnly) throw new SqlError('25006', 'cannot execute INSERT in a read-only transaction');
    const table = this.table(tableName);
    if (txn.sxact) this.ssi.checkNotDoomed(txn.sxact);
    const me = this.assignXid(txn);
    for (const row of rows) {
      const key = row[table.schema.key];
      if (typeof key !== 'number') throw new SqlError('23502', `null value in column "${table.schema.key}"`);
      // heap_insert first (its SSI check covers the relation), then the index insertion with the
      // unique check, which may wait while the new tuple is visible to others as being inserted.
      if (txn.sxact)
        this.ssi.conflictIn(txn.sxact, table.schema.name, undefined, false, txn.snapshot as Snapshot);
      const full: Record<string, Value> = {};
      for (const column of table.schema.columns)
        full[column] = row[column] ?? (table.schema.arrays?.includes(column) ? [] : 0);
      const fresh = this.placeTuple(table, full, me, txn.cid);
      txn.changes.push({ table: tableName, row: full });
      yield* this.checkUnique(txn, table, key, fresh.tid);
      if (txn.sxact)
        this.ssi.conflictIn(txn.sxact, table.schema.name, undefined, true, txn.snapshot as Snapshot);
      txn.work++;
    }
    txn.cid++;
    return { tag: 'INSERT', rowCount: rows.length };
  }

  /** _bt_check_unique: a live or in-progress version with the key is a duplicate, or a reason to wait. */
  private *checkUnique(txn: Txn, table: Table, key: number, self: number): Generator<Wait, void> {
    for (;;) {
      let waitFor: Xid | undefined;
      let duplicate = false;
      for (const tid of table.index.get(key) ?? []) {
        const t = table.heap[tid] as Tuple;
        if (t.removed || tid === self) continue;
        const mine = (x: Xid) => x === txn.xid;
        if (!t.frozen && !mine(t.xmin)) {
          const s = this.status(t.xmin);
          if (s === 'aborted') continue;
          if (s === 'in progress') {
            waitFor = t.xmin;
            break;
          }
        }
        if (t.xmax !== INVALID_XID) {
          if (mine(t.xmax)) continue;
          const s = this.status(t.xmax);
          if (s === 'committed') continue;
          if (s === 'in progress') {
            waitFor = t.xmax;
            break;
          }
        }
        duplicate = true;
        break;
      }
      if (waitFor !== undefined) {
        yield { kind: 'xid', xid: waitFor, what: `key ${key} of ${table.schema.name}_pkey` };
        continue;
      }
      // Before reporting the violation, a serializable writer checks the index page as if it were going
      // to write it, so an rw-conflict the violation would hide is reported instead (_bt_check_unique).
      if (duplicate && txn.sxact && txn.snapshot)
        this.ssi.conflictIn(txn.sxact, table.schema.name, undefined, true, txn.snapshot);
      if (duplicate)
        throw new SqlError(
          '23505',
          `duplicate key value violates unique constraint "${table.schema.name}_pkey"`,
        );
      return;
    }
  }

  private placeTuple(table: Table, values: Row, xmin: Xid, cid: number): Tuple {
    const tuple: Tuple = {
      table: table.schema.name,
      tid: table.heap.length,
      values,
      xmin,
      xmax: INVALID_XID,
      cmin: cid,
      cmax: 0,
      next: undefined,
      frozen: false,
      removed: false,
      lockers: new Map(),
    };
    table.heap.push(tuple);
    const key = values[table.schema.key] as number;
    let set = table.index.get(key);
    if (!set) table.index.set(key, (set = new Set()));
    set.add(tuple.tid);
    return tuple;
  }

  // ---- waiting, lock timeouts, deadlocks -----------------------------------------------------------

  private startWait(session: Session, wait: Wait): void {
    this.stats.lockWaits++;
    const waiting: Waiting = {
      wait,
      since: this.host.now(),
      order: this.waitOrder++,
      deadlockTimer: undefined,
      lockTimer: undefined,
    };
    session.waiting = waiting;
    waiting.deadlockTimer = this.host.setTimer(this.options.deadlockTimeoutMs, () => {
      waiting.deadlockTimer = undefined;
      if (session.waiting === waiting) this.checkDeadlock(session);
    });
    if (session.lockTimeoutMs > 0)
      waiting.lockTimer = this.host.setTimer(session.lockTimeoutMs, () => {
        waiting.lockTimer = undefined;
        if (session.waiting !== waiting) return;
        this.stats.lockTimeouts++;
        this.interrupt(session, new SqlError('55P03', 'canceling statement due to lock timeout'));
      });
  }

  private cancelWait(session: Session): void {
    const waiting = session.waiting;
    if (!waiting) return;
    if (waiting.deadlockTimer !== undefined) this.host.clearTimer(waiting.deadlockTimer);
    if (waiting.lockTimer !== undefined) this.host.clearTimer(waiting.lockTimer);
    session.waiting = undefined;
  }

  /** Ends a waiting statement with an error (lock timeout, deadlock victim). */
  private interrupt(session: Session, error: SqlError): void {
    this.cancelWait(session);
    this.leaveRelationQueues(session.id);
    this.advance(session, error);
    this.wakeWaiters();
  }

  private waitCleared(session: Session, wait: Wait): boolean {
    if (wait.kind === 'xid') return !this.inProgress(wait.xid);
    if (wait.kind === 'relation')
      return this.relationBlockers(session.id, wait.table, wait.mode).length === 0;
    return this.advisoryGrantable(session.id, wait.key, wait.shared);
  }

  // ---- table locks ---------------------------------------------------------------------------------

  /**
   * Who stands in the way of `mode` on `table` for a session: holders of a conflicting mode, and
   * conflicting requests queued ahead of it (a request queues behind a waiting ACCESS EXCLUSIVE: the
   * reason one ALTER TABLE stuck behind a long transaction stops every later query).
   */
  private relationBlockers(session: string, table: string, mode: RelationLockMode): string[] {
    const lock = this.relationLocks.get(table);
    if (!lock) return [];
    const out: string[] = [];
    for (const [holder, modes] of lock.granted)
      if (holder !== session && [...modes].some((m) => relationConflicts(m, mode))) out.push(holder);
    for (const entry of lock.queue) {
      if (entry.session === session) break;
      if (relationConflicts(entry.mode, mode) && !out.includes(entry.session)) out.push(entry.session);
    }
    return out;
  }

  private *lockRelation(session: Session, table: string, mode: RelationLockMode): Generator<Wait, void> {
    let lock = this.relationLocks.get(table);
    if (!lock) this.relationLocks.set(table, (lock = { granted: new Map(), queue: [] }));
    const held = lock.granted.get(session.id);
    if (held && (held.has(mode) || held.has('access exclusive'))) return;
    // A transaction that already holds a lock here does not queue behind a later request (no self-deadlock).
    const queued = () => lock.queue.findIndex((e) => e.session === session.id);
    for (;;) {
      const blockers = this.relationBlockers(session.id, table, mode).filter(
        (b) => !(held && lock.queue.some((e) => e.session === b)),
      );
      if (blockers.length === 0) {
        const at = queued();
        if (at >= 0) lock.queue.splice(at, 1);
        const modes = lock.granted.get(session.id) ?? new Set<RelationLockMode>();
        modes.add(mode);
        lock.granted.set(session.id, modes);
        return;
      }
      if (queued() < 0) lock.queue.push({ session: session.id, mode });
      yield { kind: 'relation', table, mode };
    }
  }

  /** Drops a session's queued table-lock request (it gave up: lock timeout, deadlock, disconnect). */
  private leaveRelationQueues(session: string): void {
    for (const lock of this.relationLocks.values()) {
      const at = lock.queue.findIndex((e) => e.session === session);
      if (at >= 0) lock.queue.splice(at, 1);
    }
  }

  private *addColumn(
    session: Session,
    txn: Txn,
    tableName: string,
    column: string,
  ): Generator<Wait, StatementResult> {
    const table = this.table(tableName);
    if (table.schema.columns.includes(column))
      throw new SqlError('42701', `column "${column}" of relation "${tableName}" already exists`);
    this.assignXid(txn);
    yield* this.lockRelation(session, tableName, 'access exclusive');
    // A nullable column without a default is a catalog change only: no row is rewritten.
    table.schema = { ...table.schema, columns: [...table.schema.columns, column] };
    txn.addedColumns.push({ table: tableName, column });
    txn.changes.push({ table: tableName, addColumn: column });
    txn.cid++;
    return { tag: 'ALTER TABLE' };
  }

  /** Resumes, in the order they started waiting, every statement whose wait is over. */
  private wakeWaiters(): void {
    if (this.waking) return;
    this.waking = true;
    try {
      for (;;) {
        const ready = [...this.sessions.values()]
          .filter((s) => s.waiting && this.waitCleared(s, s.waiting.wait))
          .sort((a, b) => (a.waiting as Waiting).order - (b.waiting as Waiting).order);
        const first = ready[0];
        if (!first) break;
        this.cancelWait(first);
        this.advance(first, undefined);
      }
    } finally {
      this.waking = false;
    }
  }

  /** Who a waiting session waits for. */
  private holdersOf(session: Session): string[] {
    const wait = session.waiting?.wait;
    if (!wait) return [];
    if (wait.kind === 'xid') {
      const owner = this.xidOwner.get(wait.xid);
      return owner ? [owner.session] : [];
    }
    if (wait.kind === 'relation') return this.relationBlockers(session.id, wait.table, wait.mode);
    const holders = this.advisoryLocks.get(wait.key);
    if (!holders) return [];
    const out: string[] = [];
    for (const [holder, held] of holders)
      if (holder !== session.id && (held.exclusive > 0 || (!wait.shared && held.shared > 0)))
        out.push(holder);
    return out;
  }

  /** The wait-for graph: one edge per waiter and holder. */
  waitForGraph(): WaitEdge[] {
    const edges: WaitEdge[] = [];
    for (const session of this.sessions.values()) {
      const waiting = session.waiting;
      if (!waiting) continue;
      const w = waiting.wait;
      const what =
        w.kind === 'xid'
          ? w.what
          : w.kind === 'relation'
            ? `${w.mode} lock on ${w.table}`
            : `advisory lock ${w.key}`;
      for (const holder of this.holdersOf(session))
        edges.push({ waiter: session.id, holder, what, since: waiting.since });
    }
    return edges;
  }

  /** A cycle of waits through `start`, as the sessions on it, or undefined (DeadLockCheck). */
  findCycle(start: string): string[] | undefined {
    const path: string[] = [];
    const seen = new Set<string>();
    const visit = (id: string): string[] | undefined => {
      const session = this.sessions.get(id);
      if (!session) return undefined;
      path.push(id);
      seen.add(id);
      for (const holder of this.holdersOf(session)) {
        if (holder === start) return [...path];
        if (seen.has(holder)) continue;
        const found = visit(holder);
        if (found) return found;
      }
      path.pop();
      return undefined;
    };
    return visit(start);
  }

  private checkDeadlock(session: Session): void {
    const cycle = this.findCycle(session.id);
    if (!cycle) return; // no deadlock: keep waiting (PostgreSQL checks once per wait)
    this.stats.deadlocks++;
    let victim = session;
    if (this.options.deadlockVictim === 'least-work') {
      const members = cycle.map((id) => this.sessions.get(id) as Session);
      victim = members.reduce((best, s) => {
        const w = s.txn?.work ?? 0;
        const bw = best.txn?.work ?? 0;
        return w < bw || (w === bw && (s.txn?.vxid ?? 0) > (best.txn?.vxid ?? 0)) ? s : best;
      });
    }
    const described = cycle.join(' → ') + ` → ${cycle[0]}`;
    this.interrupt(victim, new SqlError('40P01', `deadlock detected (${described})`));
  }

  // ---- advisory locks ------------------------------------------------------------------------------

  private advisoryGrantable(session: string, key: number, shared: boolean): boolean {
    const holders = this.advisoryLocks.get(key);
    if (!holders) return true;
    for (const [holder, held] of holders) {
      if (holder === session) continue;
      if (held.exclusive > 0) return false;
      if (!shared && held.shared > 0) return false;
    }
    return true;
  }

  private advisoryTake(session: string, key: number, shared: boolean): void {
    let holders = this.advisoryLocks.get(key);
    if (!holders) this.advisoryLocks.set(key, (holders = new Map()));
    const held = holders.get(session) ?? { exclusive: 0, shared: 0 };
    if (shared) held.shared++;
    else held.exclusive++;
    holders.set(session, held);
  }

  private advisoryRelease(session: string, key: number, shared: boolean, count: number): void {
    const holders = this.advisoryLocks.get(key);
    const held = holders?.get(session);
    if (!holders || !held) return;
    if (shared) held.shared = Math.max(0, held.shared - count);
    else held.exclusive = Math.max(0, held.exclusive - count);
    if (held.exclusive === 0 && held.shared === 0) holders.delete(session);
    if (holders.size === 0) this.advisoryLocks.delete(key);
  }

  private dropAdvisoryHolder(session: string): void {
    for (const [key, holders] of this.advisoryLocks) {
      holders.delete(session);
      if (holders.size === 0) this.advisoryLocks.delete(key);
    }
  }

  private *advisoryStatement(
    session: Session,
    txn: Txn,
    fn: Extract<Statement, { kind: 'advisory' }>['fn'],
    key: number,
  ): Generator<Wait, StatementResult> {
    const shared = fn === 'pg_advisory_lock_shared' || fn === 'pg_advisory_unlock_shared';
    const xact = fn === 'pg_advisory_xact_lock' || fn === 'pg_try_advisory_xact_lock';
    const result = (value: number): StatementResult => ({
      tag: 'SELECT',
      rows: [{ result: value }],
      rowCount: 1,
    });
    if (fn === 'pg_advisory_unlock' || fn === 'pg_advisory_unlock_shared') {
      // Only a session-level hold can be unlocked by hand; xact-level holds end with the transaction.
      const counts = shared ? session.advisoryShared : session.advisory;
      const count = counts.get(key) ?? 0;
      if (count === 0) return result(0);
      if (count === 1) counts.delete(key);
      else counts.set(key, count - 1);
      this.advisoryRelease(session.id, key, shared, 1);
      return result(1);
    }
    const tryOnly = fn === 'pg_try_advisory_lock' || fn === 'pg_try_advisory_xact_lock';
    while (!this.advisoryGrantable(session.id, key, shared)) {
      if (tryOnly) return result(0);
      yield { kind: 'advisory', key, shared };
    }
    this.advisoryTake(session.id, key, shared);
    if (xact) txn.advisory.set(key, (txn.advisory.get(key) ?? 0) + 1);
    else {
      const counts = shared ? session.advisoryShared : session.advisory;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return result(1);
  }

  // ---- VACUUM and wraparound -----------------------------------------------------------------------

  /** The oldest xid any running transaction may still need (GetOldestNonRemovableTransactionId). */
  oldestXmin(): Xid {
    let oldest = this.nextXid;
    for (const session of this.sessions.values()) {
      const txn = session.txn;
      if (!txn || txn.state !== 'active') continue;
      if (txn.xid !== undefined) oldest = this.xids.min(oldest, txn.xid);
      const snap = txn.snapshot ?? txn.statementSnapshot;
      if (snap) oldest = this.xids.min(oldest, snap.xmin);
    }
    return oldest;
  }

  /**
   * Removes versions no snapshot can see any more (deleted by a committed transaction older than every
   * running snapshot, or written by an aborted one), freezes old committed ones, and advances the
   * table's relfrozenxid.
   */
  vacuum(tableName: string, freeze: boolean): VacuumReport {
    const table = this.table(tableName);
    const oldestXmin = this.oldestXmin();
    const freezeLimit = freeze ? oldestXmin : this.xids.add(oldestXmin, -this.options.freezeMinAge);
    let removed = 0;
    let kept = 0;
    let frozen = 0;
    let relfrozenxid = oldestXmin;
    for (const t of table.heap) {
      if (t.removed) continue;
      const state = this.tupleState(t, oldestXmin);
      if (state === 'dead' || state === 'aborted') {
        t.removed = true;
        table.index.get(t.values[table.schema.key] as number)?.delete(t.tid);
        removed++;
        continue;
      }
      if (state === 'recently dead') kept++;
      if (!t.frozen && this.status(t.xmin) === 'committed' && XidSpace.isNormal(t.xmin)) {
        if (this.xids.precedes(t.xmin, freezeLimit) || (freeze && this.xids.precedes(t.xmin, oldestXmin))) {
          t.frozen = true;
          frozen++;
        } else relfrozenxid = this.xids.min(relfrozenxid, t.xmin);
      } else if (!t.frozen && t.xmin === BOOTSTRAP_XID) {
        t.frozen = true;
        frozen++;
      } else if (!t.frozen && XidSpace.isNormal(t.xmin)) relfrozenxid = this.xids.min(relfrozenxid, t.xmin);
      if (t.xmax !== INVALID_XID && XidSpace.isNormal(t.xmax) && state !== 'live')
        relfrozenxid = this.xids.min(relfrozenxid, t.xmax);
    }
    table.relfrozenxid = relfrozenxid;
    this.refreshWraparoundState();
    return { table: tableName, removed, keptRecentlyDead: kept, frozen, oldestXmin, relfrozenxid };
  }

  /** The oldest relfrozenxid over the tables (datfrozenxid). */
  datfrozenxid(): Xid {
    let oldest: Xid | undefined;
    for (const table of this.tables.values())
      oldest = oldest === undefined ? table.relfrozenxid : this.xids.min(oldest, table.relfrozenxid);
    return oldest ?? this.nextXid;
  }

  /** Ids that can still be assigned before the oldest unfrozen xid would appear to be in the future. */
  xidsUntilWraparound(): number {
    return this.options.xidSpace / 2 - this.xids.age(this.datfrozenxid(), this.nextXid);
  }

  private refreshWraparoundState(): void {
    this.antiWraparoundVacuumDue =
      this.xids.age(this.datfrozenxid(), this.nextXid) > this.options.freezeMaxAge;
  }

  /** SetTransactionIdLimit's limits, applied when an id is assigned (GetNewTransactionId). */
  private checkWraparound(): void {
    this.refreshWraparoundState();
    if (!this.options.wraparoundProtection) return;
    const left = this.xidsUntilWraparound();
    if (left <= this.options.stopMargin) {
      this.stats.wraparoundRefusals++;
      throw new SqlError(
        '54000',
        'database is not accepting commands to avoid wraparound data loss in database "postgres"',
      );
    }
    if (left <= this.options.warnMargin) this.stats.wraparoundWarnings++;
  }

  // ---- inspection ----------------------------------------------------------------------------------

  tuples(tableName: string): TupleView[] {
    const table = this.table(tableName);
    const oldestXmin = this.oldestXmin();
    return table.heap
      .filter((t) => !t.removed)
      .map((t) => ({
        table: t.table,
        tid: t.tid,
        values: t.values,
        xmin: t.frozen ? FROZEN_XID : t.xmin,
        xmax: t.xmax,
        ...(t.next !== undefined ? { next: t.next } : {}),
        frozen: t.frozen,
        lockers: Object.fromEntries(
          [...t.lockers].filter(([x]) => this.inProgress(x)).map(([x, m]) => [String(x), m]),
        ),
        state: this.tupleState(t, oldestXmin),
      }));
  }

  /** Tuples of a table that no snapshot can see and VACUUM has not removed. */
  deadTuples(tableName: string): { dead: number; recentlyDead: number; live: number; slots: number } {
    const table = this.table(tableName);
    const oldestXmin = this.oldestXmin();
    let dead = 0;
    let recentlyDead = 0;
    let live = 0;
    let slots = 0;
    for (const t of table.heap) {
      if (t.removed) continue;
      slots++;
      const state = this.tupleState(t, oldestXmin);
      if (state === 'dead' || state === 'aborted') dead++;
      else if (state === 'recently dead') recentlyDead++;
      else live++;
    }
    return { dead, recentlyDead, live, slots };
  }

  transactions(): TxnView[] {
    const out: TxnView[] = [];
    for (const session of this.sessions.values()) {
      const txn = session.txn;
      if (!txn) continue;
      const snap = txn.snapshot ?? txn.statementSnapshot;
      out.push({
        session: session.id,
        vxid: txn.vxid,
        ...(txn.xid !== undefined ? { xid: txn.xid } : {}),
        level: txn.level,
        state: txn.state,
        ...(snap ? { snapshot: snapshotView(snap) } : {}),
        work: txn.work,
        startedAt: txn.startedAt,
        ...(txn.sxact?.doomed ? { doomed: true } : {}),
      });
    }
    return out;
  }

  /** What a table holds for a fresh READ COMMITTED snapshot (the committed state). */
  committedRows(tableName: string): Row[] {
    const table = this.table(tableName);
    const probe = this.newTxn('(inspector)', 'read committed', true, false);
    const snap = this.takeSnapshot(probe);
    return table.heap.filter((t) => this.visible(t, snap, undefined)).map((t) => t.values);
  }

  isWaiting(sessionId: string): boolean {
    return this.sessions.get(sessionId)?.waiting !== undefined;
  }

  nextTransactionId(): Xid {
    return this.nextXid;
  }

  /** After recovery: the next id continues after the last one the log saw. */
  resumeXidsAfter(xid: Xid): void {
    this.nextXid = this.xids.next(xid);
    for (const table of this.tables.values()) table.relfrozenxid = this.nextXid;
  }

  /** Consumes `n` ids at once, as that many committed one-row transactions would (for wraparound scenarios). */
  burnXids(n: number): void {
    for (let i = 0; i < n; i++) {
      this.checkWraparound();
      const xid = this.nextXid;
      this.nextXid = this.xids.next(xid);
      this.clog.set(xid, 'committed');
      this.stats.xidsAssigned++;
    }
  }
}

function numeric(value: Value | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function errorResult(code: string, message: string): StatementResult {
  return { tag: 'ERROR', error: { code, message } };
}

function describeRow(t: Tuple): string {
  return `(${Object.values(t.values).join(',')})`;
}

function snapshotView(s: Snapshot): SnapshotView {
  return { xmin: s.xmin, xmax: s.xmax, xip: [...s.xip].sort((a, b) => a - b) };
}
