/**
 * E3's wraparound claim on PostgreSQL 15: with the next transaction id set 250 million ids past the
 * database's frozen horizon (beyond autovacuum_freeze_max_age, 200 million), new connections, reads
 * and writes are still accepted. Refusing new ids happens only 3 million ids before wraparound (the
 * engine's `wraparound` scenario shows it with a small id space).
 */
import { describe, expect, it } from 'vitest';
import { usePostgres } from '@dslab/runtime/testing';

// Binary-upgrade mode keeps autovacuum (which runs against wraparound even when turned off) from
// freezing the databases before the tests look. Tables cannot be created in that mode: a new
// transaction id (pg_current_xact_id) stands for a write.
const pastMaxAge = usePostgres({
  settings: { autovacuum: 'off' },
  nextXid: 250_000_000,
  binaryUpgrade: true,
});
// One million ids before wraparound: past the stop limit.
const nearWrap = usePostgres({
  settings: { autovacuum: 'off' },
  nextXid: 2 ** 31 - 1_000_000,
  binaryUpgrade: true,
});

describe.skipIf(pastMaxAge.missing !== undefined)('transaction-id age on PostgreSQL 15', () => {
  it('past autovacuum_freeze_max_age, connections, reads and new transaction ids are still accepted', async () => {
    const client = await pastMaxAge.connect();
    const age = await client.query(
      "select age(datfrozenxid)::bigint as age, current_setting('autovacuum_freeze_max_age')::bigint as max from pg_database where datname = 'postgres'",
    );
    const { age: ageNow, max } = age.rows[0] as { age: string; max: string };
    const late = await pastMaxAge.connect();
    const xid = await late.query('select pg_current_xact_id()::text as xid');
    const read = await late.query('select count(*)::int as n from pg_class');
    console.log(
      `PostgreSQL: age(datfrozenxid) ${ageNow} > autovacuum_freeze_max_age ${max}; new xid ${xid.rows[0].xid}, read ${read.rows[0].n} rows`,
    );
    expect(Number(ageNow)).toBeGreaterThan(Number(max));
    expect(Number(xid.rows[0].xid)).toBeGreaterThanOrEqual(250_000_000);
    expect(Number(read.rows[0].n)).toBeGreaterThan(0);
  });
});

describe.skipIf(nearWrap.missing !== undefined)('transaction-id wraparound on PostgreSQL 15', () => {
  it('3 million ids before wraparound: new ids are refused (54000), connections and reads still work', async () => {
    const client = await nearWrap.connect();
    let refused: { code?: string; message?: string } | undefined;
    try {
      await client.query('select pg_current_xact_id()'); // needs a new transaction id
    } catch (error) {
      refused = error as { code?: string; message?: string };
    }
    const fresh = await nearWrap.connect();
    const read = await fresh.query('select count(*)::int as n from pg_class');
    console.log(
      `PostgreSQL near wraparound: ${refused?.code} ${refused?.message}; a new connection read ${read.rows[0].n} rows`,
    );
    expect(refused?.code).toBe('54000');
    expect(refused?.message).toMatch(/not accepting commands to avoid wraparound data loss/);
    expect(Number(read.rows[0].n)).toBeGreaterThan(0);
  });
});
