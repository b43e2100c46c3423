/**
 * The standard anomaly tests as data: which session runs which statement, in which order, on
 * `test(id int primary key, value int)` holding (1,10) and (2,20). The content is Martin Kleppmann's
 * Hermitage suite (github.com/ept/hermitage, postgres.md) in our own encoding: `BEGIN` steps take the
 * level of the run, so one test runs at every level; a session that Hermitage ends with "abort" after
 * an error ends here with COMMIT (PostgreSQL answers ROLLBACK for a failed block), except G1a, whose
 * point is the rollback.
 */
import { add, cmp, col, eq, isIn, mod, stmt, type Row, type Statement, type TableSchema } from './statements';

export const TEST_TABLE: TableSchema = { name: 'test', columns: ['id', 'value'], key: 'id' };
export const TEST_ROWS: readonly Row[] = [
  { id: 1, value: 10 },
  { id: 2, value: 20 },
];

/** Let time pass (deadlock_timeout, lock_timeout) before the next step. */
export interface Sleep {
  readonly kind: 'sleep';
  readonly ms: number;
}

/**
 * One step: a session number (1-based) and its statement, or a pause. Session 0 is a fresh autocommit
 * session.
 */
export type Step = readonly [session: number, statement: Statement | Sleep];

/** A script of interleaved sessions on some tables: an anomaly test, or a claim's experiment. */
export interface Script {
  readonly id: string;
  readonly title: string;
  /** The tables and their rows at the start (default: `test` with (1,10), (2,20)). */
  readonly tables?: readonly { readonly schema: TableSchema; readonly rows: readonly Row[] }[];
  readonly steps: readonly Step[];
}

export interface AnomalyTest extends Script {
  /** Adya's / Berenson's phenomenon, or the name Hermitage uses. */
  readonly phenomenon: string;
}

export const TEST_TABLES = [{ schema: TEST_TABLE, rows: TEST_ROWS }] as const;

const BEGIN = stmt.begin();
const COMMIT = stmt.commit();
const all = stmt.select('test');
const byId = (id: number) => stmt.select('test', eq('id', id));
const setValue = (value: number, id: number) => stmt.update('test', { value }, eq('id', id));

export const anomalyTests: readonly AnomalyTest[] = [
  {
    id: 'g0',
    title: 'Write cycles (dirty write)',
    phenomenon: 'G0',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, setValue(11, 1)],
      [2, setValue(12, 1)],
      [1, setValue(21, 2)],
      [1, COMMIT],
      [1, all],
      [2, setValue(22, 2)],
      [2, COMMIT],
      [1, all],
    ],
  },
  {
    id: 'g1a',
    title: 'Aborted read',
    phenomenon: 'G1a',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, setValue(101, 1)],
      [2, all],
      [1, stmt.rollback()],
      [2, all],
      [2, COMMIT],
    ],
  },
  {
    id: 'g1b',
    title: 'Intermediate read',
    phenomenon: 'G1b',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, setValue(101, 1)],
      [2, all],
      [1, setValue(11, 1)],
      [1, COMMIT],
      [2, all],
      [2, COMMIT],
    ],
  },
  {
    id: 'g1c',
    title: 'Circular information flow',
    phenomenon: 'G1c',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, setValue(11, 1)],
      [2, setValue(22, 2)],
      [1, byId(2)],
      [2, byId(1)],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  {
    id: 'otv',
    title: 'Observed transaction vanishes',
    phenomenon: 'OTV',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [3, BEGIN],
      [1, setValue(11, 1)],
      [1, setValue(19, 2)],
      [2, setValue(12, 1)],
      [1, COMMIT],
      [3, byId(1)],
      [2, setValue(18, 2)],
      [3, byId(2)],
      [2, COMMIT],
      [3, byId(2)],
      [3, byId(1)],
      [3, COMMIT],
    ],
  },
  {
    id: 'pmp',
    title: 'Predicate-many-preceders (read predicate)',
    phenomenon: 'PMP',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('test', eq('value', 30))],
      [2, stmt.insert('test', { id: 3, value: 30 })],
      [2, COMMIT],
      [1, stmt.select('test', cmp(mod(col('value'), 3), '=', 0))],
      [1, COMMIT],
    ],
  },
  {
    id: 'pmp-write',
    title: 'Predicate-many-preceders (write predicate)',
    phenomenon: 'PMP',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.update('test', { value: add(col('value'), 10) })],
      [2, stmt.delete('test', eq('value', 20))],
      [1, COMMIT],
      [2, stmt.select('test', eq('value', 20))],
      [2, COMMIT],
    ],
  },
  {
    id: 'p4',
    title: 'Lost update',
    phenomenon: 'P4',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, byId(1)],
      [2, byId(1)],
      [1, setValue(11, 1)],
      [2, setValue(11, 1)],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  {
    id: 'g-single',
    title: 'Read skew',
    phenomenon: 'G-single',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, byId(1)],
      [2, byId(1)],
      [2, byId(2)],
      [2, setValue(12, 1)],
      [2, setValue(18, 2)],
      [2, COMMIT],
      [1, byId(2)],
      [1, COMMIT],
    ],
  },
  {
    id: 'g-single-predicate',
    title: 'Read skew (predicate dependencies)',
    phenomenon: 'G-single',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('test', cmp(mod(col('value'), 5), '=', 0))],
      [2, stmt.update('test', { value: 12 }, eq('value', 10))],
      [2, COMMIT],
      [1, stmt.select('test', cmp(mod(col('value'), 3), '=', 0))],
      [1, COMMIT],
    ],
  },
  {
    id: 'g-single-write',
    title: 'Read skew (write predicate)',
    phenomenon: 'G-single',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, byId(1)],
      [2, all],
      [2, setValue(12, 1)],
      [2, setValue(18, 2)],
      [2, COMMIT],
      [1, stmt.delete('test', eq('value', 20))],
      [1, COMMIT],
    ],
  },
  {
    id: 'g2-item',
    title: 'Write skew',
    phenomenon: 'G2-item',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('test', isIn('id', [1, 2]))],
      [2, stmt.select('test', isIn('id', [1, 2]))],
      [1, setValue(11, 1)],
      [2, setValue(21, 2)],
      [1, COMMIT],
      [2, COMMIT],
    ],
  },
  {
    id: 'g2',
    title: 'Anti-dependency cycles (predicate)',
    phenomenon: 'G2',
    steps: [
      [1, BEGIN],
      [2, BEGIN],
      [1, stmt.select('test', cmp(mod(col('value'), 3), '=', 0))],
      [2, stmt.select('test', cmp(mod(col('value'), 3), '=', 0))],
      [1, stmt.insert('test', { id: 3, value: 30 })],
      [2, stmt.insert('test', { id: 4, value: 42 })],
      [1, COMMIT],
      [2, COMMIT],
      [0, stmt.select('test', cmp(mod(col('value'), 3), '=', 0))],
    ],
  },
  {
    id: 'read-only',
    title: 'Read-only anomaly (Fekete, O’Neil and O’Neil)',
    phenomenon: 'G2',
    steps: [
      [1, BEGIN],
      [1, all],
      [2, BEGIN],
      [2, stmt.update('test', { value: add(col('value'), 5) }, eq('id', 2))],
      [2, COMMIT],
      [3, BEGIN],
      [3, all],
      [3, COMMIT],
      [1, setValue(0, 1)],
      [1, COMMIT],
    ],
  },
];

export const TESTED_LEVELS = ['read committed', 'repeatable read', 'serializable'] as const;
