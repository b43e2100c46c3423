/** E4 claims: row locks, deadlocks, SKIP LOCKED queues, advisory locks, measured on the engine. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildMvccWorld, mvccParams, type MvccCluster } from '../cluster';
import { experiments } from '../experiments';
import { failed, startPrograms, type Program } from '../programs';
import { and, cmp, eq, stmt, type IsolationLevel, type Row, type StatementResult } from '../statements';
import { recordOf, step } from './e3';

const rows = ['E4'];

function world(
  seed: number,
  sessions: number,
  tables: Parameters<typeof buildMvccWorld>[3],
  engine: Parameters<typeof buildMvccWorld>[5] = {},
): MvccCluster {
  const params = mvccParams.parse({ sessions, jitterMs: 1 });
  return buildMvccWorld(params, seed, 'hash', tables, undefined, engine);
}

function runToEnd(cluster: MvccCluster, programs: Map<string, Program>, limitMs = 600_000): void {
  const running = startPrograms(cluster, programs);
  cluster.world.runUntilCondition(() => running() === 0, limitMs);
}

const num = (row: Row | undefined, column: string): number => {
  const v = row?.[column];
  return typeof v === 'number' ? v : 0;
};

/**
 * read-then-write: plain reads, then writes of what was computed; for-update: the reads lock the rows;
 * for-update-ordered: the same, lowest id first; optimistic: plain reads of balance and version, then
 * writes conditional on the version being unchanged (a write that matches no row means retry).
 */
export type TransferStrategy = 'read-then-write' | 'for-update' | 'for-update-ordered' | 'optimistic';

/** The accounts table of the transfer workloads (with a version column for the optimistic strategy). */
export function accountsTable(accounts: number, balance: number) {
  return {
    schema: { name: 'accounts', columns: ['id', 'balance', 'version'], key: 'id' },
    rows: Array.from({ length: accounts }, (_, i) => ({ id: i + 1, balance, version: 0 })),
  };
}

export interface TransferStats {
  committed: number;
  retries: number;
  deadlocks: number;
  versionConflicts: number;
}

/** Random transfers between two accounts; `thinkMs` passes after each read (the application computing). */
export function* transfers(
  rng: Rng,
  accounts: number,
  count: number,
  strategy: TransferStrategy,
  level: IsolationLevel,
  stats: TransferStats,
  thinkMs = 2,
): Program {
  const locking = strategy === 'for-update' || strategy === 'for-update-ordered';
  for (let t = 0; t < count; t++) {
    const a = 1 + rng.int(accounts);
    let b = 1 + rng.int(accounts - 1);
    if (b >= a) b++;
    const amount = 1 + rng.int(10);
    for (let attempt = 0; attempt < 20; attempt++) {
      yield stmt.begin(level);
      const order = strategy === 'for-update-ordered' ? [Math.min(a, b), Math.max(a, b)] : [a, b];
      const balances = new Map<number, number>();
      const versions = new Map<number, number>();
      let error = false;
      let conflict = false;
      for (const id of order) {
        const r: StatementResult = yield stmt.select(
          'accounts',
          eq('id', id),
          locking ? { lock: 'update' } : {},
        );
        if (failed(r)) {
          if (failed(r, '40P01')) stats.deadlocks++;
          error = true;
          break;
        }
        balances.set(id, num(r.rows?.[0], 'balance'));
        versions.set(id, num(r.rows?.[0], 'version'));
        yield { kind: 'pause', ms: thinkMs };
      }
      if (!error)
        for (const [id, delta] of [
          [a, -amount],
          [b, amount],
        ] as const) {
          const version = versions.get(id) ?? 0;
          const r: StatementResult = yield strategy === 'optimistic'
            ? stmt.update(
                'accounts',
                { balance: (balances.get(id) ?? 0) + delta, version: version + 1 },
                and(eq('id', id), eq('version', version)),
              )
            : stmt.update('accounts', { balance: (balances.get(id) ?? 0) + delta }, eq('id', id));
          if (failed(r)) {
            if (failed(r, '40P01')) stats.deadlocks++;
            error = true;
            break;
          }
          if (strategy === 'optimistic' && r.rowCount === 0) {
            conflict = true; // someone changed the row since it was read
            error = true;
            break;
          }
        }
      const end: StatementResult = yield error ? stmt.rollback() : stmt.commit();
      if (!error && end.tag === 'COMMIT') {
        stats.committed++;
        break;
      }
      stats.retries++;
      if (conflict) stats.versionConflicts++;
    }
  }
}

