/**
 * The A3 claim on real PostgreSQL 15: a transaction prepared with PREPARE TRANSACTION keeps its row lock
 * after its session is gone and after the server crashes and restarts (immediate shutdown, WAL replay),
 * so another session's SELECT … FOR UPDATE NOWAIT fails with 55P03 and a plain UPDATE waits, until
 * COMMIT PREPARED releases it — exactly a participant blocked in doubt. `max_prepared_transactions` must be
 * above 0 (it is 0 by default, which disables PREPARE TRANSACTION). Skips when PostgreSQL is absent.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres, type PostgresClient } from '@dslab/runtime/testing';

const postgres = usePostgres({ settings: { max_prepared_transactions: '4' } });

/** The SQLSTATE a statement failed with, or 'ok'. */
async function sqlstate(client: PostgresClient, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? 'unknown';
  }
}

/** Whether another session can lock row 1 right now (NOWAIT: 55P03 when a lock is held). */
async function rowLockFree(connect: () => Promise<PostgresClient>): Promise<string> {
  const other = await connect();
  await other.query('begin');
  const state = await sqlstate(other, 'select balance from account where id = 1 for update nowait');
  await other.query('rollback');
  await other.end();
  return state;
}

describe.skipIf(postgres.missing !== undefined)('PREPARE TRANSACTION on PostgreSQL 15', () => {
  it('holds its row lock across a crash and restart of the server until COMMIT PREPARED', async () => {
    const setup = await postgres.connect();
    await setup.query('drop table if exists account');
    await setup.query('create table account (id int primary key, balance int not null)');
    await setup.query('insert into account values (1, 100)');
    await setup.end();

    // The participant's PREPARE: the debit is done, locked, and made durable; the session lets go of it.
    const participant = await postgres.connect();
    await participant.query('begin');
    await participant.query('update account set balance = balance - 30 where id = 1');
    await participant.query("prepare transaction 'dslab-t1'");
    await participant.end(); // the prepared transaction belongs to no session now

    expect(await rowLockFree(() => postgres.connect())).toBe('55P03');

    await postgres.server().restart({ crash: true });

    const after = await postgres.connect();
    const prepared = await after.query<{ gid: string }>('select gid from pg_prepared_xacts');
    expect(prepared.rows.map((r) => r.gid)).toEqual(['dslab-t1']);
    expect(await rowLockFree(() => postgres.connect())).toBe('55P03');
    // A conflicting UPDATE does not fail at once: it waits for the lock (here until lock_timeout).
    await after.query("set lock_timeout = '300ms'");
    const started = performance.now();
    const update = await sqlstate(after, 'update account set balance = balance + 1 where id = 1');
    const waitedMs = performance.now() - started;
    expect(update).toBe('55P03');
    expect(waitedMs).toBeGreaterThanOrEqual(250);
    // Nobody else can read the uncommitted debit meanwhile.
    const before = await after.query<{ balance: number }>('select balance from account where id = 1');
    expect(before.rows[0]?.balance).toBe(100);

    // The coordinator's decision arrives: COMMIT PREPARED, from any session.
    await after.query("commit prepared 'dslab-t1'");
    expect(await rowLockFree(() => postgres.connect())).toBe('ok');
    const final = await after.query<{ balance: number }>('select balance from account where id = 1');
    expect(final.rows[0]?.balance).toBe(70);
    await after.end();
  }, 60_000);

  it('ROLLBACK PREPARED undoes it, and a second PREPARE of the same gid is refused (42710)', async () => {
    const a = await postgres.connect();
    await a.query('create table if not exists account (id int primary key, balance int not null)');
    await a.query('insert into account values (2, 50) on conflict (id) do update set balance = 50');
    await a.query('begin');
    await a.query('update account set balance = 0 where id = 2');
    await a.query("prepare transaction 'dslab-t2'");
    await a.query('begin');
    await a.query('select 1');
    expect(await sqlstate(a, "prepare transaction 'dslab-t2'")).toBe('42710');
    await a.query("rollback prepared 'dslab-t2'");
    const r = await a.query<{ balance: number }>('select balance from account where id = 2');
    expect(r.rows[0]?.balance).toBe(50);
    await a.end();
  }, 30_000);
});
