/**
 * G2 on PostgreSQL 15: the consumers of the scenarios (the same programs, the same fault plan) against a
 * real server, and the study material's samples run as written in SQL — the `ON CONFLICT DO NOTHING`
 * producer that still writes an outbox row, and the key store that keeps keys in Redis (a real
 * redis-server) before the database — each beside its fix, with its count of duplicates or losses.
 * Skips when PostgreSQL is not installed.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres, useRedis } from '@dslab/runtime/testing';
import { runDelivery } from './delivery';
import type { Strategy } from './consumers';
import { runDeliveryOnPostgres } from './test-support/postgres-delivery';

const postgres = usePostgres();
const redis = useRedis();

describe.skipIf(postgres.missing !== undefined)('G2 samples on PostgreSQL 15', () => {
  it('the consumers on the same faults: what the engine measures, PostgreSQL measures', async () => {
    const events = 40;
    const runs: [Strategy, { crash: number; stall: number; duplicate: number }][] = [
      ['at-most-once', { crash: 0.1, stall: 0, duplicate: 0 }],
      ['at-least-once', { crash: 0.1, stall: 0, duplicate: 0 }],
      ['effectively-once', { crash: 0.1, stall: 0.1, duplicate: 0.1 }],
      ['check-outside', { crash: 0, stall: 0.1, duplicate: 0 }],
      ['offset-before-commit', { crash: 0.1, stall: 0, duplicate: 0 }],
      ['if-not-seen', { crash: 0.1, stall: 0.1, duplicate: 0 }],
    ];
    const table: Record<string, unknown>[] = [];
    for (const [strategy, faults] of runs) {
      const options = { seed: 3, events, strategy, ...faults };
      const real = await runDeliveryOnPostgres(() => postgres.connect(), options);
      const engine = runDelivery(options);
      table.push({
        strategy,
        'PostgreSQL duplicated': real.duplicatedEvents,
        'PostgreSQL lost': real.lostEvents,
        'engine duplicated': engine.duplicatedEvents,
        'engine lost': engine.lostEvents,
      });
      if (strategy === 'at-most-once') expect(real.lostEvents).toBeGreaterThan(0);
      if (strategy === 'at-least-once')
        expect([real.duplicatedEvents > 0, real.lostEvents]).toEqual([true, 0]);
      if (strategy === 'effectively-once') expect([real.duplicatedEvents, real.lostEvents]).toEqual([0, 0]);
      if (strategy === 'check-outside') expect(real.duplicatedEvents).toBeGreaterThan(0);
      if (strategy === 'offset-before-commit') expect(real.lostEvents).toBeGreaterThan(0);
      if (strategy === 'if-not-seen') expect(real.duplicatedEvents).toBeGreaterThan(0);
      // The faults are planned per record, so crashes lose (or repeat) the same events on both.
      if (faults.stall === 0)
        expect([real.duplicatedEvents, real.lostEvents]).toEqual([
          engine.duplicatedEvents,
          engine.lostEvents,
        ]);
    }
    console.table(table);
  }, 120_000);

  it('as written: INSERT … ON CONFLICT (request_id) DO NOTHING, then the outbox insert with a fresh event id', async () => {
    const db = await postgres.connect();
    await db.query('drop table if exists orders_sample, outbox_sample');
    await db.query('create table orders_sample (request_id int primary key, amount int not null)');
    await db.query(
      'create table outbox_sample (id bigserial primary key, event_id uuid not null unique, request_id int not null)',
    );
    const sample = async (request: number) => {
      await db.query('begin');
      await db.query('insert into orders_sample values ($1, 10) on conflict (request_id) do nothing', [
        request,
      ]);
      await db.query('insert into outbox_sample (event_id, request_id) values (gen_random_uuid(), $1)', [
        request,
      ]);
      await db.query('commit');
    };
    const fixed = async (request: number) => {
      // The event only when the order row was inserted, its id derived from the request.
      await db.query(
        `with inserted as (insert into orders_sample values ($1, 10) on conflict (request_id) do nothing returning request_id)
         insert into outbox_sample (event_id, request_id)
         select md5('order-' || request_id)::uuid, request_id from inserted`,
        [request],
      );
    };
    const run = async (handler: (request: number) => Promise<void>) => {
      await db.query('truncate orders_sample, outbox_sample');
      // 20 requests; every fourth sent twice (the client retried after a lost answer).
      let duplicatesSent = 0;
      for (let request = 1; request <= 20; request++) {
        await handler(request);
        if (request % 4 === 0) {
          duplicatesSent++;
          await handler(request);
        }
      }
      // A consumer deduplicating by event id applies every distinct event once.
      const applied = (
        await db.query(
          'select request_id, count(distinct event_id)::int as n from outbox_sample group by request_id',
        )
      ).rows;
      const appliedTwice = applied.filter((r) => Number(r.n) > 1).length;
      const orders = Number((await db.query('select count(*)::int as n from orders_sample')).rows[0].n);
      return { duplicatesSent, orders, appliedTwice };
    };
    const asWritten = await run(sample);
    const fix = await run(fixed);
    console.log('ON CONFLICT DO NOTHING + outbox insert', { asWritten, fix });
    expect(asWritten).toEqual({ duplicatesSent: 5, orders: 20, appliedTwice: 5 });
    expect(fix).toEqual({ duplicatesSent: 5, orders: 20, appliedTwice: 0 });
  });

  it('as written: idempotency keys in Redis, the charge in PostgreSQL, a crash between them', async () => {
    const db = await postgres.connect();
    const cache = redis();
    await db.query('drop table if exists charges_sample, idempotency_sample');
    await db.query(
      'create table charges_sample (id serial primary key, key int not null, amount int not null)',
    );
    await db.query('create table idempotency_sample (key int primary key, charge int not null)');
    await cache.flushall();
    // The sample: look the key up in Redis, charge, SET the key with a TTL (synced to the database later).
    const sample = async (key: number, crashAfterCharge: boolean) => {
      if ((await cache.get(`idem:${key}`)) !== null) return 'cached';
      const charge = await db.query(
        'insert into charges_sample (key, amount) values ($1, 500) returning id',
        [key],
      );
      if (crashAfterCharge) return 'crashed';
      await cache.set(`idem:${key}`, String(charge.rows[0].id), 'EX', 86_400);
      return 'charged';
    };
    // The fix: the key in the charge's transaction; a crash before COMMIT takes both with it.
    const fixed = async (key: number, crashAfterCharge: boolean) => {
      await db.query('begin');
      const claimed = await db.query(
        'insert into idempotency_sample values ($1, 0) on conflict (key) do nothing',
        [key],
      );
      if (claimed.rowCount === 0) {
        await db.query('rollback');
        return 'cached';
      }
      const charge = await db.query(
        'insert into charges_sample (key, amount) values ($1, 500) returning id',
        [key],
      );
      await db.query('update idempotency_sample set charge = $2 where key = $1', [key, charge.rows[0].id]);
      if (crashAfterCharge) {
        await db.query('rollback'); // the connection drops: PostgreSQL rolls the transaction back
        return 'crashed';
      }
      await db.query('commit');
      return 'charged';
    };
    const run = async (handler: (key: number, crash: boolean) => Promise<string>) => {
      await db.query('truncate charges_sample, idempotency_sample');
      await cache.flushall();
      let crashes = 0;
      for (let key = 1; key <= 30; key++) {
        const crash = key % 5 === 0;
        if ((await handler(key, crash)) === 'crashed') {
          crashes++;
          await handler(key, false); // the client retries with the same key
        }
        await handler(key, false); // and a late duplicate of every request
      }
      const double = (
        await db.query(
          'select count(*)::int as n from (select key from charges_sample group by key having count(*) > 1) d',
        )
      ).rows[0].n;
      return { crashes, doubleCharged: Number(double) };
    };
    const asWritten = await run(sample);
    const fix = await run(fixed);
    console.log('Redis keys, then PostgreSQL', { asWritten, fix });
    expect(asWritten).toEqual({ crashes: 6, doubleCharged: 6 });
    expect(fix).toEqual({ crashes: 6, doubleCharged: 0 });
  });
});