const transfersScenario: Scenario = {
  id: 'transfers-lock-order',
  title:
    'Concurrent transfers: unlocked, FOR UPDATE, FOR UPDATE in id order, optimistic with a version column',
  claim:
    'SELECT … FOR UPDATE makes concurrent transfers wait instead of race; locking accounts in ascending id order prevents deadlock: run random transfer pairs ordered and unordered.',
  expected: 'holds',
  rows,
  run({ seed, quick }): ScenarioResult {
    const clients = 4;
    const perClient = quick ? 15 : 60;
    const accounts = 5;
    const table: (string | number)[][] = [];
    const figures: Record<string, number> = {};
    for (const strategy of ['read-then-write', 'for-update', 'for-update-ordered', 'optimistic'] as const) {
      const cluster = world(seed, clients, [accountsTable(accounts, 1000)]);
      const stats: TransferStats = { committed: 0, retries: 0, deadlocks: 0, versionConflicts: 0 };
      const rng = new Rng(seed).fork(`transfers-${strategy}`);
      const programs = new Map<string, Program>();
      for (const id of cluster.clients)
        programs.set(id, transfers(rng.fork(id), accounts, perClient, strategy, 'read committed', stats));
      runToEnd(cluster, programs);
      const engine = cluster.server().engine;
      const total = engine.committedRows('accounts').reduce((sum, row) => sum + num(row, 'balance'), 0);
      const drift = Math.abs(total - accounts * 1000);
      table.push([
        strategy,
        stats.committed,
        drift,
        engine.stats.deadlocks,
        stats.versionConflicts,
        stats.retries,
        Math.round(cluster.world.now()),
      ]);
      figures[`${strategy}:moneyCreatedOrLost`] = drift;
      figures[`${strategy}:versionConflicts`] = stats.versionConflicts;
      figures[`${strategy}:deadlocks`] = engine.stats.deadlocks;
      figures[`${strategy}:committed`] = stats.committed;
    }
    const raced = (figures['read-then-write:moneyCreatedOrLost'] ?? 0) > 0;
    const lockedSafe =
      figures['for-update:moneyCreatedOrLost'] === 0 &&
      figures['for-update-ordered:moneyCreatedOrLost'] === 0 &&
      figures['optimistic:moneyCreatedOrLost'] === 0;
    const orderedNoDeadlock = figures['for-update-ordered:deadlocks'] === 0;
    const unorderedDeadlocked = (figures['for-update:deadlocks'] ?? 0) > 0;
    return {
      observed: raced && lockedSafe && orderedNoDeadlock && unorderedDeadlocked ? 'holds' : 'fails',
      summary: `${clients} clients × ${perClient} random transfers over ${accounts} accounts at READ COMMITTED: read-then-write lost or created ${figures['read-then-write:moneyCreatedOrLost']} in total balance; FOR UPDATE kept the total (${figures['for-update:moneyCreatedOrLost']}) but deadlocked ${figures['for-update:deadlocks']} times; FOR UPDATE in ascending id order kept the total with ${figures['for-update-ordered:deadlocks']} deadlocks. Optimistic (version column) transfers kept it too (${figures['optimistic:moneyCreatedOrLost']}), retrying ${figures['optimistic:versionConflicts']} version conflicts instead of waiting.`,
      measurements: figures,
      tables: [
        {
          columns: [
            'strategy',
            'committed',
            'balance drift',
            'deadlocks',
            'version conflicts',
            'retries',
            'virtual ms',
          ],
          rows: table,
        },
      ],
    };
  },
};

