/**
 * The claims' experiments as scripts of interleaved sessions, like the anomaly tests: the scenarios
 * run them on the engine and read their verdicts off the records; the PostgreSQL tests run the same
 * scripts on a real server and require identical records.
 */
import type { Script, Step } from './anomalies';
import { TEST_TABLES } from './anomalies';
import {
  and,
  cmp,
  col,
  eq,
  stmt,
  sub,
  type IsolationLevel,
  type Row,
  type Statement,
  type TableSchema,
} from './statements';

export interface Experiment extends Script {
  /** The levels it is run at. */
  readonly levels: readonly IsolationLevel[];
  /** deadlock_timeout the script assumes (its sleeps are longer). */
  readonly deadlockTimeoutMs?: number;
}

const table = (name: string, columns: readonly string[], rows: readonly Row[]) => ({
  schema: { name, columns, key: columns[0] as string } satisfies TableSchema,
  rows,
});

const BEGIN = stmt.begin();
const COMMIT = stmt.commit();
const sleep = (ms: number): Step[1] => ({ kind: 'sleep', ms });

export const DOCTORS = table(
  'doctors',
  ['id', 'oncall'],
  [
    { id: 1, oncall: 1 },
    { id: 2, oncall: 1 },
  ],
);
export const STOCK = table('stock', ['id', 'qty'], [{ id: 1, qty: 1 }]);
export const ORDERS = table(
  'orders',
  ['id', 'amount'],
  [
    { id: 1, amount: 10 },
    { id: 2, amount: 20 },
  ],
);
export const BOOKINGS = table('bookings', ['id', 'room'], []);
export const MARKER = table('marker', ['id', 'value'], [{ id: 1, value: 1 }]);
export const JOBS = table(
  'jobs',
  ['id', 'status'],
  [
    { id: 1, status: 0 },
    { id: 2, status: 0 },
    { id: 3, status: 0 },
    { id: 4, status: 0 },
  ],
);
export const ACCOUNTS = table(
  'accounts',
  ['id', 'balance'],
  Array.from({ length: 12 }, (_, i) => ({ id: i + 1, balance: 100 })),
);

const onCall = cmp('oncall', '=', 1);
const queued = cmp('status', '=', 0);
const claimNext = (skipLocked: boolean): Statement =>
  stmt.select('jobs', queued, {
    orderBy: 'id',
    limit: 1,
    lock: 'update',
    ...(skipLocked ? { waitPolicy: 'skip locked' as const } : {}),
  });

const three: readonly IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

