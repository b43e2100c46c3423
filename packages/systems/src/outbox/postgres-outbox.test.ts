/**
 * The outbox on PostgreSQL 15: the serial-id tailing bug with two connections (ids 1 and 2 taken in that
 * order, 2 committed first, the tailer moves past 1 for good), the same writer and relay programs the
 * engine scenarios run, two relays with FOR UPDATE SKIP LOCKED, and change data capture from logical
 * decoding (wal_level = logical, a replication slot with test_decoding) that delivers in commit order and
 * misses nothing. Skips when PostgreSQL is not installed.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres, type PostgresClient } from '@dslab/runtime/testing';
import { createTableSql } from '../mvcc/statements';
import { judgeDelivery } from './outbox-runs';
import {
  Broker,
  ORDERS,
  OUTBOX,
  SEQ,
  outboxWriter,
  pollingRelay,
  tailingRelay,
  type Published,
  type RelayContext,
} from './outbox';
import { PostgresFleet } from './test-support/postgres';

// wal_level=logical is a server setting: the launcher passes it with -c, its defaults unchanged otherwise.
// synchronous_commit back on: a slot decodes only WAL that is flushed, and with the launcher's default
// (off, for speed) a commit reaches the slot only when the WAL writer gets to it, up to 600 ms later.
const postgres = usePostgres({ settings: { wal_level: 'logical', synchronous_commit: 'on' } });

async function resetOutbox(admin: PostgresClient): Promise<void> {
  await admin.query('drop table if exists orders, outbox, seq');
  for (const schema of [ORDERS, OUTBOX, SEQ]) await admin.query(createTableSql(schema));
  await admin.query('insert into seq values (1, 0)');
}

/**
 * The CDC relay: the rows a test_decoding slot reports as inserted into `outbox`, in commit order, as
 * publications (test_decoding prints `table public.outbox: INSERT: id[integer]:7 aggregate[integer]:2 …`).
 */
async function decodedOutboxInserts(admin: PostgresClient, slot: string): Promise<Published[]> {
  const r = await admin.query('select data from pg_logical_slot_get_changes($1, null, null)', [slot]);
  const published: Published[] = [];
  for (const row of r.rows) {
    const data = String(row.data);
    const match =
      /^table public\.outbox: INSERT: id\[integer\]:(\d+) aggregate\[integer\]:(\d+) event\[integer\]:(\d+)/.exec(
        data,
      );
    if (match)
      published.push({
        id: Number(match[1]),
        aggregate: Number(match[2]),
        event: Number(match[3]),
        at: 0,
        by: 'cdc',
      });
  }
  return published;
}