const deadlockVictim: Scenario = {
  id: 'deadlock-victim',
  title: 'Who is aborted when two transfers deadlock',
  claim: 'PostgreSQL picks the deadlock victim with the lowest rollback cost.',
  expected: 'fails',
  corrected:
    'PostgreSQL aborts the waiting transaction whose own deadlock check (after deadlock_timeout of waiting) finds the cycle, whatever work it did; choosing the cheapest transaction is another engine’s rule (offered here as an option).',
  rows,
  async run(): Promise<ScenarioResult> {
    const victims: Record<string, string> = {};
    for (const rule of ['detector', 'least-work'] as const) {
      const r = await recordOf(experiments.deadlock, 'read committed', { deadlockVictim: rule });
      const s1 = step(r, 7).error === '40P01';
      const s2 = step(r, 5).error === '40P01';
      victims[rule] = s1 ? 'heavy' : s2 ? 'light' : 'none';
    }
    return {
      observed: victims.detector === 'heavy' && victims['least-work'] === 'light' ? 'fails' : 'holds',
      summary: `The transaction that had updated 11 rows closed the cycle; the other had updated 1. PostgreSQL's rule (the waiter whose check finds the cycle) aborted the ${victims.detector} one — as PostgreSQL 15 itself does in the tests; the least-work rule aborted the ${victims['least-work']} one.`,
      measurements: {
        detectorAbortsHeavy: victims.detector === 'heavy' ? 1 : 0,
        leastWorkAbortsLight: victims['least-work'] === 'light' ? 1 : 0,
      },
    };
  },
};

export interface QueueStats {
  processed: Map<number, number>;
}

/** A queue worker: claims the next queued job (FOR UPDATE, optionally SKIP LOCKED), works on it, marks it done. */
export function* worker(skipLocked: boolean, workMs: number, stats: QueueStats): Program {
  for (;;) {
    yield stmt.begin('read committed');
    const r: StatementResult = yield stmt.select('jobs', cmp('status', '=', 0), {
      orderBy: 'id',
      limit: 1,
      lock: 'update',
      ...(skipLocked ? { waitPolicy: 'skip locked' as const } : {}),
    });
    const job = r.rows?.[0];
    if (!job) {
      yield stmt.commit();
      return;
    }
    yield { kind: 'pause', ms: workMs };
    const id = num(job, 'id');
    yield stmt.update('jobs', { status: 2 }, eq('id', id));
    yield stmt.commit();
    stats.processed.set(id, (stats.processed.get(id) ?? 0) + 1);
  }
}

const skipLockedScenario: Scenario = {
  id: 'skip-locked-queue',
  title: 'A job queue with FOR UPDATE SKIP LOCKED',
  claim:
    'SKIP LOCKED lets N workers claim distinct jobs without waiting; without it they queue on the first row.',
  expected: 'holds',
  rows,
  run({ seed, quick }): ScenarioResult {
    const workers = 4;
    const jobs = quick ? 12 : 60;
    const workMs = 20;
    const out: Record<string, { waits: number; ms: number; duplicates: number; processed: number }> = {};
    for (const skip of [true, false]) {
      const cluster = world(seed, workers, [
        {
          schema: { name: 'jobs', columns: ['id', 'status'], key: 'id' },
          rows: Array.from({ length: jobs }, (_, i) => ({ id: i + 1, status: 0 })),
        },
      ]);
      const stats: QueueStats = { processed: new Map() };
      const programs = new Map<string, Program>();
      for (const id of cluster.clients) programs.set(id, worker(skip, workMs, stats));
      runToEnd(cluster, programs);
      const engine = cluster.server().engine;
      out[skip ? 'skip locked' : 'plain FOR UPDATE'] = {
        waits: engine.stats.lockWaits,
        ms: Math.round(cluster.world.now()),
        duplicates: [...stats.processed.values()].filter((n) => n > 1).length,
        processed: stats.processed.size,
      };
    }
    const skip = out['skip locked'] as { waits: number; ms: number; duplicates: number; processed: number };
    const plain = out['plain FOR UPDATE'] as {
      waits: number;
      ms: number;
      duplicates: number;
      processed: number;
    };
    const holds =
      skip.waits === 0 &&
      skip.duplicates === 0 &&
      skip.processed === jobs &&
      plain.waits > 0 &&
      plain.ms > skip.ms;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `${workers} workers, ${jobs} jobs of ${workMs} ms each: with SKIP LOCKED ${skip.waits} lock waits, ${skip.processed} distinct jobs done, none twice, drained in ${skip.ms} ms; with plain FOR UPDATE ${plain.waits} lock waits (each worker queued on the first queued row) and ${plain.ms} ms.`,
      measurements: {
        skipLockedWaits: skip.waits,
        skipLockedMs: skip.ms,
        skipLockedDuplicates: skip.duplicates,
        plainWaits: plain.waits,
        plainMs: plain.ms,
      },
      tables: [
        {
          columns: ['claim', 'lock waits', 'jobs done', 'done twice', 'virtual ms to drain'],
          rows: Object.entries(out).map(([k, v]) => [k, v.waits, v.processed, v.duplicates, v.ms]),
        },
      ],
    };
  },
};