export const experiments = {
  /** A writer and a plain reader of the same row, then a locking reader. */
  readersWriters: {
    id: 'readers-writers',
    title: 'Plain readers and writers of one row, then SELECT … FOR SHARE',
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [2, stmt.select('test')],
      [1, stmt.update('test', { value: 11 }, eq('id', 1))],
      [2, stmt.select('test', eq('id', 1))],
      [2, stmt.select('test', eq('id', 1), { lock: 'share' })],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** DDL in progress: a plain reader of the table waits for it. */
  ddlBlocksReaders: {
    id: 'ddl-blocks-readers',
    title: 'A plain SELECT while ALTER TABLE … ADD COLUMN is in progress',
    levels: ['read committed'],
    steps: [
      [1, BEGIN],
      [1, stmt.addColumn('test', 'note')],
      [2, stmt.select('test')],
      [1, stmt.rollback()],
    ],
  },
  /**
   * Fekete et al.'s read-only anomaly with the reader declared READ ONLY (Ports & Grittner's read-only
   * optimizations apply to it).
   */
  readOnlyDeclared: {
    id: 'read-only-declared',
    title: 'The read-only anomaly with T3 declared READ ONLY',
    levels: three,
    steps: [
      [1, BEGIN],
      [1, stmt.select('test')],
      [2, BEGIN],
      [2, stmt.update('test', { value: { op: '+', left: { col: 'value' }, right: 5 } }, eq('id', 2))],
      [2, COMMIT],
      [3, { kind: 'begin', readOnly: true }],
      [3, stmt.select('test')],
      [3, COMMIT],
      [1, stmt.update('test', { value: 0 }, eq('id', 1))],
      [1, COMMIT],
    ],
  },
  /** A repeated COUNT with an insert committed between. */
  phantomCount: {
    id: 'phantom-count',
    title: 'COUNT(*) twice in one transaction, an order inserted and committed between',
    tables: [ORDERS],
    levels: three,
    steps: [
      [1, BEGIN],
      [1, stmt.count('orders')],
      [2, stmt.insert('orders', { id: 3, amount: 30 })],
      [1, stmt.count('orders')],
      [1, COMMIT],
    ],
  },
  /** Two on-call doctors each check that two are on call, and each goes off call. */
  doctors: {
    id: 'doctors',
    title: 'Write skew: two on-call doctors go off call at once',
    tables: [DOCTORS],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.count('doctors', onCall)],
      [2, stmt.count('doctors', onCall)],
      [1, stmt.update('doctors', { oncall: 0 }, eq('id', 1))],
      [2, stmt.update('doctors', { oncall: 0 }, eq('id', 2))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** The same check with SELECT … FOR UPDATE on the on-call rows. */
  doctorsForUpdate: {
    id: 'doctors-for-update',
    title: 'The doctors lock the on-call rows with FOR UPDATE before checking',
    tables: [DOCTORS],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('doctors', onCall, { lock: 'update' })],
      [2, stmt.select('doctors', onCall, { lock: 'update' })],
      [1, stmt.update('doctors', { oncall: 0 }, eq('id', 1))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** Two bookings of one room, each checked with FOR UPDATE over rows that do not exist yet. */
  bookingPhantom: {
    id: 'booking-phantom',
    title: 'Two bookings of room 1, each checked with SELECT … FOR UPDATE first',
    tables: [BOOKINGS],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('bookings', eq('room', 1), { lock: 'update' })],
      [2, stmt.select('bookings', eq('room', 1), { lock: 'update' })],
      [1, stmt.insert('bookings', { id: 1, room: 1 })],
      [2, stmt.insert('bookings', { id: 2, room: 1 })],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** Two buyers read stock 1 and both write stock 0 (read, then write what they computed). */
  oversell: {
    id: 'oversell',
    title: 'Two buyers read stock 1, then each writes stock 0',
    tables: [STOCK],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('stock', eq('id', 1))],
      [2, stmt.select('stock', eq('id', 1))],
      [1, stmt.update('stock', { qty: 0 }, eq('id', 1))],
      [2, stmt.update('stock', { qty: 0 }, eq('id', 1))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** The same buyers reading with FOR UPDATE: the second reads after the first committed. */
  oversellForUpdate: {
    id: 'oversell-for-update',
    title: 'Two buyers read stock with SELECT … FOR UPDATE',
    tables: [STOCK],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('stock', eq('id', 1), { lock: 'update' })],
      [2, stmt.select('stock', eq('id', 1), { lock: 'update' })],
      [1, stmt.update('stock', { qty: 0 }, eq('id', 1))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** UPDATE … SET qty = qty − 1 WHERE qty >= 1 by two buyers at once. */
  atomicDecrement: {
    id: 'atomic-decrement',
    title: 'Two buyers run UPDATE stock SET qty = qty − 1 WHERE id = 1 AND qty >= 1',
    tables: [STOCK],
    levels: three,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.update('stock', { qty: sub(col('qty'), 1) }, and(eq('id', 1), cmp('qty', '>=', 1)))],
      [2, stmt.update('stock', { qty: sub(col('qty'), 1) }, and(eq('id', 1), cmp('qty', '>=', 1)))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /** A report of count then sum, an order committed between the two statements. */
  report: {
    id: 'report',
    title: 'A report: the rows in one statement; then count and sum in two, an order committed between',
    tables: [ORDERS],
    levels: three,
    steps: [
      [1, BEGIN],
      [1, stmt.select('orders')],
      [1, stmt.count('orders')],
      [2, stmt.insert('orders', { id: 3, amount: 30 })],
      [1, stmt.sum('orders', 'amount')],
      [1, COMMIT],
    ],
  },
  /** The same row updated at READ UNCOMMITTED and read by another session before it commits. */
  readUncommitted: {
    id: 'read-uncommitted',
    title: 'An uncommitted update read at READ UNCOMMITTED',
    levels: ['read uncommitted'],
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.update('test', { value: 101 }, eq('id', 1))],
      [2, stmt.select('test', eq('id', 1))],
      [1, stmt.rollback()],
      [2, COMMIT],
    ],
  },
  /**
   * A deadlock: session 1 first updates ten other accounts (it has done more work). Session 2 locks
   * account 2 and waits for account 1; its deadlock check runs while there is no cycle yet. Then
   * session 1 asks for account 2 and closes the cycle: its own check, a deadlock_timeout later, finds it.
   */
  deadlock: {
    id: 'deadlock',
    title:
      'Two transfers lock accounts 1 and 2 in opposite orders; the one that closes the cycle did more work',
    tables: [ACCOUNTS],
    levels: ['read committed'],
    deadlockTimeoutMs: 200,
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.update('accounts', { balance: sub(col('balance'), 0) }, cmp('id', '>', 2))],
      [1, stmt.update('accounts', { balance: sub(col('balance'), 10) }, eq('id', 1))],
      [2, stmt.update('accounts', { balance: sub(col('balance'), 10) }, eq('id', 2))],
      [2, stmt.update('accounts', { balance: sub(col('balance'), -10) }, eq('id', 1))],
      [0, sleep(500)],
      [1, stmt.update('accounts', { balance: sub(col('balance'), -10) }, eq('id', 2))],
      [0, sleep(700)],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  /**
   * ALTER TABLE … ADD COLUMN behind a long transaction: it waits for ACCESS EXCLUSIVE, and every later
   * query of the table queues behind it until lock_timeout gives up; without a timeout it waits for the
   * long transaction and then finishes at once.
   */
  addColumn: {
    id: 'add-column',
    title: 'ADD COLUMN while a long transaction has read the table',
    tables: [MARKER, { schema: TEST_TABLES[0].schema, rows: TEST_TABLES[0].rows }],
    levels: ['read committed'],
    steps: [
      [1, BEGIN],
      [1, stmt.select('test')],
      [2, stmt.lockTimeout(300)],
      [2, stmt.addColumn('test', 'note')],
      [3, stmt.count('test')],
      [4, stmt.count('test')],
      [0, sleep(600)],
      [2, stmt.lockTimeout(0)],
      [2, stmt.addColumn('test', 'note')],
      [3, stmt.count('test')],
      [1, COMMIT],
      [4, stmt.count('test')],
    ],
  },
  /** Transaction-level and session-level advisory locks, taken and tried by two sessions. */
  advisory: {
    id: 'advisory',
    title: 'pg_try_advisory_xact_lock and pg_advisory_lock across transaction ends',
    levels: ['read committed'],
    steps: [
      [1, BEGIN],
      [1, stmt.advisory('pg_try_advisory_xact_lock', 42)],
      [2, stmt.advisory('pg_try_advisory_xact_lock', 42)],
      [1, COMMIT],
      [2, stmt.advisory('pg_try_advisory_xact_lock', 42)],
      [1, stmt.advisory('pg_advisory_lock', 7)],
      [2, stmt.advisory('pg_try_advisory_lock', 7)],
      [2, stmt.advisory('pg_advisory_xact_lock', 7)],
      [1, stmt.advisory('pg_advisory_unlock', 7)],
      [2, stmt.advisory('pg_advisory_unlock', 7)],
    ],
  },
  /** Three workers claim the next queued job with FOR UPDATE SKIP LOCKED. */
  skipLocked: {
    id: 'skip-locked',
    title: 'Three workers claim the next queued job with FOR UPDATE SKIP LOCKED',
    tables: [JOBS],
    levels: ['read committed'],
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [3, BEGIN],
      [1, claimNext(true)],
      [2, claimNext(true)],
      [3, claimNext(true)],
      [1, stmt.update('jobs', { status: 2 }, eq('id', 1))],
      [2, stmt.update('jobs', { status: 2 }, eq('id', 2))],
      [3, stmt.update('jobs', { status: 2 }, eq('id', 3))],
      [1, COMMIT],
      [2, COMMIT],
      [3, COMMIT],
    ],
  },
  /**
   * Two workers without SKIP LOCKED: the second queues on the first job. (With three, which waiter
   * gets the second job after the first commits is a race inside PostgreSQL.)
   */
  noSkipLocked: {
    id: 'no-skip-locked',
    title: 'Two workers claim the next queued job with plain FOR UPDATE',
    tables: [JOBS],
    levels: ['read committed'],
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, claimNext(false)],
      [2, claimNext(false)],
      [1, stmt.update('jobs', { status: 2 }, eq('id', 1))],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
} satisfies Record<string, Experiment>;

export const allExperiments: readonly Experiment[] = Object.values(experiments);

/** Default tables of a script (the `test` table). */
export const defaultTables = TEST_TABLES;
