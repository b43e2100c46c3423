/**
 * A history of reads and writes of registers (one per key), as the consistency checkers need it: each
 * operation's key and value resolved, operations grouped by session in program order, failed
 * operations dropped (they took no effect) and reads of unknown outcome dropped (they saw nothing
 * anyone can judge). Writes must be differentiated — no value written twice to one key — so every
 * read names the write it read from, as Bouajjani et al. (2017) assume.
 *
 * Besides a read of one key returning one value, two shapes of read observe several writes at once
 * (`./observations.ts` parses them): a snapshot read of several keys, and a read returning a key's
 * concurrent siblings. Such a read becomes several parts — one per (key, value) it observed — that
 * share the history id, sit next to each other in their session, and name their first part as
 * `group`. The checkers treat a group as one operation: it is placed at one point of a serial order,
 * and its causal past is the union of what its parts read.
 */
import type { History } from '../history';
import { observationsOf, type ObservationOptions } from './observations';

/** One read or write (or one part of a read that observed several values), with ids the checkers index by. */
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
  /**
   * Set on the parts of a read that observed several values at once (a snapshot of several keys, a
   * key's siblings): the index (into `ops`) of the group's first part. Undefined for a plain read.
   */
  readonly group?: number;
  /** On a part of a sibling read: how many siblings its key returned (2 or more). */
  readonly siblings?: number;
}

export interface RegisterHistory {
  readonly ops: readonly RegisterOp[];
  /** Each session's operations in program order (indices into `ops`). */
  readonly sessions: ReadonlyMap<string, readonly number[]>;
  /** For each read (by index): the index of the write it read from, 'initial', or 'unknown' (nothing wrote it). */
  readonly readsFrom: ReadonlyMap<number, number | 'initial' | 'unknown'>;
  /** The writes of each key (indices into `ops`). */
  readonly writesOf: ReadonlyMap<string, readonly number[]>;
  /** The first part of the first read that returned two or more siblings of one key, if any. */
  readonly firstSiblingRead?: number;
  /** Whether some read observed several keys or several siblings (a group of parts). */
  readonly hasGroups: boolean;
  /** Whether some read was a snapshot or gave its value as siblings (the per-key linearizability checker cannot read it). */
  readonly hasShapedReads: boolean;
}

export type RegisterHistoryOptions = ObservationOptions;

export function registerHistory(history: History, options: RegisterHistoryOptions = {}): RegisterHistory {
  const ops: RegisterOp[] = [];
  let firstSiblingRead: number | undefined;
  let hasGroups = false;
  let hasShapedReads = false;
  for (const op of history) {
    if (op.f !== 'read' && op.f !== 'write')
      throw new Error(
        `consistency: operation ${op.id} is '${op.f}'; only read and write of registers are judged`,
      );
    if (op.outcome === 'fail') continue;
    if (op.f === 'read' && op.outcome !== 'ok') continue;
    const observed = observationsOf(op, options);
    const base = { id: op.id, process: op.process, call: op.call, ret: op.ret };
    if (observed.kind === 'write') {
      ops.push({
        ...base,
        kind: 'write',
        key: observed.key,
        value: observed.value,
        optional: op.outcome === 'info',
      });
      continue;
    }
    if (observed.shaped) hasShapedReads = true;
    let parts = 0;
    for (const o of observed.keys) parts += Math.max(1, o.values.length);
    const group = parts > 1 ? ops.length : undefined;
    if (group !== undefined) hasGroups = true;
    for (const o of observed.keys) {
      const several = o.values.length > 1;
      if (several && firstSiblingRead === undefined) firstSiblingRead = ops.length;
      if (o.values.length === 0)
        ops.push({
          ...base,
          kind: 'read',
          key: o.key,
          value: null,
          optional: false,
          ...(group !== undefined ? { group } : {}),
        });
      for (const value of o.values)
        ops.push({
          ...base,
          kind: 'read',
          key: o.key,
          value,
          optional: false,
          ...(group !== undefined ? { group } : {}),
          ...(several ? { siblings: o.values.length } : {}),
        });
    }
  }
  const sessions = new Map<string, number[]>();
  ops.forEach((op, index) => {
    let list = sessions.get(op.process);
    if (!list) sessions.set(op.process, (list = []));
    list.push(index);
  });
  // Parts of one read share call and follow each other in `ops`, so they stay next to each other.
  for (const list of sessions.values())
    list.sort((a, b) => (ops[a] as RegisterOp).call - (ops[b] as RegisterOp).call || a - b);
  const writesOf = new Map<string, number[]>();
  const writer = new Map<string, number>();
  ops.forEach((op, index) => {
    if (op.kind !== 'write') return;
    const id = valueId(op.key, op.value);
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
    else readsFrom.set(index, writer.get(valueId(op.key, op.value)) ?? 'unknown');
  });
  return {
    ops,
    sessions,
    readsFrom,
    writesOf,
    hasGroups,
    hasShapedReads,
    ...(firstSiblingRead !== undefined ? { firstSiblingRead } : {}),
  };
}

/** A key's value as one string, to match reads with writes. */
export function valueId(key: string, value: unknown): string {
  return `${key}\u0000${JSON.stringify(value)}`;
}

/** The parts of the read or group starting at `index` (a plain read is a group of one). */
export function partsOf(ops: readonly RegisterOp[], index: number): number[] {
  const op = ops[index] as RegisterOp;
  if (op.group === undefined) return [index];
  const out: number[] = [];
  for (let i = op.group; i < ops.length && (ops[i] as RegisterOp).group === op.group; i++) out.push(i);
  return out;
}

/** One line for an operation: `c1 write x=1 (op 3, 0.0–1.0)`; a part names its whole read. */
export function describeRegisterOp(op: RegisterOp): string {
  const what =
    op.siblings !== undefined
      ? `${op.key} sibling ${JSON.stringify(op.value)}`
      : `${op.key}=${JSON.stringify(op.value)}`;
  return `${op.process} ${op.kind} ${what} (op ${op.id}, ${op.call.toFixed(1)}–${Number.isFinite(op.ret) ? op.ret.toFixed(1) : '?'})`;
}

/** One line for a whole read group: `r read {x=1, y=null} (op 4, 2.0–3.0)`. */
export function describeRead(ops: readonly RegisterOp[], index: number): string {
  const parts = partsOf(ops, index);
  if (parts.length === 1) return describeRegisterOp(ops[index] as RegisterOp);
  const first = ops[parts[0] as number] as RegisterOp;
  const byKey = new Map<string, string[]>();
  for (const p of parts) {
    const op = ops[p] as RegisterOp;
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(JSON.stringify(op.value));
  }
  const shown: string[] = [];
  for (const [key, values] of byKey)
    shown.push(values.length > 1 ? `${key}={${values.join(', ')}}` : `${key}=${values[0] as string}`);
  return `${first.process} read {${shown.join(', ')}} (op ${first.id}, ${first.call.toFixed(1)}–${Number.isFinite(first.ret) ? first.ret.toFixed(1) : '?'})`;
}
