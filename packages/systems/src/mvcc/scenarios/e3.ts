/** E3 claims: MVCC and isolation levels, each measured on the engine (the PostgreSQL side is in tests). */
import type { Scenario, ScenarioResult } from '../../contract';
import { anomalyTests, TESTED_LEVELS, TEST_TABLE } from '../anomalies';
import { EngineTarget, runAnomalyTest, type StepRecord, type TestRecord } from '../driver';
import { MvccEngine } from '../engine';
import { experiments, type Experiment } from '../experiments';
import { documentedOutcomes, summarize } from '../outcomes';
import { eq, stmt, type IsolationLevel, type Row, type Statement, type StatementResult } from '../statements';
import type { EngineOptions, MvccMutant } from '../types';

const rows = ['E3'];

export async function recordOf(
  experiment: Experiment,
  level: IsolationLevel,
  engine: Partial<EngineOptions> = {},
): Promise<TestRecord> {
  return runAnomalyTest(
    new EngineTarget({ deadlockTimeoutMs: experiment.deadlockTimeoutMs ?? 1000, ...engine }),
    experiment,
    level,
  );
}

export const step = (record: TestRecord, index: number): StepRecord => {
  const found = record.steps[index];
  if (!found) throw new Error(`${record.id} has no step ${index}`);
  return found;
};

const value = (r: StepRecord, column: string): number | undefined => {
  const first = r.rows?.[0]?.[column];
  return typeof first === 'number' ? first : undefined;
};

const short: Record<IsolationLevel, string> = {
  'read uncommitted': 'RU',
  'read committed': 'RC',
  'repeatable read': 'RR',
  serializable: 'SER',
};

/** A harness-side engine with a manual clock, for scenarios that need no network. */
export class DirectEngine {
  readonly engine: MvccEngine;
  private time = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();
  private nextTimer = 1;
  private readonly results = new Map<string, StatementResult>();

  constructor(options: Partial<EngineOptions> = {}) {
    this.engine = new MvccEngine(
      {
        now: () => this.time,
        setTimer: (ms, fire) => {
          const id = this.nextTimer++;
          this.timers.set(id, { at: this.time + ms, fire });
          return id;
        },
        clearTimer: (id) => {
          this.timers.delete(id);
        },
      },
      options,
    );
  }

  session(id: string): void {
    this.engine.openSession(id, (result) => this.results.set(id, result));
  }

  /** Runs a statement; returns its result, or undefined while it waits. */
  run(session: string, statement: Statement): StatementResult | undefined {
    this.results.delete(session);
    this.engine.execute(session, statement);
    return this.results.get(session);
  }

  result(session: string): StatementResult | undefined {
    return this.results.get(session);
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fire();
    }
    this.time = until;
  }
}

const readersWriters: Scenario = {
  id: 'readers-writers',
  title: 'Plain readers never block writers, writers never block readers',
  claim:
    'Plain readers never block writers and writers never block readers (SELECT … FOR UPDATE/SHARE and DDL still block).',
  expected: 'holds',
  rows,
  async run(): Promise<ScenarioResult> {
    let plainBlocked = 0;
    let plainStatements = 0;
    let lockingBlocked = 0;
    const table: (string | number)[][] = [];
    for (const level of TESTED_LEVELS) {
      const r = await recordOf(experiments.readersWriters, level);
      const plain = [step(r, 2), step(r, 3), step(r, 4)];
      plainStatements += plain.length;
      plainBlocked += plain.filter((s) => s.blocked).length;
      const locking = step(r, 5);
      if (locking.blocked) lockingBlocked++;
      table.push([
        short[level],
        plain.filter((s) => s.blocked).length,
        locking.blocked ? `blocked until step ${locking.unblockedBy}` : 'no',
        locking.error ?? (locking.rows ?? []).map((row) => row.value).join(','),
      ]);
    }
    const ddl = await recordOf(experiments.ddlBlocksReaders, 'read committed');
    const ddlBlocked = step(ddl, 2).blocked ? 1 : 0;
    const holds = plainBlocked === 0 && lockingBlocked === TESTED_LEVELS.length && ddlBlocked === 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `${plainBlocked} of ${plainStatements} plain reads and writes blocked while another transaction read or wrote the row; SELECT … FOR SHARE on the row being updated blocked at ${lockingBlocked} of ${TESTED_LEVELS.length} levels until the writer committed; a plain SELECT during an uncommitted ALTER TABLE … ADD COLUMN ${ddlBlocked ? `blocked until step ${String(step(ddl, 2).unblockedBy)} (the rollback)` : 'did not block'}.`,
      measurements: { plainBlocked, plainStatements, lockingBlocked, blockedByDdl: ddlBlocked },
      tables: [
        {
          title: 'reader snapshot, writer updates row 1, reader reads row 1, then locks it FOR SHARE',
          columns: ['level', 'plain statements blocked', 'FOR SHARE blocked', 'FOR SHARE returned'],
          rows: table,
        },
      ],
    };
  },
};

