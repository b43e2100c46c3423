/**
 * One driver for the anomaly tests, against any target: our engine in the simulator, or a real
 * PostgreSQL (the target lives in the tests, where a server can be started). Per step it records the
 * rows returned, whether the statement blocked and which step unblocked it, the error's SQLSTATE, and
 * at the end the committed table, so two targets' records can be compared field by field.
 */
import { TEST_TABLES, type Script, type Sleep } from './anomalies';
import { buildMvccWorld, mvccParams } from './cluster';
import {
  toSql,
  stmt,
  type IsolationLevel,
  type Row,
  type Statement,
  type StatementResult,
} from './statements';
import type { EngineOptions } from './types';

export interface StepRecord {
  readonly step: number;
  readonly session: number;
  readonly sql: string;
  /** The statement had not completed when the next step started. */
  readonly blocked: boolean;
  /** The step after which a blocked statement completed. */
  readonly unblockedBy?: number;
  /** PostgreSQL's command tag (COMMIT in a failed block answers ROLLBACK). */
  readonly tag?: string;
  /** Rows returned (sorted, unless the statement orders them). */
  readonly rows?: readonly Row[];
  /** Rows written by INSERT, UPDATE, DELETE. */
  readonly rowCount?: number;
  /** SQLSTATE of the error, when the statement failed. */
  readonly error?: string;
}

export interface TestRecord {
  readonly id: string;
  readonly level: IsolationLevel;
  readonly steps: readonly StepRecord[];
  /** Every row of the first table after the test, read by a fresh session. */
  readonly final: readonly Row[];
}

/** What the driver needs from a database. */
export interface AnomalyTarget {
  /** Fresh tables holding their rows, and sessions 0…`sessions`. */
  start(sessions: number, tables: NonNullable<Script['tables']>): Promise<void>;
  submit(session: number, statement: Statement): void;
  /** Lets `ms` pass (virtual time for the engine, real time for a server). */
  sleep(ms: number): Promise<void>;
  /**
   * Returns once every submitted statement has either completed or is waiting for a lock, with the
   * results of those that completed since the last call.
   */
  settle(): Promise<ReadonlyMap<number, StatementResult>>;
  stop(): Promise<void>;
}

export function sortRows(rows: readonly Row[]): Row[] {
  const key = (row: Row) =>
    JSON.stringify(
      Object.keys(row)
        .sort()
        .map((k) => row[k]),
    );
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The statement with the run's level put into its BEGIN. */
function withLevel(statement: Statement | Sleep, level: IsolationLevel): Statement | Sleep {
  if (statement.kind === 'sleep') return statement;
  return statement.kind === 'begin' && statement.level === undefined
    ? stmt.begin(level, statement.readOnly)
    : statement;
}

function describeResult(statement: Statement, result: StatementResult): Partial<StepRecord> {
  if (result.error) return { error: result.error.code };
  const writes = statement.kind === 'insert' || statement.kind === 'update' || statement.kind === 'delete';
  const ordered = statement.kind === 'select' && statement.orderBy !== undefined;
  return {
    tag: result.tag,
    ...(result.rows ? { rows: ordered ? result.rows : sortRows(result.rows) } : {}),
    ...(writes ? { rowCount: result.rowCount ?? 0 } : {}),
  };
}

export async function runAnomalyTest(
  target: AnomalyTarget,
  test: Script,
  level: IsolationLevel,
): Promise<TestRecord> {
  const sessions = Math.max(...test.steps.map(([s]) => s));
  const tables = test.tables ?? TEST_TABLES;
  await target.start(sessions, tables);
  const records: { -readonly [K in keyof StepRecord]: StepRecord[K] }[] = [];
  const inFlight = new Map<number, number>(); // session → step
  const take = (results: ReadonlyMap<number, StatementResult>, now: number) => {
    for (const [session, result] of results) {
      const step = inFlight.get(session);
      if (step === undefined) continue;
      inFlight.delete(session);
      const record = records[step];
      if (!record) continue;
      Object.assign(record, describeResult(test.steps[step]?.[1] as Statement, result));
      if (step !== now) {
        record.blocked = true;
        record.unblockedBy = now;
      }
    }
  };
  try {
    for (let i = 0; i < test.steps.length; i++) {
      const [session, original] = test.steps[i] as readonly [number, Statement | Sleep];
      const statement = withLevel(original, level);
      if (statement.kind === 'sleep') {
        records.push({ step: i, session, sql: `-- ${statement.ms} ms pass`, blocked: false });
        await target.sleep(statement.ms);
        take(await target.settle(), i);
        continue;
      }
      records.push({ step: i, session, sql: toSql(statement), blocked: false });
      if (inFlight.has(session)) {
        Object.assign(records[i] as StepRecord, { error: 'session still blocked' });
        continue;
      }
      inFlight.set(session, i);
      target.submit(session, statement);
      take(await target.settle(), i);
      for (const [, step] of inFlight) if (step === i) (records[i] as { blocked: boolean }).blocked = true;
    }
    target.submit(0, stmt.select((tables[0] as (typeof tables)[number]).schema.name));
    inFlight.set(0, -1);
    const last = await target.settle();
    const final = last.get(0)?.rows ?? [];
    for (const [, step] of inFlight)
      if (step >= 0) Object.assign(records[step] as StepRecord, { error: 'never completed' });
    return { id: test.id, level, steps: records, final: sortRows(final) };
  } finally {
    await target.stop();
  }
}

/** Our engine as the target: sessions are client nodes of a simulated world, statements are messages. */
export class EngineTarget implements AnomalyTarget {
  private cluster: ReturnType<typeof buildMvccWorld> | undefined;
  private results = new Map<number, StatementResult>();
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly engine: Partial<EngineOptions> = {},
    private readonly seed = 1,
  ) {}

  async start(sessions: number, tables: NonNullable<Script['tables']>): Promise<void> {
    const params = mvccParams.parse({ sessions: sessions + 1, jitterMs: 0 });
    const ids = Array.from({ length: sessions + 1 }, (_, i) => `s${i}`);
    this.cluster = buildMvccWorld(params, this.seed, 'hash', tables, ids, this.engine);
  }

  async sleep(ms: number): Promise<void> {
    this.world.world.runFor(ms);
  }

  private get world() {
    if (!this.cluster) throw new Error('target not started');
    return this.cluster;
  }

  submit(session: number, statement: Statement): void {
    this.inFlight.add(session);
    this.world.client(`s${session}`).submit(statement, (result) => {
      this.inFlight.delete(session);
      this.results.set(session, result);
    });
  }

  async settle(): Promise<ReadonlyMap<number, StatementResult>> {
    const cluster = this.world;
    const engine = cluster.server().engine;
    cluster.world.runUntilCondition(() => [...this.inFlight].every((s) => engine.isWaiting(`s${s}`)), 60_000);
    const done = this.results;
    this.results = new Map();
    return done;
  }

  async stop(): Promise<void> {
    // Nothing outlives the world.
  }

  /** The engine after the run, for inspection. */
  get engineNow() {
    return this.world.server().engine;
  }

  get traceHash(): string {
    return this.world.world.traceHash();
  }
}
