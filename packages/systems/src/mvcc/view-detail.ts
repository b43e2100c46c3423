/**
 * The lab's window onto the engine: its state as plain data (`MvccLiveDetail`: every row's versions and
 * which session's snapshot sees which, the commit log, the snapshots, the wait-for graph, what VACUUM
 * could reclaim), and runners that record that picture after every step of a script or every few
 * milliseconds of a job queue, so the lab can step through a run that already happened.
 */
import type { LiveDetail } from '../contract';
import { TEST_TABLES, type Script } from './anomalies';
import { buildMvccWorld, mvccParams } from './cluster';
import { EngineTarget, runAnomalyTest, type TestRecord } from './driver';
import type { ClogStatus, MvccEngine } from './engine';
import { startPrograms, type Program } from './programs';
import { worker } from './scenarios/e4';
import { add, col, eq, stmt, type IsolationLevel, type Row, type TableSchema } from './statements';
import type { EngineOptions, SnapshotView, TupleView, WaitEdge } from './types';
import { INVALID_XID, XidSpace, type Xid } from './xid';

export { anomalyTests, TESTED_LEVELS, type AnomalyTest, type Script, type Step } from './anomalies';
export { experiments, type Experiment } from './experiments';
export { documentedOutcomes, summarize } from './outcomes';
export { toSql, describeStatement, evalPred, keyLookup, ISOLATION_LEVELS, stmt } from './statements';
export type { IsolationLevel, Row, Statement, TableSchema, Pred } from './statements';
export type { TestRecord, StepRecord } from './driver';
export type { SnapshotView, WaitEdge } from './types';

/** The newest transaction ids the commit log shows. */
export const CLOG_SHOWN = 24;
/** Versions shown per row, newest first (a live run's rows collect many before VACUUM). */
export const VERSIONS_SHOWN = 6;

/** A session as the picture draws it: its transaction, its snapshot, what it waits for. */
export interface MvccSessionDetail {
  readonly session: string;
  readonly xid?: Xid;
  readonly level: IsolationLevel;
  readonly state: 'active' | 'failed';
  /**
   * The snapshot its next read uses: the transaction's (REPEATABLE READ, SERIALIZABLE), or under READ
   * COMMITTED the one a statement starting now would take.
   */
  readonly snapshot?: SnapshotView;
  /** READ COMMITTED (and READ UNCOMMITTED) take a new snapshot per statement. */
  readonly perStatement: boolean;
  /** Statements run plus rows written or locked so far (what the least-work deadlock rule compares). */
  readonly work: number;
  readonly doomed: boolean;
  readonly waitsFor: readonly string[];
}

export interface MvccVersionDetail extends TupleView {
  /** The primary key's value. */
  readonly key: number;
  readonly xminStatus: ClogStatus | 'frozen';
  readonly xmaxStatus?: ClogStatus;
  /** Sessions (and 'now', a fresh snapshot) that see this version. */
  readonly visibleTo: readonly string[];
}

export interface MvccTableDetail {
  readonly name: string;
  readonly key: string;
  readonly columns: readonly string[];
  /** The versions still in the heap, in heap order: for each row its newest `VERSIONS_SHOWN`. */
  readonly versions: readonly MvccVersionDetail[];
  /** Older versions still in the heap that are not shown. */
  readonly hidden: number;
  readonly dead: number;
  readonly recentlyDead: number;
  readonly live: number;
}

export interface MvccLiveDetail extends LiveDetail {
  readonly kind: 'mvcc';
  readonly now: number;
  readonly up: boolean;
  readonly nextXid: Xid;
  /** Versions deleted before this id are dead to everyone: VACUUM may remove them. */
  readonly oldestXmin: Xid;
  /** The newest `CLOG_SHOWN` ids handed out and their status, oldest first. */
  readonly clog: readonly { readonly xid: Xid; readonly status: ClogStatus }[];
  /** What a statement starting now would see. */
  readonly fresh: SnapshotView;
  readonly sessions: readonly MvccSessionDetail[];
  readonly tables: readonly MvccTableDetail[];
  readonly waits: readonly WaitEdge[];
  readonly stats: {
    readonly commits: number;
    readonly aborts: number;
    readonly deadlocks: number;
    readonly serializationFailures: number;
    readonly lockWaits: number;
  };
}

/** The picture of a server that is down: nothing but the fact. */
export function downDetail(now: number): MvccLiveDetail {
  return {
    kind: 'mvcc',
    now,
    up: false,
    nextXid: INVALID_XID,
    oldestXmin: INVALID_XID,
    clog: [],
    fresh: { xmin: INVALID_XID, xmax: INVALID_XID, xip: [] },
    sessions: [],
    tables: [],
    waits: [],
    stats: { commits: 0, aborts: 0, deadlocks: 0, serializationFailures: 0, lockWaits: 0 },
  };
}