const updateVersions: Scenario = {
  id: 'update-versions-vacuum',
  title: 'An UPDATE writes a version; a long transaction keeps dead versions from VACUUM',
  claim:
    "An UPDATE writes a new version and stamps the old one's xmax; the old one becomes dead once no snapshot can see it; long transactions stop VACUUM from removing it.",
  expected: 'holds',
  rows,
  run({ quick }): ScenarioResult {
    const updates = quick ? 50 : 500;
    const db = new DirectEngine();
    db.engine.createTable(TEST_TABLE, [
      { id: 1, value: 10 },
      { id: 2, value: 20 },
    ]);
    db.session('writer');
    db.session('report');
    db.run('writer', stmt.update('test', { value: 11 }, eq('id', 1)));
    const versions = db.engine.tuples('test').filter((t) => t.values.id === 1);
    const old = versions.find((t) => t.next !== undefined);
    const fresh = versions.find((t) => t.next === undefined);
    const stamped = old !== undefined && fresh !== undefined && old.xmax === fresh.xmin ? 1 : 0;
    // With no snapshot older than the update, the old version is dead and VACUUM removes it.
    const first = db.engine.vacuum('test', false);
    // A long REPEATABLE READ transaction takes its snapshot, then many updates follow.
    db.run('report', stmt.begin('repeatable read'));
    db.run('report', stmt.select('test'));
    for (let i = 0; i < updates; i++) db.run('writer', stmt.update('test', { value: 100 + i }, eq('id', 2)));
    const held = db.engine.vacuum('test', false);
    const reportSees = db.run('report', stmt.select('test', eq('id', 2)))?.rows?.[0]?.value;
    db.run('report', stmt.commit());
    const after = db.engine.vacuum('test', false);
    const holds =
      stamped === 1 &&
      first.removed === 1 &&
      held.removed <= 1 &&
      held.keptRecentlyDead >= updates - 1 &&
      after.removed >= updates - 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `The UPDATE left 2 versions of row 1, the old one's xmax = the new one's xmin (${stamped ? 'yes' : 'no'}); VACUUM removed ${first.removed}. With a REPEATABLE READ report open across ${updates} updates of row 2, VACUUM removed ${held.removed} and kept ${held.keptRecentlyDead} dead versions (the report still read value ${String(reportSees)}); after it committed VACUUM removed ${after.removed}.`,
      measurements: {
        updates,
        xmaxStamped: stamped,
        removedNoSnapshot: first.removed,
        removedWhileLongTxn: held.removed,
        keptWhileLongTxn: held.keptRecentlyDead,
        removedAfterCommit: after.removed,
      },
      tables: [
        {
          title: 'VACUUM of test',
          columns: ['moment', 'removed', 'kept (recently dead)', 'oldest xmin'],
          rows: [
            [
              'after one update, no other transaction',
              first.removed,
              first.keptRecentlyDead,
              first.oldestXmin,
            ],
            [`long RR report open, ${updates} updates`, held.removed, held.keptRecentlyDead, held.oldestXmin],
            ['report committed', after.removed, after.keptRecentlyDead, after.oldestXmin],
          ],
        },
      ],
    };
  },
};

