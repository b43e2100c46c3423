/**
 * Real PostgreSQL as an anomaly-test target: one connection per session, statements rendered to SQL by
 * the same API the engine executes, and a monitor connection that tells a statement waiting for a lock
 * (pg_blocking_pids is not empty) from one still running.
 */
import { wallSleep, type PostgresClient } from '@dslab/runtime/testing';
import type { Script } from '../anomalies';
import type { AnomalyTarget } from '../driver';
import type { Program } from '../programs';
import {
  createTableSql,
  stmt,
  toSql,
  type Row,
  type Statement,
  type StatementResult,
  type TableSchema,
  type Value,
} from '../statements';

interface Pending {
  readonly pid: number;
  result: StatementResult | undefined;
}

/** pg's values as the engine's: booleans and void (advisory functions) as 1/0, integers and int[] as they are. */
function normalizeRow(row: Record<string, unknown>): Row {
  const out: Record<string, Value> = {};
  for (const [name, value] of Object.entries(row)) {
    if (typeof value === 'boolean') out[name] = value ? 1 : 0;
    else if (value === '' || value === null) out[name] = 1;
    else if (Array.isArray(value)) out[name] = value.map(Number);
    else out[name] = Number(value);
  }
  return out;
}

export async function runSql(client: PostgresClient, statement: Statement): Promise<StatementResult> {
  try {
    const r = await client.query(toSql(statement));
    const rows =
      statement.kind === 'select' ||
      statement.kind === 'advisory' ||
      (statement.kind === 'update' && statement.returning);
    return {
      // pg keeps the command tag's first word: ALTER TABLE arrives as ALTER.
      tag: r.command === 'ALTER' ? 'ALTER TABLE' : r.command,
      ...(rows ? { rows: r.rows.map((row) => normalizeRow(row as Record<string, unknown>)) } : {}),
      ...(r.rowCount !== null ? { rowCount: r.rowCount } : {}),
    };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { tag: 'ERROR', error: { code: e.code ?? 'XX000', message: e.message ?? String(error) } };
  }
}

/** Drops and re-creates a table with its rows. */
export async function resetTable(
  client: PostgresClient,
  schema: TableSchema,
  rows: readonly Row[],
): Promise<void> {
  await client.query(`drop table if exists ${schema.name}`);
  await client.query(createTableSql(schema));
  if (rows.length > 0) await client.query(toSql(stmt.insert(schema.name, ...rows)));
}

export class PostgresTarget implements AnomalyTarget {
  private monitor: PostgresClient | undefined;
  private sessions: { client: PostgresClient; pid: number }[] = [];
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly connect: () => Promise<PostgresClient>) {}

  async start(sessions: number, tables: NonNullable<Script['tables']>): Promise<void> {
    this.monitor ??= await this.connect();
    for (const { schema, rows } of tables) await resetTable(this.monitor, schema, rows);
    this.sessions = [];
    for (let i = 0; i <= sessions; i++) {
      const client = await this.connect();
      const pid = Number((await client.query('select pg_backend_pid() as pid')).rows[0].pid);
      this.sessions.push({ client, pid });
    }
  }

  async sleep(ms: number): Promise<void> {
    await wallSleep(ms);
  }

  submit(session: number, statement: Statement): void {
    const s = this.sessions[session];
    if (!s) throw new Error(`no session ${session}`);
    const pending: Pending = { pid: s.pid, result: undefined };
    this.pending.set(session, pending);
    void runSql(s.client, statement).then((result) => {
      pending.result = result;
    });
  }

  /** Sessions whose statement is neither done nor waiting for a lock. */
  private async running(): Promise<number> {
    const monitor = this.monitor as PostgresClient;
    let running = 0;
    for (const pending of this.pending.values()) {
      if (pending.result) continue;
      const r = await monitor.query('select cardinality(pg_blocking_pids($1)) as n', [pending.pid]);
      if (!pending.result && Number(r.rows[0].n) === 0) running++;
    }
    return running;
  }

  async settle(): Promise<ReadonlyMap<number, StatementResult>> {
    // Settled twice in a row, 25 ms apart: a waiter just released may still show its old wait once.
    let calm = 0;
    for (let round = 0; calm < 2; round++) {
      const before = [...this.pending.values()].filter((p) => p.result).length;
      const running = await this.running();
      const after = [...this.pending.values()].filter((p) => p.result).length;
      calm = running === 0 && before === after ? calm + 1 : 0;
      if (round > 2000) throw new Error('a statement neither completed nor waited for a lock within 20 s');
      await wallSleep(calm > 0 ? 25 : 5);
    }
    const done = new Map<number, StatementResult>();
    for (const [session, pending] of this.pending)
      if (pending.result) {
        done.set(session, pending.result);
        this.pending.delete(session);
      }
    return done;
  }

  async stop(): Promise<void> {
    for (const { client } of this.sessions) await client.end().catch(() => undefined);
    this.sessions = [];
    this.pending.clear();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.monitor?.end().catch(() => undefined);
    this.monitor = undefined;
  }
}

/** Runs client programs against PostgreSQL, one connection each, concurrently. */
export async function runProgramsOnPostgres(
  connect: () => Promise<PostgresClient>,
  programs: ReadonlyMap<string, Program>,
): Promise<void> {
  await Promise.all(
    [...programs.values()].map(async (program) => {
      const client = await connect();
      let result: StatementResult | undefined;
      for (;;) {
        const next = result === undefined ? program.next() : program.next(result);
        if (next.done) break;
        const action = next.value;
        if (action.kind === 'pause') {
          await wallSleep(action.ms);
          result = { tag: 'PAUSE' };
        } else result = await runSql(client, action);
      }
      await client.end();
    }),
  );
}