/**
 * HeapTupleSatisfiesMVCC as seen between statements: a transaction's own earlier writes are visible to
 * its next command (their command ids are all older), everything else by the snapshot and the commit
 * log. A test compares it with what the engine's own SELECTs return.
 */
export function visibleIn(
  version: TupleView,
  snapshot: SnapshotView,
  own: Xid | undefined,
  status: (xid: Xid) => ClogStatus,
  xids: XidSpace,
): boolean {
  const inSnapshot = (xid: Xid) => {
    if (!XidSpace.isNormal(xid) || xids.precedes(xid, snapshot.xmin)) return false;
    return xids.precedesOrEquals(snapshot.xmax, xid) || snapshot.xip.includes(xid);
  };
  if (!version.frozen && version.xmin !== own) {
    if (inSnapshot(version.xmin) || status(version.xmin) !== 'committed') return false;
  }
  if (version.xmax === INVALID_XID) return true;
  if (own !== undefined && version.xmax === own) return false;
  if (status(version.xmax) === 'aborted' || inSnapshot(version.xmax)) return true;
  return status(version.xmax) !== 'committed';
}

/** The engine's state as the lab draws it. `tables` names what to show (the engine does not list them). */
export function mvccDetail(engine: MvccEngine, tables: readonly TableSchema[], now: number): MvccLiveDetail {
  const xids = engine.xids;
  const status = (xid: Xid) => engine.status(xid);
  const next = engine.nextTransactionId();
  const txns = engine
    .transactions()
    .sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
  const running = txns
    .map((t) => t.xid)
    .filter((x): x is Xid => x !== undefined && status(x) === 'in progress');
  // GetSnapshotData for a statement starting now (by `own`, whose id is not in its own in-progress list).
  const snapshotNow = (own?: Xid): SnapshotView => {
    const others = running.filter((x) => x !== own).sort((a, b) => a - b);
    let xmin = next;
    for (const x of others) xmin = xids.min(xmin, x);
    return { xmin, xmax: next, xip: others };
  };
  const fresh = snapshotNow();
  const waits = engine.waitForGraph();
  const sessions: MvccSessionDetail[] = txns.map((t) => {
    const perStatement = t.level === 'read committed' || t.level === 'read uncommitted';
    // A READ COMMITTED statement's snapshot ends with it; the next one takes a new snapshot.
    const snapshot = t.snapshot ?? (perStatement ? snapshotNow(t.xid) : undefined);
    return {
      session: t.session,
      ...(t.xid !== undefined ? { xid: t.xid } : {}),
      level: t.level,
      state: t.state,
      ...(snapshot ? { snapshot } : {}),
      perStatement,
      work: t.work,
      doomed: t.doomed === true,
      waitsFor: waits.filter((w) => w.waiter === t.session).map((w) => w.holder),
    };
  });
  const viewers: { readonly name: string; readonly snapshot: SnapshotView; readonly own?: Xid }[] = [
    { name: 'now', snapshot: fresh },
    ...sessions.flatMap((s) =>
      s.snapshot && s.state === 'active'
        ? [{ name: s.session, snapshot: s.snapshot, ...(s.xid !== undefined ? { own: s.xid } : {}) }]
        : [],
    ),
  ];
  const tableDetails = tables.map((schema): MvccTableDetail => {
    const dead = engine.deadTuples(schema.name);
    const all = engine.tuples(schema.name);
    const perKey = new Map<number, number>();
    const shown: TupleView[] = [];
    for (let i = all.length - 1; i >= 0; i--) {
      const t = all[i] as TupleView;
      const key = keyOf(t.values, schema.key);
      const n = perKey.get(key) ?? 0;
      perKey.set(key, n + 1);
      if (n < VERSIONS_SHOWN) shown.push(t);
    }
    shown.reverse();
    return {
      name: schema.name,
      key: schema.key,
      columns: schema.columns,
      hidden: all.length - shown.length,
      versions: shown.map((t) => ({
        ...t,
        key: keyOf(t.values, schema.key),
        xminStatus: t.frozen ? 'frozen' : status(t.xmin),
        ...(t.xmax !== INVALID_XID ? { xmaxStatus: status(t.xmax) } : {}),
        visibleTo: viewers.filter((v) => visibleIn(t, v.snapshot, v.own, status, xids)).map((v) => v.name),
      })),
      dead: dead.dead,
      recentlyDead: dead.recentlyDead,
      live: dead.live,
    };
  });
  const clog: { xid: Xid; status: ClogStatus }[] = [];
  const assigned = Math.min(engine.stats.xidsAssigned, CLOG_SHOWN);
  for (let i = assigned; i >= 1; i--) {
    const xid = xids.add(next, -i);
    clog.push({ xid, status: status(xid) });
  }
  const stats = engine.stats;
  return {
    kind: 'mvcc',
    now,
    up: true,
    nextXid: next,
    oldestXmin: engine.oldestXmin(),
    clog,
    fresh,
    sessions,
    tables: tableDetails,
    waits,
    stats: {
      commits: stats.commits,
      aborts: stats.aborts,
      deadlocks: stats.deadlocks,
      serializationFailures: stats.serializationFailures,
      lockWaits: stats.lockWaits,
    },
  };
}