const readUncommitted: Scenario = {
  id: 'read-uncommitted',
  title: 'READ UNCOMMITTED in PostgreSQL',
  claim: 'READ UNCOMMITTED allows dirty reads.',
  expected: 'partly',
  corrected:
    'The SQL standard allows dirty reads at READ UNCOMMITTED, but PostgreSQL runs it as READ COMMITTED: a dirty read never happens.',
  rows,
  async run(): Promise<ScenarioResult> {
    const ours = await recordOf(experiments.readUncommitted, 'read uncommitted');
    const seen = value(step(ours, 3), 'value');
    // What the standard permits, shown by a snapshot that sees uncommitted writes (the dirty-snapshot mutant).
    const permitted = await recordOf(experiments.readUncommitted, 'read uncommitted', {
      mutant: 'dirty-snapshot',
    });
    const permittedSeen = value(step(permitted, 3), 'value');
    const dirty = seen === 101 ? 1 : 0;
    const dirtyPermitted = permittedSeen === 101 ? 1 : 0;
    return {
      observed: dirty === 0 && dirtyPermitted === 1 ? 'partly' : dirty === 1 ? 'holds' : 'fails',
      summary: `At READ UNCOMMITTED the second session read value ${String(seen)} while the first had written 101 and not committed (dirty reads: ${dirty}); an engine reading uncommitted data, as the standard allows, read ${String(permittedSeen)}.`,
      measurements: { dirtyReadsPostgresRules: dirty, dirtyReadsStandardAllows: dirtyPermitted },
      counterexample: { steps: ours.steps.map((s) => s.sql) },
    };
  },
};

const phantomCount: Scenario = {
  id: 'repeatable-read-phantom',
  title: 'A repeated COUNT under REPEATABLE READ',
  claim: 'Under REPEATABLE READ a repeated COUNT sees a concurrent insert (phantom).',
  expected: 'fails',
  corrected:
    "PostgreSQL's REPEATABLE READ is snapshot isolation: the second COUNT uses the same snapshot and does not change; only READ COMMITTED sees the insert.",
  rows,
  async run(): Promise<ScenarioResult> {
    const counts: Record<string, [number | undefined, number | undefined]> = {};
    for (const level of TESTED_LEVELS) {
      const r = await recordOf(experiments.phantomCount, level);
      counts[short[level]] = [value(step(r, 1), 'count'), value(step(r, 3), 'count')];
    }
    const rr = counts.RR ?? [undefined, undefined];
    const rc = counts.RC ?? [undefined, undefined];
    const phantomAtRR = rr[0] !== rr[1] ? 1 : 0;
    return {
      observed: phantomAtRR === 1 ? 'holds' : 'fails',
      summary: `REPEATABLE READ counted ${String(rr[0])} then ${String(rr[1])} with an order inserted and committed between; READ COMMITTED counted ${String(rc[0])} then ${String(rc[1])}.`,
      measurements: {
        rrFirst: rr[0] ?? -1,
        rrSecond: rr[1] ?? -1,
        rcFirst: rc[0] ?? -1,
        rcSecond: rc[1] ?? -1,
        phantomAtRR,
      },
      tables: [
        {
          columns: ['level', 'first count', 'second count'],
          rows: Object.entries(counts).map(([level, [a, b]]) => [level, a ?? null, b ?? null]),
        },
      ],
    };
  },
};

const oncallAfter = (r: TestRecord): number => r.final.filter((row: Row) => row.oncall === 1).length;

const writeSkew: Scenario = {
  id: 'write-skew',
  title: 'Write skew: the on-call doctors',
  claim:
    'Snapshot isolation allows write skew (two on-call doctors both go off call); SERIALIZABLE (SSI) aborts one with a serialization failure that must be retried.',
  expected: 'holds',
  rows,
  async run(): Promise<ScenarioResult> {
    const rr = await recordOf(experiments.doctors, 'repeatable read');
    const ser = await recordOf(experiments.doctors, 'serializable');
    const failures = ser.steps.filter((s) => s.error === '40001').length;
    const holds = oncallAfter(rr) === 0 && oncallAfter(ser) === 1 && failures === 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `Each doctor counted ${String(value(step(rr, 2), 'count'))} on call and went off call: under REPEATABLE READ both committed, leaving ${oncallAfter(rr)} on call; under SERIALIZABLE ${failures} commit failed with 40001 (${summarize(ser).split(' | ')[0]}), leaving ${oncallAfter(ser)} on call until the retry re-checks.`,
      measurements: {
        onCallAfterRR: oncallAfter(rr),
        onCallAfterSerializable: oncallAfter(ser),
        serializationFailures: failures,
      },
    };
  },
};

