// PostgreSQL 15 streaming replication, measured: replica lag as an LSN difference, stale reads on the
// standby by synchronous_commit level, read-your-writes through pg_last_wal_replay_lsn(), and commits
// acknowledged then lost when the primary dies under asynchronous replication. The session histories
// are judged by the same checker as the simulated replication system's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { HistoryRecorder, checkSessionGuarantees } from '@dslab/check';
import { postgresMissing, startPostgresServer, type PostgresServer } from './postgres-server';
import { startPostgresReplicaSet, type PostgresReplicaSet } from './postgres-replica';
import { waitUntil, wallSleep } from '../test-support/wall-time';

const missing = postgresMissing();
if (missing !== undefined) console.warn(`skipping PostgreSQL replication tests: ${missing}`);

function lsn(text: string): bigint {
  const [high, low] = text.split('/') as [string, string];
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

const sleep = wallSleep;
/** Waits for a condition, polling every 5 ms: an LSN wait sits inside timed loops of commits. */
const until = (what: string, check: () => Promise<boolean>) => waitUntil(what, check, 10_000, 5);

async function connect(port: number): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  client.on('error', () => undefined); // a killed server must not crash the test process
  await client.connect();
  return client;
}

describe.skipIf(missing !== undefined)('PostgreSQL 15 streaming replication', () => {
  let set: PostgresReplicaSet;
  let primary: pg.Client;
  let standby: pg.Client;
  let counter = 0;

  const replayLsn = async () =>
    lsn(((await standby.query('SELECT pg_last_wal_replay_lsn() AS l')).rows[0] as { l: string }).l);
  const currentLsn = async () =>
    lsn(((await primary.query('SELECT pg_current_wal_lsn() AS l')).rows[0] as { l: string }).l);

  /** Sets synchronous_standby_names on the primary and waits until the standby's sync_state shows it. */
  const synchronousStandbys = async (names: string) => {
    await primary.query(`ALTER SYSTEM SET synchronous_standby_names = '${names}'`);
    await primary.query('SELECT pg_reload_conf()');
    const want = names === '' ? 'async' : 'sync';
    await until(`sync_state ${want}`, async () => {
      const r = await primary.query(
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = 's1'",
      );
      return (r.rows[0] as { sync_state: string } | undefined)?.sync_state === want;
    });
  };

  /**
   * A session commits `count` fresh values of key `p` on the primary at `level` and reads the key on
   * the standby the moment each commit returns (after waiting for the commit's LSN when `waitForLsn`).
   * Returns the session checker's verdict: values are increasing integers, so a value is its version.
   */
  const probe = async (level: string, count: number, waitForLsn = false) => {
    const recorder = new HistoryRecorder();
    const now = () => performance.now();
    await primary.query(`SET synchronous_commit = ${level}`);
    for (let i = 0; i < count; i++) {
      const value = ++counter;
      const w = recorder.invoke('session', 'write', ['p', value], now());
      await primary.query('INSERT INTO kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2', [
        'p',
        value,
      ]);
      recorder.ok(w, undefined, now());
      if (waitForLsn) {
        const target = await currentLsn();
        await until('replay of the commit', async () => (await replayLsn()) >= target);
      }
      const r = recorder.invoke('session', 'read', ['p'], now());
      const row = (await standby.query('SELECT v FROM kv WHERE k = $1', ['p'])).rows[0] as
        { v: number } | undefined;
      recorder.ok(r, row ? row.v : null, now());
    }
    return checkSessionGuarantees(recorder.history(), {
      versionOf: (_key, value) => (typeof value === 'number' ? value : undefined),
    });
  };

  beforeAll(async () => {
    set = await startPostgresReplicaSet({ standbys: 1 });
    primary = await connect(set.primary.port);
    standby = await connect((set.standbys[0] as { port: number }).port);
    await primary.query('CREATE TABLE kv (k text PRIMARY KEY, v integer NOT NULL)');
    const created = await currentLsn();
    await until('the table on the standby', async () => (await replayLsn()) >= created);
  }, 60_000);

  afterAll(async () => {
    await primary?.end().catch(() => undefined);
    await standby?.end().catch(() => undefined);
    await set?.stop();
  }, 30_000);

  it('measures replica lag as the LSN distance between the primary and the standby’s replay', async () => {
    await synchronousStandbys('');
    await primary.query('SET synchronous_commit = on');
    let maxLag = 0n;
    const writer = (async () => {
      for (let i = 0; i < 300; i++)
        await primary.query('INSERT INTO kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2', [
          `load${i % 20}`,
          i,
        ]);
    })();
    let done = false;
    void writer.then(() => (done = true));
    while (!done) {
      const lag = (await currentLsn()) - (await replayLsn());
      if (lag > maxLag) maxLag = lag;
    }
    await writer;
    const end = await currentLsn();
    // Caught up: the standby replays everything the load wrote (background WAL may add more later).
    await until('the standby to catch up', async () => (await replayLsn()) >= end);
    expect(maxLag).toBeGreaterThanOrEqual(0n);
    console.info(`PostgreSQL async standby: max replay lag under 300 single-row commits ${maxLag} bytes`);
    // A physical standby is a read-only copy of the primary's bytes: it refuses writes (25006).
    await expect(standby.query("INSERT INTO kv VALUES ('standby', 1)")).rejects.toMatchObject({
      code: '25006',
    });
  }, 30_000);

  it('a read on the standby right after commit misses it at on while replay lags; remote_apply waits for replay', async () => {
    // Asynchronous, replay keeping up on loopback: count what the session checker sees (no assertion on a race).
    await synchronousStandbys('');
    const natural = await probe('on', 100);
    // A query on the standby that conflicts with replay holds it back; pausing replay does the same.
    await synchronousStandbys('s1');
    await standby.query('SELECT pg_wal_replay_pause()');
    const on = await probe('on', 5);
    expect(on.counts['read-your-writes']).toBe(5); // every commit returned after the flush, none replayed
    // remote_apply: the commit cannot return while replay is paused.
    await primary.query('SET synchronous_commit = remote_apply');
    const value = ++counter;
    let returned = false;
    const commit = primary
      .query('INSERT INTO kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $2', ['p', value])
      .then(() => (returned = true));
    await sleep(300);
    expect(returned).toBe(false);
    await standby.query('SELECT pg_wal_replay_resume()');
    await commit;
    const row = (await standby.query('SELECT v FROM kv WHERE k = $1', ['p'])).rows[0] as { v: number };
    expect(row.v).toBe(value);
    const apply = await probe('remote_apply', 100);
    expect(apply.counts['read-your-writes']).toBe(0);
    expect(apply.counts['monotonic-reads']).toBe(0);
    console.info(
      `PostgreSQL: reads on the standby right after commit that missed it — async ${natural.counts['read-your-writes']}/100, ` +
        `on with replay paused ${on.counts['read-your-writes']}/5, remote_apply ${apply.counts['read-your-writes']}/100`,
    );
  }, 30_000);

  it('read-your-writes on the standby by waiting for the commit’s LSN with pg_last_wal_replay_lsn()', async () => {
    await synchronousStandbys('');
    const plain = await probe('on', 50, true);
    expect(plain.counts['read-your-writes']).toBe(0);
    // With replay held back for 300 ms the wait is what keeps the guarantee.
    await standby.query('SELECT pg_wal_replay_pause()');
    const resume = sleep(300).then(() => standby.query('SELECT pg_wal_replay_resume()'));
    const started = performance.now();
    const held = await probe('on', 1, true);
    const waited = performance.now() - started;
    await resume;
    expect(held.counts['read-your-writes']).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(250);
  }, 30_000);

  it('kills the primary under asynchronous replication: acknowledged commits are lost on promotion; a synchronous one is never acknowledged', async () => {
    await synchronousStandbys('');
    await primary.query('SET synchronous_commit = on');
    // The standby loses the primary (a network blip, a lagging walreceiver): stop its walreceiver.
    await standby.query("ALTER SYSTEM SET primary_conninfo = ''");
    await standby.query('SELECT pg_reload_conf()');
    await until(
      'the walreceiver to stop',
      async () => (await primary.query('SELECT 1 FROM pg_stat_replication')).rowCount === 0,
    );
    const acknowledged: string[] = [];
    for (let i = 0; i < 20; i++) {
      await primary.query('INSERT INTO kv VALUES ($1, $2)', [`async${i}`, i]);
      acknowledged.push(`async${i}`);
    }
    // Now synchronous (FIRST 1 (s1)): with s1 away, a commit waits and is never acknowledged.
    await primary.query("ALTER SYSTEM SET synchronous_standby_names = 's1'");
    await primary.query('SELECT pg_reload_conf()');
    const other = await connect(set.primary.port);
    let syncAcknowledged = false;
    void other
      .query('INSERT INTO kv VALUES ($1, $2)', ['sync0', 0])
      .then(() => (syncAcknowledged = true))
      .catch(() => undefined);
    await sleep(300);
    expect(syncAcknowledged).toBe(false);
    await set.killPrimary();
    await standby.query('SELECT pg_promote(true, 30)');
    const survived = (await standby.query("SELECT k FROM kv WHERE k LIKE 'async%' OR k = 'sync0'")).rows as {
      k: string;
    }[];
    const lost = acknowledged.filter((k) => !survived.some((row) => row.k === k));
    expect(lost.length).toBe(acknowledged.length);
    expect(syncAcknowledged).toBe(false);
    await other.end().catch(() => undefined);
    console.info(
      `PostgreSQL failover: ${lost.length} of ${acknowledged.length} acknowledged asynchronous commits lost; the synchronous commit was never acknowledged`,
    );
  }, 30_000);
});