function* claimingWorker(workMs: number, done: Map<number, number>, firstJobMs = workMs): Program {
  for (let n = 0; ; n++) {
    yield stmt.begin('read committed');
    const r: StatementResult = yield stmt.select('jobs', cmp('status', '=', 0), {
      orderBy: 'id',
      limit: 1,
      lock: 'update',
      waitPolicy: 'skip locked',
    });
    const job = r.rows?.[0];
    if (!job) {
      yield stmt.commit();
      return;
    }
    const id = num(job, 'id');
    yield stmt.update('jobs', { status: 1 }, eq('id', id)); // claimed; the claim time is the row's version
    yield stmt.commit();
    yield { kind: 'pause', ms: n === 0 ? firstJobMs : workMs }; // processing, outside any transaction
    yield stmt.update('jobs', { status: 2 }, eq('id', id));
    done.set(id, (done.get(id) ?? 0) + 1);
  }
}

function* reaper(rounds: number, everyMs: number, requeued: { count: number }): Program {
  // Re-queue claims older than one round: a claimed job seen claimed on two consecutive rounds.
  let seen = new Set<number>();
  for (let i = 0; i < rounds; i++) {
    yield { kind: 'pause', ms: everyMs };
    const r: StatementResult = yield stmt.select('jobs', cmp('status', '=', 1));
    const now = new Set((r.rows ?? []).map((row) => num(row, 'id')));
    for (const id of now)
      if (seen.has(id)) {
        const u: StatementResult = yield stmt.update(
          'jobs',
          { status: 0 },
          and(eq('id', id), cmp('status', '=', 1)),
        );
        requeued.count += u.rowCount ?? 0;
      }
    seen = now;
  }
}

const reaperScenario: Scenario = {
  id: 'reaper-at-least-once',
  title: 'A crashed worker’s claim, re-queued by a reaper',
  claim: 'A worker crash leaves a job claimed; a reaper that re-queues stale claims gives at-least-once.',
  expected: 'holds',
  rows,
  run({ seed, quick }): ScenarioResult {
    const jobs = quick ? 8 : 30;
    const workMs = 30;
    const params = mvccParams.parse({ sessions: 4, jitterMs: 1 });
    const cluster = buildMvccWorld(
      params,
      seed,
      'hash',
      [
        {
          schema: { name: 'jobs', columns: ['id', 'status'], key: 'id' },
          rows: Array.from({ length: jobs }, (_, i) => ({ id: i + 1, status: 0 })),
        },
      ],
      ['w1', 'w2', 'w3', 'reaper'],
    );
    const done = new Map<number, number>();
    const requeued = { count: 0 };
    const programs = new Map<string, Program>([
      ['w1', claimingWorker(workMs, done)],
      ['w2', claimingWorker(workMs, done, 500)], // its first job is slow: past the reaper's deadline
      ['w3', claimingWorker(workMs, done)],
      ['reaper', reaper(quick ? 20 : 60, 100, requeued)],
    ]);
    // w1 crashes while processing its first job.
    cluster.world.at(15, 'crash w1', () => cluster.world.crash('w1'));
    const running = startPrograms(cluster, programs);
    cluster.world.runUntilCondition(() => running() === 0, 600_000);
    const statuses = cluster.server().engine.committedRows('jobs');
    const finished = statuses.filter((row) => row.status === 2).length;
    const stranded = statuses.filter((row) => row.status === 1).length;
    const twice = [...done.values()].filter((n) => n > 1).length;
    const holds = finished === jobs && requeued.count >= 2 && stranded === 0 && twice >= 1;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `${jobs} jobs, three workers; w1 crashed holding a claim and w2 took 500 ms over its first job. The reaper re-queued ${requeued.count} stale claim(s); ${finished} of ${jobs} jobs finished, ${stranded} left claimed, ${twice} processed twice. ${twice > 0 ? 'A stalled worker finished a job that had been re-queued and done by another: ' : 'Nothing ran twice here, but a worker slower than the deadline would finish a re-queued job again: '}delivery is at least once, not exactly once.`,
      measurements: { jobs, finished, requeued: requeued.count, processedTwice: twice, stranded },
    };
  },
};

