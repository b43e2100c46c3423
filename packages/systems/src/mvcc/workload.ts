/**
 * The list-append workload (Elle's): each key is a row of `lists(id int primary key, value int[])`; a
 * transaction appends unique values to keys and reads whole lists, at one isolation level. Every
 * transaction is recorded (invoked, then ok / fail / unknown) for the transactional checker.
 */
import {
  TxnRecorder,
  checkTransactions,
  type ConsistencyModel,
  type MicroOp,
  type TxnCheckResult,
} from '@dslab/check';
import { Rng } from '@dslab/sim';
import type { MvccCluster } from './cluster';
import { failed, startPrograms, type Program } from './programs';
import {
  append,
  eq,
  stmt,
  type IsolationLevel,
  type Row,
  type StatementResult,
  type TableSchema,
} from './statements';

export const LISTS: TableSchema = { name: 'lists', columns: ['id', 'value'], key: 'id', arrays: ['value'] };

export function listRows(keys: number): Row[] {
  return Array.from({ length: keys }, (_, i) => ({ id: i, value: [] }));
}

/** The model a level must satisfy: what the checker should find nothing against. */
export function consistencyOf(level: IsolationLevel): ConsistencyModel {
  if (level === 'serializable') return 'serializable';
  if (level === 'repeatable read') return 'snapshot-isolation';
  return 'read-committed';
}

export interface WorkloadOptions {
  readonly level: IsolationLevel;
  readonly keys: number;
  readonly opsPerTxn: number;
  /** Stop starting transactions at this virtual time. */
  readonly untilMs: number;
}

export interface ClientOptions {
  readonly level: IsolationLevel;
  readonly keys: number;
  readonly opsPerTxn: number;
  /** Whether to start another transaction. */
  more(): boolean;
  /** The time recorded for invocations and completions. */
  now(): number;
  /** Think time after each statement (0: none). */
  readonly thinkMs?: number;
}

/** One client of the workload: the same program runs on the engine and on PostgreSQL. */
export function* listAppendProgram(
  process: string,
  index: number,
  rng: Rng,
  recorder: TxnRecorder,
  options: ClientOptions,
): Program {
  let nextValue = 1;
  const think = options.thinkMs ?? 0;
  while (options.more()) {
    const ops: MicroOp[] = [];
    for (let i = 0; i < options.opsPerTxn; i++) {
      const key = rng.int(options.keys);
      if (rng.next() < 0.5) ops.push({ f: 'append', key, value: index * 1_000_000 + nextValue++ });
      else ops.push({ f: 'r', key, value: null });
    }
    const id = recorder.invoke(process, ops, options.now());
    const done: MicroOp[] = [];
    let error = false;
    const begin: StatementResult = yield stmt.begin(options.level);
    if (failed(begin)) error = true;
    for (const op of ops) {
      if (error) break;
      if (op.f === 'append') {
        const r: StatementResult = yield stmt.update(
          'lists',
          { value: append('value', op.value as number) },
          eq('id', op.key as number),
        );
        if (failed(r)) error = true;
        else done.push(op);
        if (think > 0) yield { kind: 'pause', ms: think };
      } else {
        const r: StatementResult = yield stmt.select('lists', eq('id', op.key as number));
        const list = r.rows?.[0]?.value;
        if (failed(r) || !Array.isArray(list)) error = true;
        else done.push({ f: 'r', key: op.key, value: list });
        if (think > 0) yield { kind: 'pause', ms: think };
      }
    }
    const end: StatementResult = yield error ? stmt.rollback() : stmt.commit();
    if (!error && end.tag === 'COMMIT') recorder.ok(id, done, options.now());
    else if (!error && end.error?.code.startsWith('08'))
      recorder.info(id, options.now()); // the commit's fate is unknown
    else recorder.fail(id, options.now());
  }
}

/** Starts the workload on every client; returns the recorder and how many clients are still running. */
export function startListAppend(
  cluster: MvccCluster,
  seed: number,
  options: WorkloadOptions,
): { recorder: TxnRecorder; running: () => number } {
  const recorder = new TxnRecorder();
  const rng = new Rng(seed).fork('list-append');
  const programs = new Map<string, Program>();
  cluster.clients.forEach((id, i) =>
    programs.set(
      id,
      listAppendProgram(id, i + 1, rng.fork(id), recorder, {
        ...options,
        more: () => cluster.world.now() < options.untilMs,
        now: () => cluster.world.now(),
      }),
    ),
  );
  return { recorder, running: startPrograms(cluster, programs) };
}

export function checkListAppend(recorder: TxnRecorder, level: IsolationLevel): TxnCheckResult {
  return checkTransactions(recorder.history(), { model: 'list-append', consistency: consistencyOf(level) });
}
