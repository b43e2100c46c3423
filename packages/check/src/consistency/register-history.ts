/**
 * A history of reads and writes of registers (one per key), as the consistency checkers need it: each
 * operation's key and value resolved, operations grouped by session in program order, failed
 * operations dropped (they took no effect) and reads of unknown outcome dropped (they saw nothing
 * anyone can judge). Writes must be differentiated — no value written twice to one key — so every
 * read names the write it read from, as Bouajjani et al. (2017) assume.
 */
import type { History, Operation } from '../history';

/** One read or write, with ids the checkers index by. */
export interface RegisterOp {
  readonly id: number;
  readonly process: string;
  readonly kind: 'read' | 'write';
  readonly key: string;
  /** Written or read; null is the initial value. */
  readonly value: unknown;
  readonly call: number;
  readonly ret: number;
  /** A write whose outcome is unknown (info): it may or may not have taken effect. */
  readonly optional: boolean;
}

export interface RegisterHistory {
  readonly ops: readonly RegisterOp[];
  /** Each session's operations in program order (indices into `ops`). */
  readonly sessions: ReadonlyMap<string, readonly number[]>;
  /** For each read (by index): the index of the write it read from, 'initial', or 'unknown' (nothing wrote it). */
  readonly readsFrom: ReadonlyMap<number, number | 'initial' | 'unknown'>;
  /** The writes of each key (indices into `ops`). */
  readonly writesOf: ReadonlyMap<string, readonly number[]>;
}

function keyOf(op: Operation): string {
  if (!Array.isArray(op.input) || op.input.length < 1 || typeof op.input[0] !== 'string')
    throw new Error(
      `consistency: operation ${op.id} must have input [key, …] with a string key, got ${JSON.stringify(op.input)}`,
    );
  return op.input[0];
}

/** The read's value: its output, or the value of a Jepsen-style [key, value] completion. */
function readValue(op: Operation): unknown {
  const out = op.output;
  if (Array.isArray(out) && out.length === 2 && Array.isArray(op.input) && out[0] === op.input[0])
    return out[1];
  return out === undefined ? null : out;
}

export function registerHistory(history: History): RegisterHistory {
  const ops: RegisterOp[] = [];
  for (const op of history) {
    if (op.f !== 'read' && op.f !== 'write')
      throw new Error(
        `consistency: operation ${op.id} is '${op.f}'; only read and write of registers are judged`,
      );
    if (op.outcome === 'fail') continue;
    if (op.f === 'read' && op.outcome !== 'ok') continue;
    const key = keyOf(op);
    ops.push({
      id: op.id,
      process: op.process,
      kind: op.f,
      key,
      value: op.f === 'write' ? (op.input as unknown[])[1] : readValue(op),
      call: op.call,
      ret: op.ret,
      optional: op.outcome === 'info',
    });
  }
  const sessions = new Map<string, number[]>();
  ops.forEach((op, index) => {
    let list = sessions.get(op.process);
    if (!list) sessions.set(op.process, (list = []));
    list.push(index);
  });
  for (const list of sessions.values())
    list.sort((a, b) => (ops[a] as RegisterOp).call - (ops[b] as RegisterOp).call || a - b);
  const writesOf = new Map<string, number[]>();
  const writer = new Map<string, number>();
  ops.forEach((op, index) => {
    if (op.kind !== 'write') return;
    const id = `${op.key}\u0000${JSON.stringify(op.value)}`;
    if (op.value === null) throw new Error(`consistency: operation ${op.id} writes null, the initial value`);
    if (writer.has(id))
      throw new Error(
        `consistency: ${JSON.stringify(op.value)} is written to ${op.key} twice (operations ${(ops[writer.get(id) as number] as RegisterOp).id} and ${op.id}); the checkers need each value written once per key`,
      );
    writer.set(id, index);
    let list = writesOf.get(op.key);
    if (!list) writesOf.set(op.key, (list = []));
    list.push(index);
  });
  const readsFrom = new Map<number, number | 'initial' | 'unknown'>();
  ops.forEach((op, index) => {
    if (op.kind !== 'read') return;
    if (op.value === null) readsFrom.set(index, 'initial');
    else readsFrom.set(index, writer.get(`${op.key}\u0000${JSON.stringify(op.value)}`) ?? 'unknown');
  });
  return { ops, sessions, readsFrom, writesOf };
}

/** One line for an operation: `c1 write x=1 (op 3, 0.0–1.0)`. */
export function describeRegisterOp(op: RegisterOp): string {
  return `${op.process} ${op.kind} ${op.key}=${JSON.stringify(op.value)} (op ${op.id}, ${op.call.toFixed(1)}–${Number.isFinite(op.ret) ? op.ret.toFixed(1) : '?'})`;
}