const forUpdateSkew: Scenario = {
  id: 'for-update-write-skew',
  title: 'Fixing write skew with SELECT … FOR UPDATE',
  claim: 'Fix write skew with SELECT … FOR UPDATE.',
  expected: 'partly',
  corrected:
    'FOR UPDATE fixes it only when both transactions lock the same existing rows; when the conflict is a row that does not exist yet (a booking), there is nothing to lock: it needs SERIALIZABLE or a constraint.',
  rows,
  async run(): Promise<ScenarioResult> {
    const doctorsRC = await recordOf(experiments.doctorsForUpdate, 'read committed');
    const doctorsRR = await recordOf(experiments.doctorsForUpdate, 'repeatable read');
    const second = step(doctorsRC, 3);
    const secondSeesOnCall = second.rows?.length ?? -1;
    const bookingRR = await recordOf(experiments.bookingPhantom, 'repeatable read');
    const bookingRC = await recordOf(experiments.bookingPhantom, 'read committed');
    const bookingSER = await recordOf(experiments.bookingPhantom, 'serializable');
    const doubleBookedRR = bookingRR.final.length;
    const doubleBookedRC = bookingRC.final.length;
    const bookedSER = bookingSER.final.length;
    const fixedExisting = second.blocked && secondSeesOnCall === 1 && step(doctorsRR, 3).error === '40001';
    const phantomEscapes = doubleBookedRR === 2 && doubleBookedRC === 2 && bookedSER === 1;
    return {
      observed: fixedExisting && phantomEscapes ? 'partly' : fixedExisting ? 'holds' : 'fails',
      summary: `Doctors: the second FOR UPDATE ${second.blocked ? 'waited' : 'did not wait'} for the first and then saw ${secondSeesOnCall} doctor on call at READ COMMITTED (40001 at REPEATABLE READ: ${step(doctorsRR, 3).error ?? 'none'}), so it stays on call. Booking room 1: both FOR UPDATE checks found no row to lock and both inserted: ${doubleBookedRC} bookings at RC, ${doubleBookedRR} at RR; SERIALIZABLE kept ${bookedSER}.`,
      measurements: {
        secondDoctorSeesOnCall: secondSeesOnCall,
        bookingsRC: doubleBookedRC,
        bookingsRR: doubleBookedRR,
        bookingsSerializable: bookedSER,
      },
    };
  },
};

const sold = (r: TestRecord, updateSteps: readonly number[], commitSteps: readonly number[]): number => {
  let count = 0;
  updateSteps.forEach((u, i) => {
    const c = commitSteps[i] as number;
    if (step(r, u).rowCount === 1 && step(r, c).tag === 'COMMIT') count++;
  });
  return count;
};

const oversell: Scenario = {
  id: 'oversell',
  title: 'Two buyers of the last item',
  claim:
    'Under READ COMMITTED two buyers read stock 1 and both decrement: oversell. SELECT … FOR UPDATE or SERIALIZABLE prevents it.',
  expected: 'holds',
  rows,
  async run(): Promise<ScenarioResult> {
    const rc = await recordOf(experiments.oversell, 'read committed');
    const ser = await recordOf(experiments.oversell, 'serializable');
    const lockRC = await recordOf(experiments.oversellForUpdate, 'read committed');
    const soldRC = sold(rc, [4, 5], [6, 7]);
    const soldSER = sold(ser, [4, 5], [6, 7]);
    const secondSawAfterLock = value(step(lockRC, 3), 'qty');
    const holds = soldRC === 2 && soldSER === 1 && secondSawAfterLock === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `Stock 1, two buyers: READ COMMITTED sold ${soldRC}; SERIALIZABLE sold ${soldSER} (the second failed with ${step(ser, 5).error ?? 'nothing'}); with FOR UPDATE the second buyer waited and then read stock ${String(secondSawAfterLock)}.`,
      measurements: { soldRC, soldSerializable: soldSER, stockSeenAfterForUpdate: secondSawAfterLock ?? -1 },
    };
  },
};

