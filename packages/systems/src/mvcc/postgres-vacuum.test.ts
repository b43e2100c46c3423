/**
 * E3's VACUUM claim on PostgreSQL 15: dead versions stay while a REPEATABLE READ transaction that could
 * see them is open, and VACUUM removes them once it ends — the same figures as the engine's scenario.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres, type PostgresClient } from '@dslab/runtime/testing';
import { TEST_ROWS, TEST_TABLE } from './anomalies';
import { DirectEngine } from './scenarios/e3';
import { eq, stmt } from './statements';
import { resetTable, runSql } from './test-support/postgres-target';

const postgres = usePostgres({ settings: { autovacuum: 'off' } });

/** VACUUM (VERBOSE) and its "tuples: R removed, N remain, D are dead but not yet removable" line. */
async function vacuum(client: PostgresClient): Promise<{ removed: number; kept: number }> {
  const notices: string[] = [];
  const listener = (notice: { message?: string }) => notices.push(notice.message ?? '');
  client.on('notice', listener);
  await client.query('vacuum (verbose) test');
  client.off('notice', listener);
  const line = notices
    .join('\n')
    .match(/tuples: (\d+) removed, (\d+) remain, (\d+) are dead but not yet removable/);
  if (!line) throw new Error(`no tuples line in VACUUM VERBOSE output: ${notices.join(' | ')}`);
  return { removed: Number(line[1]), kept: Number(line[3]) };
}

describe.skipIf(postgres.missing !== undefined)('VACUUM and a long transaction on PostgreSQL 15', () => {
  it('keeps the dead versions a REPEATABLE READ snapshot may see, removes them after it ends', async () => {
    const updates = 50;
    const admin = await postgres.connect();
    await resetTable(admin, TEST_TABLE, TEST_ROWS);
    const report = await postgres.connect();
    const writer = await postgres.connect();
    await runSql(report, stmt.begin('repeatable read'));
    await runSql(report, stmt.select('test'));
    for (let i = 0; i < updates; i++)
      await runSql(writer, stmt.update('test', { value: 100 + i }, eq('id', 2)));
    const held = await vacuum(admin);
    const seen = (await runSql(report, stmt.select('test', eq('id', 2)))).rows?.[0]?.value;
    await runSql(report, stmt.commit());
    const after = await vacuum(admin);

    const db = new DirectEngine();
    db.engine.createTable(TEST_TABLE, TEST_ROWS);
    db.session('report');
    db.session('writer');
    db.run('report', stmt.begin('repeatable read'));
    db.run('report', stmt.select('test'));
    for (let i = 0; i < updates; i++) db.run('writer', stmt.update('test', { value: 100 + i }, eq('id', 2)));
    const oursHeld = db.engine.vacuum('test', false);
    db.run('report', stmt.commit());
    const oursAfter = db.engine.vacuum('test', false);

    console.log('PostgreSQL VACUUM', { held, after, seen }, 'engine', {
      held: { removed: oursHeld.removed, kept: oursHeld.keptRecentlyDead },
      after: { removed: oursAfter.removed, kept: oursAfter.keptRecentlyDead },
    });
    expect(seen).toBe(20);
    expect(held).toEqual({ removed: oursHeld.removed, kept: oursHeld.keptRecentlyDead });
    expect(after).toEqual({ removed: oursAfter.removed, kept: oursAfter.keptRecentlyDead });
  });
});
