/**
 * Idempotency keys on PostgreSQL 15 with two connections: `INSERT … ON CONFLICT` as PostgreSQL really
 * runs it when the conflicting key is not committed yet — the second inserter waits on the first
 * transaction (pg_blocking_pids shows it), then DO NOTHING inserts nothing and the completed row is what
 * it reads; 'processing' is never visible. The same with a plain insert (23505 after the wait), which is
 * what the engine scenarios run. Skips when PostgreSQL is not installed.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres } from '@dslab/runtime/testing';
import { wallSleep } from '@dslab/runtime/testing';
import { backendPid, waitUntilBlocked } from './test-support/postgres';

const postgres = usePostgres();

describe.skipIf(postgres.missing !== undefined)('idempotency keys on PostgreSQL 15', () => {
  async function setup() {
    const admin = await postgres.connect();
    await admin.query('drop table if exists idempotency, charges');
    await admin.query('create table idempotency (key int primary key, status text not null, result int)');
    await admin.query('create table charges (id serial primary key, key int not null, amount int not null)');
    return admin;
  }

  it('INSERT … ON CONFLICT DO NOTHING: the second request waits on the uncommitted key, then reads the completed row', async () => {
    const admin = await setup();
    const first = await postgres.connect();
    const second = await postgres.connect();
    const secondPid = await backendPid(second);
    const seenByOthers: string[] = [];
    await first.query('begin');
    await first.query(`insert into idempotency values (7, 'processing', null) on conflict (key) do nothing`);
    // The second request arrives while the first is charging.
    const started = performance.now();
    const secondDone = (async () => {
      await second.query('begin');
      const ins = await second.query(
        `insert into idempotency values (7, 'processing', null) on conflict (key) do nothing returning key`,
      );
      const waitedMs = performance.now() - started;
      const row = (await second.query('select status, result from idempotency where key = 7')).rows[0];
      await second.query('commit');
      return { inserted: ins.rowCount, waitedMs, row };
    })();
    const blockers = await waitUntilBlocked(admin, secondPid);
    // While it waits, anyone else looking sees no key at all: 'processing' is not committed.
    seenByOthers.push(
      ...(await admin.query('select status from idempotency where key = 7')).rows.map((r) =>
        String(r.status),
      ),
    );
    await wallSleep(100); // the charge takes a while
    const charge = await first.query('insert into charges (key, amount) values (7, 500) returning id');
    await first.query(`update idempotency set status = 'done', result = $1 where key = 7`, [
      charge.rows[0].id,
    ]);
    await first.query('commit');
    const outcome = await secondDone;
    const charges = Number((await admin.query('select count(*) as n from charges where key = 7')).rows[0].n);
    console.log('ON CONFLICT under concurrency', { blockers, seenByOthers, ...outcome, charges });
    expect(blockers).toEqual([await backendPid(first)]);
    expect(seenByOthers).toEqual([]);
    expect(outcome.inserted).toBe(0);
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(100);
    expect(outcome.row).toEqual({ status: 'done', result: charge.rows[0].id });
    expect(charges).toBe(1);
  });

  it('a plain unique insert waits the same way and fails with 23505 once the first commits (the engine’s path)', async () => {
    const admin = await setup();
    const first = await postgres.connect();
    const second = await postgres.connect();
    const secondPid = await backendPid(second);
    await first.query('begin');
    await first.query(`insert into idempotency values (8, 'processing', null)`);
    await second.query('begin');
    const attempt = second.query(`insert into idempotency values (8, 'processing', null)`).then(
      () => 'inserted',
      (error: { code?: string }) => error.code,
    );
    const blockers = await waitUntilBlocked(admin, secondPid);
    await first.query(`update idempotency set status = 'done', result = 1 where key = 8`);
    await first.query('commit');
    const code = await attempt;
    await second.query('rollback');
    const row = (await second.query('select status from idempotency where key = 8')).rows[0];
    expect(blockers.length).toBe(1);
    expect(code).toBe('23505');
    expect(row).toEqual({ status: 'done' });
  });

  it('the key committed in a transaction of its own is what makes a duplicate see processing (409)', async () => {
    const admin = await setup();
    await admin.query(`insert into idempotency values (9, 'processing', null)`); // committed at once
    const other = await postgres.connect();
    const ins = await other.query(
      `insert into idempotency values (9, 'processing', null) on conflict (key) do nothing`,
    );
    const row = (await other.query('select status from idempotency where key = 9')).rows[0];
    expect(ins.rowCount).toBe(0);
    expect(row).toEqual({ status: 'processing' });
  });
});