describe.skipIf(postgres.missing !== undefined)('the outbox on PostgreSQL 15', () => {
  it('serial ids: 1 and 2 taken in order, 2 commits first — the tailer passes 1 for good; logical decoding delivers both, in commit order', async () => {
    const admin = await postgres.connect();
    await admin.query('drop table if exists outbox_serial');
    await admin.query('create table outbox_serial (id bigserial primary key, payload text not null)');
    await admin.query(
      `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = 'outbox_cdc'`,
    );
    await admin.query(`select pg_create_logical_replication_slot('outbox_cdc', 'test_decoding')`);
    const t1 = await postgres.connect();
    const t2 = await postgres.connect();
    await t1.query('begin');
    const id1 = Number(
      (await t1.query(`insert into outbox_serial (payload) values ('first') returning id`)).rows[0].id,
    );
    await t2.query('begin');
    const id2 = Number(
      (await t2.query(`insert into outbox_serial (payload) values ('second') returning id`)).rows[0].id,
    );
    await t2.query('commit');
    // The tailer polls now: it sees 2 and remembers it.
    let last = 0;
    const read: number[] = [];
    const tail = async () => {
      const r = await admin.query('select id from outbox_serial where id > $1 order by id', [last]);
      for (const row of r.rows) {
        read.push(Number(row.id));
        last = Math.max(last, Number(row.id));
      }
    };
    await tail();
    await t1.query('commit');
    await tail();
    const committed = (await admin.query('select id from outbox_serial order by id')).rows.map((r) =>
      Number(r.id),
    );
    // CDC: the slot hands out changes in commit order.
    const changes = await admin.query(
      `select data from pg_logical_slot_get_changes('outbox_cdc', null, null)`,
    );
    const cdc = changes.rows
      .map((r) => /^table public\.outbox_serial: INSERT: id\[bigint\]:(\d+)/.exec(String(r.data)))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    await admin.query(`select pg_drop_replication_slot('outbox_cdc')`);
    console.log('serial-id tailing on PostgreSQL', { id1, id2, tailerRead: read, committed, cdc });
    expect([id1, id2]).toEqual([1, 2]);
    expect(read).toEqual([2]);
    expect(committed).toEqual([1, 2]);
    expect(cdc).toEqual([2, 1]);
  });

  it('the engine scenarios’ writer and relay programs: tailing loses rows, polling with SKIP LOCKED loses none, CDC none', async () => {
    const admin = await postgres.connect();
    const results: Record<string, ReturnType<typeof judgeDelivery>> = {};
    for (const relay of ['tailing', 'polling'] as const) {
      await resetOutbox(admin);
      await admin.query(
        `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = 'outbox_relay'`,
      );
      await admin.query(`select pg_create_logical_replication_slot('outbox_relay', 'test_decoding')`);
      const broker = new Broker(() => performance.now());
      const fleet = new PostgresFleet(() => postgres.connect());
      let writersLeft = 6;
      let eventId = 0;
      let seed = 17;
      // A small deterministic generator for hold times (the test's own; the engine side uses the seed's Rng).
      const hold = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return (seed / 2_147_483_648) * 30;
      };
      for (let w = 1; w <= 6; w++)
        fleet.spawn(
          (function* () {
            yield* outboxWriter(
              {
                broker,
                table: OUTBOX.name,
                pause: (ms) => ({ kind: 'pause', ms }),
                holdMs: hold,
                nextEventId: () => ++eventId,
              },
              w,
              10,
            );
            writersLeft--;
          })(),
        );
      const context: RelayContext = {
        broker,
        table: OUTBOX.name,
        name: relay,
        batch: 5,
        publishMs: 1,
        pollMs: 5,
        writersDone: () => writersLeft === 0,
        crashAfterPublish: () => false,
        onCrash: () => undefined,
      };
      fleet.spawn(relay === 'tailing' ? tailingRelay(context) : pollingRelay(context));
      await fleet.idle();
      const committed = new Set((await admin.query('select id from outbox')).rows.map((r) => Number(r.id)));
      results[relay] = judgeDelivery(committed, broker.published);
      const cdc = await decodedOutboxInserts(admin, 'outbox_relay');
      await admin.query(`select pg_drop_replication_slot('outbox_relay')`);
      results[`cdc (${relay} run)`] = judgeDelivery(committed, cdc);
    }
    console.log('relays on PostgreSQL', results);
    expect(results.tailing?.lost).toBeGreaterThan(0);
    expect(results.polling?.lost).toBe(0);
    expect(results.polling?.duplicates).toBe(0);
    for (const run of ['cdc (tailing run)', 'cdc (polling run)']) {
      expect(results[run]?.lost).toBe(0);
      expect(results[run]?.duplicates).toBe(0);
      // Commit order keeps each aggregate's order: one writer per aggregate commits its events in turn.
      expect(results[run]?.reordered).toBe(0);
    }
  });

  it('two relays with FOR UPDATE SKIP LOCKED take different rows: none published twice, none missed', async () => {
    const admin = await postgres.connect();
    await resetOutbox(admin);
    const rows = Array.from({ length: 40 }, (_, i) => `(${i + 1}, ${(i % 4) + 1}, ${i + 1}, 0)`).join(', ');
    await admin.query(`insert into outbox values ${rows}`);
    const broker = new Broker(() => performance.now());
    const fleet = new PostgresFleet(() => postgres.connect());
    for (const name of ['relay 1', 'relay 2'])
      fleet.spawn(
        pollingRelay({
          broker,
          table: OUTBOX.name,
          name,
          batch: 5,
          publishMs: 3,
          pollMs: 5,
          writersDone: () => true,
          crashAfterPublish: () => false,
          onCrash: () => undefined,
        }),
      );
    await fleet.idle();
    const verdict = judgeDelivery(new Set(Array.from({ length: 40 }, (_, i) => i + 1)), broker.published);
    const byRelay = new Map<string, number>();
    for (const p of broker.published) byRelay.set(p.by, (byRelay.get(p.by) ?? 0) + 1);
    console.log('two SKIP LOCKED relays on PostgreSQL', { ...verdict, byRelay: Object.fromEntries(byRelay) });
    expect(verdict.lost).toBe(0);
    expect(verdict.duplicates).toBe(0);
    expect(byRelay.size).toBe(2);
  });
});