function keyOf(row: Row, key: string): number {
  const value = row[key];
  if (typeof value !== 'number') throw new Error(`row without an integer key '${key}'`);
  return value;
}

/**
 * Versions and VACUUM: a REPEATABLE READ transaction keeps its snapshot while row 1 is updated twice;
 * VACUUM must keep the versions it can still see, removes them once it ends, and removes the version an
 * aborted transaction left behind.
 */
export const vacuumStory: Script = {
  id: 'vacuum-story',
  title: 'Updates, a long REPEATABLE READ transaction, and VACUUM',
  tables: TEST_TABLES,
  steps: [
    [1, stmt.begin('repeatable read')],
    [1, stmt.select('test')],
    [2, stmt.update('test', { value: add(col('value'), 1) }, eq('id', 1))],
    [2, stmt.update('test', { value: add(col('value'), 1) }, eq('id', 1))],
    [3, stmt.begin('read committed')],
    [3, stmt.update('test', { value: 21 }, eq('id', 2))],
    [0, stmt.vacuum('test')],
    [1, stmt.select('test')],
    [1, stmt.commit()],
    [0, stmt.vacuum('test')],
    [3, stmt.rollback()],
    [0, stmt.vacuum('test')],
  ],
};

/** A script run on the engine, with the picture after every step (and one after the final read). */
export interface ScriptRun {
  readonly record: TestRecord;
  /** frames[i]: the engine after step i settled (every statement done or waiting for a lock). */
  readonly frames: readonly MvccLiveDetail[];
}

/** The engine target of the anomaly driver, taking a picture each time the world settles. */
class PicturedTarget extends EngineTarget {
  readonly frames: MvccLiveDetail[] = [];
  private tables: readonly TableSchema[] = [];
  private clock = 0;

  override async start(sessions: number, tables: NonNullable<Script['tables']>): Promise<void> {
    this.tables = tables.map((t) => t.schema);
    await super.start(sessions, tables);
  }

  override async sleep(ms: number): Promise<void> {
    this.clock += ms;
    await super.sleep(ms);
  }

  override async settle() {
    const results = await super.settle();
    this.frames.push(mvccDetail(this.engineNow, this.tables, this.clock));
    return results;
  }
}

/**
 * Runs a script (an anomaly test or a claim's experiment) on the engine through the same driver the
 * PostgreSQL comparison uses, keeping a picture per step. The driver is asynchronous only in form:
 * the engine target settles inside the simulator, so this finishes in one pass.
 */
export async function runScript(
  script: Script,
  level: IsolationLevel,
  engine: Partial<EngineOptions> = {},
): Promise<ScriptRun> {
  const target = new PicturedTarget(engine);
  const record = await runAnomalyTest(target, script, level);
  return { record, frames: target.frames.slice(0, record.steps.length) };
}

/** One worker of the job queue at one moment. */
export interface QueueWorkerState {
  readonly worker: string;
  /** waiting: blocked on another worker's row lock; working: holds a claimed job; idle: between jobs. */
  readonly state: 'waiting' | 'working' | 'idle' | 'finished';
  readonly job?: number;
  readonly waitsFor?: string;
}

export interface QueueSample {
  readonly at: number;
  readonly workers: readonly QueueWorkerState[];
  /** Job id → queued | claimed by a worker | done. */
  readonly jobs: readonly {
    readonly id: number;
    readonly status: 'queued' | 'claimed' | 'done';
    readonly by?: string;
  }[];
}

export interface QueueRun {
  readonly skipLocked: boolean;
  readonly samples: readonly QueueSample[];
  readonly drainedMs: number;
  readonly lockWaits: number;
  /** Jobs done more than once (none: a claim is a row lock held to commit). */
  readonly duplicates: number;
  readonly processed: number;
}