const atomicDecrement: Scenario = {
  id: 'atomic-decrement-queues',
  title: 'UPDATE … SET q = q − 1 WHERE q >= 1 at READ COMMITTED',
  claim: '`UPDATE … SET q = q - 1 WHERE q >= 1` avoids locking entirely.',
  expected: 'partly',
  corrected:
    'It prevents oversell at READ COMMITTED (the WHERE is re-checked on the new version) but still takes a row lock: concurrent buyers of a hot item queue behind it.',
  rows,
  run({ quick }): ScenarioResult {
    const buyers = quick ? 8 : 32;
    const stock = buyers / 2;
    const db = new DirectEngine();
    db.engine.createTable({ name: 'stock', columns: ['id', 'qty'], key: 'id' }, [{ id: 1, qty: stock }]);
    const ids = Array.from({ length: buyers }, (_, i) => `b${i + 1}`);
    for (const id of ids) {
      db.session(id);
      db.run(id, stmt.begin('read committed'));
    }
    let blocked = 0;
    const decrement = stmt.update(
      'stock',
      { qty: { op: '-', left: { col: 'qty' }, right: 1 } },
      {
        op: 'and',
        preds: [eq('id', 1), { op: '>=', left: { col: 'qty' }, right: 1 }],
      },
    );
    for (const id of ids) if (db.run(id, decrement) === undefined) blocked++;
    const maxQueue = ids.filter((other) => db.engine.isWaiting(other)).length;
    for (const id of ids) db.run(id, stmt.commit());
    const final = db.engine.committedRows('stock')[0]?.qty;
    const soldCount = stock - (typeof final === 'number' ? final : 0);
    const holds = soldCount === stock && blocked === buyers - 1;
    return {
      observed: holds ? 'partly' : 'fails',
      summary: `${buyers} buyers of ${stock} items ran the conditional decrement at once: ${soldCount} sold (no oversell, final stock ${String(final)}), and ${blocked} of them waited on the row lock of the first (a queue of ${maxQueue}).`,
      measurements: {
        buyers,
        stock,
        sold: soldCount,
        blocked,
        finalStock: typeof final === 'number' ? final : -1,
      },
    };
  },
};

const atomicSerializable: Scenario = {
  id: 'atomic-decrement-serializable',
  title: 'The conditional decrement under REPEATABLE READ and SERIALIZABLE',
  claim: 'The atomic decrement removes SERIALIZABLE contention without lowering isolation.',
  expected: 'fails',
  corrected:
    'Under REPEATABLE READ and SERIALIZABLE the second concurrent updater of the row fails with a serialization error (40001) and must retry; only READ COMMITTED re-checks and continues.',
  rows,
  async run(): Promise<ScenarioResult> {
    const out: Record<string, string> = {};
    let failures = 0;
    for (const level of TESTED_LEVELS) {
      const r = await recordOf(experiments.atomicDecrement, level);
      const second = step(r, 3);
      if (second.error === '40001') failures++;
      out[short[level]] = second.error
        ? `error ${second.error}`
        : `updated ${String(second.rowCount)} row(s)`;
    }
    return {
      observed: failures === 2 ? 'fails' : 'holds',
      summary: `The second buyer's decrement, after waiting for the first: RC ${out.RC}, RR ${out.RR}, SERIALIZABLE ${out.SER}.`,
      measurements: { serializationFailures: failures },
      tables: [{ columns: ['level', 'second buyer'], rows: Object.entries(out) }],
    };
  },
};

