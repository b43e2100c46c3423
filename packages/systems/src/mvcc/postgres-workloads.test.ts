/**
 * E4's real side: concurrent transfers and a job queue on PostgreSQL 15, driven by the same client
 * programs the scenarios run on the engine. Skips with a message when PostgreSQL is not installed.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '@dslab/sim';
import { TxnRecorder, checkTransactions } from '@dslab/check';
import { usePostgres } from '@dslab/runtime/testing';
import { JOBS } from './experiments';
import type { Program } from './programs';
import {
  accountsTable,
  transfers,
  worker,
  type QueueStats,
  type TransferStats,
  type TransferStrategy,
} from './scenarios/e4';
import { stmt } from './statements';
import { checkListAppend, listAppendProgram, listRows, LISTS } from './workload';
import { resetTable, runProgramsOnPostgres, runSql } from './test-support/postgres-target';

const postgres = usePostgres({ settings: { autovacuum: 'off', deadlock_timeout: '100ms' } });

describe.skipIf(postgres.missing !== undefined)('E4 on PostgreSQL 15', () => {
  async function transferRun(strategy: TransferStrategy) {
    const admin = await postgres.connect();
    const accounts = 5;
    const table = accountsTable(accounts, 100);
    await resetTable(admin, table.schema, table.rows);
    const stats: TransferStats = { committed: 0, retries: 0, deadlocks: 0, versionConflicts: 0 };
    const rng = new Rng(7).fork(strategy);
    const programs = new Map<string, Program>();
    for (let c = 1; c <= 4; c++)
      programs.set(`c${c}`, transfers(rng.fork(`c${c}`), accounts, 15, strategy, 'read committed', stats, 5));
    await runProgramsOnPostgres(() => postgres.connect(), programs);
    const rows = (await runSql(admin, stmt.select('accounts'))).rows ?? [];
    const total = rows.reduce((sum, row) => sum + (typeof row.balance === 'number' ? row.balance : 0), 0);
    return { drift: Math.abs(total - accounts * 100), ...stats };
  }

  it('transfers: read-then-write races, FOR UPDATE waits (and deadlocks unless ordered), version checks retry', async () => {
    const race = await transferRun('read-then-write');
    const locked = await transferRun('for-update');
    const ordered = await transferRun('for-update-ordered');
    const optimistic = await transferRun('optimistic');
    console.log('PostgreSQL transfers', { race, locked, ordered, optimistic });
    expect(optimistic.drift).toBe(0);
    expect(optimistic.versionConflicts).toBeGreaterThan(0);
    expect(race.drift).toBeGreaterThan(0);
    expect(locked.drift).toBe(0);
    expect(locked.deadlocks).toBeGreaterThan(0);
    expect(ordered.drift).toBe(0);
    expect(ordered.deadlocks).toBe(0);
    expect(ordered.committed).toBe(60);
  });

  it('job queue: SKIP LOCKED workers claim distinct jobs and drain faster than plain FOR UPDATE', async () => {
    const admin = await postgres.connect();
    const times: Record<string, number> = {};
    for (const skip of [true, false]) {
      const jobs = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, status: 0 }));
      await resetTable(admin, JOBS.schema, jobs);
      const stats: QueueStats = { processed: new Map() };
      const programs = new Map<string, Program>();
      for (let w = 1; w <= 4; w++) programs.set(`w${w}`, worker(skip, 40, stats));
      const started = performance.now();
      await runProgramsOnPostgres(() => postgres.connect(), programs);
      times[skip ? 'skip' : 'plain'] = performance.now() - started;
      expect([...stats.processed.values()].every((n) => n === 1)).toBe(true);
      expect(stats.processed.size).toBe(12);
    }
    console.log('PostgreSQL job queue ms', times);
    expect(times.plain).toBeGreaterThan(1.5 * (times.skip ?? 0));
  });
});

describe.skipIf(postgres.missing !== undefined)(
  'list-append histories on PostgreSQL 15, judged by the txn checker',
  () => {
    const levels = ['read committed', 'repeatable read', 'serializable'] as const;

    it.each(levels.map((l) => [l]))('at %s: nothing the level forbids', async (level) => {
      const admin = await postgres.connect();
      await resetTable(admin, LISTS, listRows(3));
      const recorder = new TxnRecorder();
      const rng = new Rng(11).fork(level);
      const programs = new Map<string, Program>();
      const started = performance.now();
      for (let c = 1; c <= 4; c++) {
        let left = 40;
        programs.set(
          `c${c}`,
          listAppendProgram(`c${c}`, c, rng.fork(`c${c}`), recorder, {
            level,
            keys: 3,
            opsPerTxn: 3,
            more: () => left-- > 0,
            now: () => performance.now() - started,
            thinkMs: 1,
          }),
        );
      }
      await runProgramsOnPostgres(() => postgres.connect(), programs);
      const own = checkListAppend(recorder, level);
      const stronger = checkTransactions(recorder.history(), {
        model: 'list-append',
        consistency: 'serializable',
      });
      console.log(
        `PostgreSQL ${level}: ${own.stats.committed} committed; against serializable: ${JSON.stringify(stronger.counts)}`,
      );
      expect(own.valid, JSON.stringify(own.counts)).toBe(true);
      if (level === 'serializable') expect(stronger.valid).toBe(true);
      // Four clients on three keys let write skew through snapshot isolation every time we ran it.
      if (level === 'repeatable read') expect(stronger.counts['G2-item'] ?? 0).toBeGreaterThan(0);
      if (level === 'read committed') expect(stronger.forbidden.length).toBeGreaterThan(0);
      expect(own.stats.committed).toBeGreaterThan(20);
    });
  },
);