export const queueParams = { maxWorkers: 8, maxJobs: 40, maxWorkMs: 200 } as const;

/**
 * The job queue of the SKIP LOCKED claim: `workers` sessions each loop claiming the first queued job
 * (`SELECT … FOR UPDATE [SKIP LOCKED] ORDER BY id LIMIT 1`), working on it `workMs`, marking it done.
 * The state is sampled every `sampleMs` of virtual time.
 */
export function runJobQueue(options: {
  readonly workers: number;
  readonly jobs: number;
  readonly workMs: number;
  readonly skipLocked: boolean;
  readonly seed: number;
  readonly sampleMs?: number;
}): QueueRun {
  const { workers, jobs, workMs, skipLocked, seed } = options;
  if (!Number.isInteger(workers) || workers < 1 || workers > queueParams.maxWorkers)
    throw new RangeError(`workers must be a whole number from 1 to ${queueParams.maxWorkers}`);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > queueParams.maxJobs)
    throw new RangeError(`jobs must be a whole number from 1 to ${queueParams.maxJobs}`);
  if (!(workMs > 0 && workMs <= queueParams.maxWorkMs))
    throw new RangeError(`workMs must be in (0, ${queueParams.maxWorkMs}]`);
  const sampleMs = options.sampleMs ?? Math.max(1, workMs / 4);
  const schema: TableSchema = { name: 'jobs', columns: ['id', 'status'], key: 'id' };
  const params = mvccParams.parse({ sessions: workers, jitterMs: 1 });
  const cluster = buildMvccWorld(params, seed, 'hash', [
    { schema, rows: Array.from({ length: jobs }, (_, i) => ({ id: i + 1, status: 0 })) },
  ]);
  const stats = { processed: new Map<number, number>() };
  const programs = new Map<string, Program>();
  const finished = new Set<string>();
  for (const id of cluster.clients)
    programs.set(id, tracked(worker(skipLocked, workMs, stats), id, finished));
  const running = startPrograms(cluster, programs);
  const engine = cluster.server().engine;
  const samples: QueueSample[] = [];
  const sample = () => {
    const waits = engine.waitForGraph();
    const byXid = new Map<Xid, string>();
    for (const t of engine.transactions()) if (t.xid !== undefined) byXid.set(t.xid, t.session);
    const versions = mvccDetail(engine, [schema], cluster.world.now()).tables[0]?.versions ?? [];
    // A job's claim is a row lock (or the new version its worker wrote and has not committed yet).
    const claimedBy = new Map<string, number>();
    const jobStates = new Map<number, QueueSample['jobs'][number]>();
    for (const v of versions) {
      const locker = Object.keys(v.lockers)
        .map((x) => byXid.get(Number(x)))
        .find((s) => s !== undefined);
      const writer = v.xminStatus === 'in progress' ? byXid.get(v.xmin) : undefined;
      const by = locker ?? writer;
      if (by !== undefined) claimedBy.set(by, v.key);
      if (!v.visibleTo.includes('now')) continue;
      jobStates.set(v.key, { id: v.key, status: v.values.status !== 0 ? 'done' : 'queued' });
    }
    for (const [by, id] of claimedBy)
      if (jobStates.get(id)?.status === 'queued') jobStates.set(id, { id, status: 'claimed', by });
    const workerStates = cluster.clients.map((id): QueueWorkerState => {
      const wait = waits.find((w) => w.waiter === id);
      const job = claimedBy.get(id);
      if (wait) return { worker: id, state: 'waiting', waitsFor: wait.holder, ...(job ? { job } : {}) };
      if (job !== undefined) return { worker: id, state: 'working', job };
      return { worker: id, state: finished.has(id) ? 'finished' : 'idle' };
    });
    samples.push({
      at: cluster.world.now(),
      workers: workerStates,
      jobs: [...jobStates.values()].sort((a, b) => a.id - b.id),
    });
  };
  const limitMs = 60_000;
  sample();
  while (running() > 0 && cluster.world.now() < limitMs) {
    cluster.world.runFor(sampleMs);
    sample();
  }
  return {
    skipLocked,
    samples,
    drainedMs: Math.round(cluster.world.now()),
    lockWaits: engine.stats.lockWaits,
    duplicates: [...stats.processed.values()].filter((n) => n > 1).length,
    processed: stats.processed.size,
  };
}

/** A program that notes its end (the worker found no queued job left). */
function* tracked(program: Program, id: string, finished: Set<string>): Program {
  yield* program;
  finished.add(id);
}