const report: Scenario = {
  id: 'report-snapshot',
  title: 'A report while orders commit',
  claim: 'A report at READ COMMITTED sees orders commit mid-query.',
  expected: 'partly',
  corrected:
    'A single statement already reads one snapshot, at any level; only a report of several statements at READ COMMITTED sees orders that commit between them, and needs REPEATABLE READ.',
  rows,
  async run(): Promise<ScenarioResult> {
    const table: (string | number | null)[][] = [];
    let inconsistentSingle = 0;
    let inconsistentMulti = 0;
    let rrInconsistent = 0;
    for (const level of TESTED_LEVELS) {
      const r = await recordOf(experiments.report, level);
      const single = step(r, 1).rows ?? [];
      const singleSum = single.reduce(
        (sum, row) => sum + (typeof row.amount === 'number' ? row.amount : 0),
        0,
      );
      const count = value(step(r, 2), 'count') ?? 0;
      const sum = value(step(r, 4), 'sum') ?? 0;
      // Orders are 10, 20, 30: a consistent (count, sum) pair is (2, 30) or (3, 60).
      const consistent = (count === 2 && sum === 30) || (count === 3 && sum === 60);
      if (!consistent) {
        if (level === 'read committed') inconsistentMulti++;
        else rrInconsistent++;
      }
      if (!(single.length === 2 && singleSum === 30)) inconsistentSingle++;
      table.push([short[level], `${single.length} rows, sum ${singleSum}`, count, sum]);
    }
    const partly = inconsistentSingle === 0 && inconsistentMulti === 1 && rrInconsistent === 0;
    return {
      observed: partly ? 'partly' : 'fails',
      summary: `One SELECT read a consistent set at every level; a count then a sum with an order committed between disagreed at READ COMMITTED (${inconsistentMulti}) and agreed at REPEATABLE READ and SERIALIZABLE (${rrInconsistent} disagreements).`,
      measurements: {
        inconsistentSingleStatement: inconsistentSingle,
        inconsistentAtRC: inconsistentMulti,
        inconsistentAtRRorSER: rrInconsistent,
      },
      tables: [
        { columns: ['level', 'one statement', 'count (2nd statement)', 'sum (3rd statement)'], rows: table },
      ],
    };
  },
};

const anomalySuite: Scenario = {
  id: 'anomaly-suite',
  title: 'The standard anomaly tests, level by level',
  claim:
    'The standard anomaly tests G0, G1a, G1b, G1c, OTV, PMP, P4, G-single, G2-item, G2 give the same outcome on our engine and on PostgreSQL, level by level.',
  expected: 'holds',
  rows,
  async run({ quick }): Promise<ScenarioResult> {
    const tests = quick ? anomalyTests.filter((_, i) => i % 2 === 0) : anomalyTests;
    let same = 0;
    let runs = 0;
    const differing: string[] = [];
    const table: string[][] = [];
    for (const test of tests) {
      const line: string[] = [test.id];
      for (const level of TESTED_LEVELS) {
        const got = summarize(await runAnomalyTest(new EngineTarget(), test, level));
        runs++;
        const ok = got === documentedOutcomes[test.id]?.[level];
        if (ok) same++;
        else differing.push(`${test.id} at ${level}`);
        line.push(
          ok
            ? got.includes('40001')
              ? 'same (40001)'
              : got.includes('blocked')
                ? 'same (waits)'
                : 'same'
            : 'DIFFERENT',
        );
      }
      table.push(line);
    }
    return {
      observed: same === runs ? 'holds' : 'fails',
      summary: `${same} of ${runs} test runs gave PostgreSQL 15's outcome (rows read, waits and what released them, SQLSTATEs, final table)${differing.length > 0 ? `; different: ${differing.join(', ')}` : ''}. The PostgreSQL tests run the same suite on a real server and require identical records.`,
      measurements: { runs, same },
      tables: [{ columns: ['test', 'RC', 'RR', 'SERIALIZABLE'], rows: table }],
    };
  },
};