const advisoryScenario: Scenario = {
  id: 'advisory-xact-lock',
  title: 'Transaction-level and session-level advisory locks',
  claim: 'pg_try_advisory_xact_lock takes a session-level lock.',
  expected: 'fails',
  corrected:
    'The _xact_ forms are released when the transaction ends (commit or rollback); only pg_advisory_lock and pg_try_advisory_lock hold until unlocked or the session ends.',
  rows,
  async run(): Promise<ScenarioResult> {
    const r = await recordOf(experiments.advisory, 'read committed');
    const got = (i: number) => {
      const v = step(r, i).rows?.[0]?.result;
      return typeof v === 'number' ? v : -1;
    };
    const heldInTxn = got(2) === 0 ? 1 : 0; // another session could not take it during the transaction
    const freeAfterCommit = got(4);
    const sessionLockHeld = got(6) === 0 ? 1 : 0;
    const waitedForUnlock = step(r, 7).blocked && step(r, 7).unblockedBy === 8 ? 1 : 0;
    return {
      observed: heldInTxn === 1 && freeAfterCommit === 1 && sessionLockHeld === 1 ? 'fails' : 'holds',
      summary: `pg_try_advisory_xact_lock(42): another session's try failed while the transaction ran (${heldInTxn}) and succeeded right after its COMMIT (${freeAfterCommit}). pg_advisory_lock(7) outlived its statement's transaction (another try failed: ${sessionLockHeld}) until pg_advisory_unlock, which released a waiter (${waitedForUnlock}).`,
      measurements: {
        heldDuringTxn: heldInTxn,
        freeAfterCommit,
        sessionLockOutlivesTxn: sessionLockHeld,
        waitedForUnlock,
      },
    };
  },
};

const addColumnScenario: Scenario = {
  id: 'add-column-lock-queue',
  title: 'ALTER TABLE … ADD COLUMN behind a long transaction',
  claim: 'Adding a nullable column is zero-downtime.',
  expected: 'partly',
  corrected:
    'The change itself is instant (no row is rewritten), but it needs an ACCESS EXCLUSIVE lock: queued behind a long transaction it blocks every later query of the table. Set lock_timeout so it gives up (and retry) instead.',
  rows,
  async run(): Promise<ScenarioResult> {
    const r = await recordOf(experiments.addColumn, 'read committed');
    const firstAlter = step(r, 3);
    const queuedReads = [step(r, 4), step(r, 5)].filter((s) => s.blocked && s.unblockedBy === 6).length;
    const timedOut = firstAlter.error === '55P03' ? 1 : 0;
    const secondAlter = step(r, 8);
    const readBehindSecond = step(r, 9);
    const readAfter = step(r, 11);
    const waitedForLongTxn = secondAlter.blocked && secondAlter.unblockedBy === 10 ? 1 : 0;
    const blockedBehindSecond = readBehindSecond.blocked && readBehindSecond.unblockedBy === 10 ? 1 : 0;
    const partly =
      queuedReads === 2 &&
      timedOut === 1 &&
      waitedForLongTxn === 1 &&
      blockedBehindSecond === 1 &&
      !readAfter.blocked;
    return {
      observed: partly ? 'partly' : queuedReads === 0 ? 'holds' : 'fails',
      summary: `A transaction had read the table and stayed open. ADD COLUMN with lock_timeout 300 ms waited for ACCESS EXCLUSIVE and ${queuedReads} plain COUNTs that arrived after it queued behind it until it gave up with ${firstAlter.error ?? 'no error'}. Without a timeout it waited for the long transaction (${waitedForLongTxn}), a read queued behind it (${blockedBehindSecond}), and once the long transaction committed both finished at once; a later read did not wait.`,
      measurements: {
        readsQueuedBehindAlter: queuedReads,
        alterTimedOut: timedOut,
        alterWaitedForLongTxn: waitedForLongTxn,
      },
      counterexample: {
        steps: r.steps.map(
          (s) =>
            `${s.session}: ${s.sql}${s.blocked ? ` (blocked until step ${s.unblockedBy})` : ''}${s.error ? ` → ${s.error}` : ''}`,
        ),
      },
    };
  },
};

export const e4Scenarios: readonly Scenario[] = [
  transfersScenario,
  deadlockVictim,
  skipLockedScenario,
  reaperScenario,
  advisoryScenario,
  addColumnScenario,
];