describe.skipIf(missing !== undefined)('PostgreSQL 15 logical replication, beside physical', () => {
  let publisher: PostgresServer;
  let subscriber: PostgresServer;
  let pub: pg.Client;
  let sub: pg.Client;

  const rows = async (client: pg.Client) =>
    ((await client.query('SELECT k, v FROM kv ORDER BY k')).rows as { k: string; v: number }[]).map(
      (r) => `${r.k}=${r.v}`,
    );

  beforeAll(async () => {
    publisher = await startPostgresServer({ settings: { wal_level: 'logical', synchronous_commit: 'on' } });
    subscriber = await startPostgresServer({ settings: { synchronous_commit: 'on' } });
    pub = await connect(publisher.port);
    sub = await connect(subscriber.port);
    // Logical replication copies rows, not schema: the subscriber creates the table itself.
    for (const client of [pub, sub])
      await client.query('CREATE TABLE kv (k text PRIMARY KEY, v integer NOT NULL)');
    await pub.query('CREATE PUBLICATION p FOR TABLE kv');
    await sub.query(
      `CREATE SUBSCRIPTION s CONNECTION 'host=${publisher.host} port=${publisher.port} user=postgres dbname=postgres' PUBLICATION p`,
    );
  }, 60_000);

  afterAll(async () => {
    await pub?.end().catch(() => undefined);
    await sub?.end().catch(() => undefined);
    await subscriber?.stop();
    await publisher?.stop();
  }, 30_000);

  it('replicates rows, not bytes: the subscriber writes on its own, DDL stays behind, a conflicting row stops the apply', async () => {
    await pub.query("INSERT INTO kv VALUES ('a', 1)");
    await until('row a on the subscriber', async () => (await rows(sub)).includes('a=1'));
    // Unlike a physical standby, the subscriber is a writable database with its own WAL and LSNs.
    await sub.query("INSERT INTO kv VALUES ('local', 7)");
    expect(await rows(pub)).not.toContain('local=7');
    // DDL is not replicated.
    await pub.query('CREATE TABLE other (id integer)');
    await pub.query('INSERT INTO kv VALUES ($1, $2)', ['b', 2]);
    await until('row b on the subscriber', async () => (await rows(sub)).includes('b=2'));
    const other = await sub.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'other'");
    expect(other.rowCount).toBe(0);
    // A row the subscriber already has under the same key: the apply worker fails on it and stops there.
    await sub.query("INSERT INTO kv VALUES ('c', 9)");
    await pub.query("INSERT INTO kv VALUES ('c', 3)");
    await pub.query("INSERT INTO kv VALUES ('d', 4)");
    await sleep(1_500);
    const seen = await rows(sub);
    expect(seen).toContain('c=9');
    expect(seen).not.toContain('d=4');
    console.info(
      `PostgreSQL logical replication: subscriber rows ${seen.join(', ')}; publisher ${(await rows(pub)).join(', ')}`,
    );
  }, 30_000);
});