const wraparound: Scenario = {
  id: 'wraparound',
  title: 'Transaction-id wraparound in a small id space',
  claim: 'Past autovacuum_freeze_max_age, PostgreSQL refuses connections.',
  expected: 'fails',
  corrected:
    'Past autovacuum_freeze_max_age only an anti-wraparound VACUUM is forced; much nearer wraparound (3 million ids before it) the server refuses commands that need a new transaction id, while connections and read-only queries still work. VACUUM FREEZE lifts it.',
  rows,
  run(): ScenarioResult {
    // An id space of 2^16: wraparound is 32,768 ids away; the limits scaled down from PostgreSQL's.
    const options: Partial<EngineOptions> = {
      xidSpace: 2 ** 16,
      freezeMaxAge: 3_000,
      warnMargin: 600,
      stopMargin: 50,
      freezeMinAge: 500,
    };
    const db = new DirectEngine(options);
    db.engine.createTable(TEST_TABLE, []);
    db.session('app');
    db.run('app', stmt.insert('test', { id: 1, value: 10 })); // an unfrozen row with an old xmin
    db.engine.burnXids(3_100); // past freezeMaxAge
    const vacuumDue = db.engine.antiWraparoundVacuumDue ? 1 : 0;
    db.session('late');
    const readAfterMaxAge = db.run('late', stmt.select('test'))?.rows?.length ?? -1;
    const writeAfterMaxAge = db.run('late', stmt.update('test', { value: 11 }, eq('id', 1)))?.error ? 0 : 1;
    // Consume ids until the server refuses (without vacuuming).
    let burned = 0;
    try {
      for (;;) {
        db.engine.burnXids(100);
        burned += 100;
        if (burned > 40_000) break;
      }
    } catch {
      /* refused */
    }
    const left = db.engine.xidsUntilWraparound();
    const write = db.run('late', stmt.update('test', { value: 12 }, eq('id', 1)));
    const refusedCode = write?.error?.code ?? 'none';
    db.session('newcomer');
    const newConnectionRead = db.run('newcomer', stmt.select('test'))?.rows?.length ?? -1;
    const warnings = db.engine.stats.wraparoundWarnings;
    db.run('late', stmt.vacuum('test', true));
    const afterFreeze = db.run('late', stmt.update('test', { value: 13 }, eq('id', 1)));
    const writeAfterFreeze = afterFreeze?.error ? 0 : 1;
    // Without the refusal, an unfrozen row whose xmin falls half the space behind looks like the future.
    const unprotected = new DirectEngine({ ...options, wraparoundProtection: false });
    unprotected.engine.createTable(TEST_TABLE, []);
    unprotected.session('app');
    unprotected.run('app', stmt.insert('test', { id: 1, value: 10 }));
    unprotected.engine.burnXids(2 ** 15 + 10);
    const visibleAfterWrap = unprotected.run('app', stmt.select('test'))?.rows?.length ?? -1;
    const fails =
      vacuumDue === 1 &&
      readAfterMaxAge === 1 &&
      writeAfterMaxAge === 1 &&
      refusedCode === '54000' &&
      newConnectionRead === 1;
    return {
      observed: fails ? 'fails' : 'holds',
      summary: `Id space 2^16 (wraparound 32,768 ids ahead), freeze_max_age 3,000, stop margin 50. Past freeze_max_age: anti-wraparound vacuum due = ${vacuumDue}, a new session still read ${readAfterMaxAge} row and wrote (${writeAfterMaxAge}). ${burned} ids later, with ${left} ids left, writes failed with ${refusedCode} while a new session still read ${newConnectionRead} row (${warnings} warnings before). VACUUM FREEZE made writes work again (${writeAfterFreeze}). Without the refusal, after ${2 ** 15 + 10} ids the unfrozen row was visible to ${visibleAfterWrap} of 1 readers: it appeared to be in the future.`,
      measurements: {
        antiWraparoundVacuumDue: vacuumDue,
        readAfterFreezeMaxAge: readAfterMaxAge,
        writeAfterFreezeMaxAge: writeAfterMaxAge,
        idsLeftWhenRefused: left,
        readWhenRefused: newConnectionRead,
        writeAfterVacuumFreeze: writeAfterFreeze,
        rowsVisibleAfterUnprotectedWrap: visibleAfterWrap,
        warnings,
      },
    };
  },
};

export const e3Scenarios: readonly Scenario[] = [
  readersWriters,
  updateVersions,
  readUncommitted,
  phantomCount,
  writeSkew,
  forUpdateSkew,
  oversell,
  atomicDecrement,
  atomicSerializable,
  report,
  anomalySuite,
  wraparound,
];

/** The mutants the anomaly suite must flag: each differs from PostgreSQL's record somewhere. */
export async function suiteDifferences(mutant: MvccMutant): Promise<string[]> {
  const out: string[] = [];
  for (const test of anomalyTests)
    for (const level of TESTED_LEVELS) {
      const got = summarize(await runAnomalyTest(new EngineTarget({ mutant }), test, level));
      if (got !== documentedOutcomes[test.id]?.[level]) out.push(`${test.id} at ${level}`);
    }
  return out;
}
