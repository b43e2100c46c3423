/**
 * Dependencies of a read-write-register history (Elle §5, "registers"). Written values are unique per
 * key, so a read names its writer: wr edges are exact. The version order of a register is not
 * visible in any one read, so ww and rw edges are added only where it can be inferred:
 *
 * - every key starts as nil, before every write;
 * - a committed transaction that read version v of a key and then wrote it installed a later version
 *   ("writes follow reads"): v's writer precedes it (ww), and every other reader of v precedes it (rw).
 *
 * A read of nil precedes every write of its key. Relating it to every writer would be quadratic, so it
 * is related to the writes with no inferred predecessor: every other write is reached from one of those
 * through ww edges, and a path with the same single rw edge stands for the direct one in any cycle.
 */
import { AMBIGUOUS, NONE, involved, markOverwritten, mayHaveCommitted, opRef, type Context } from './context';
import { RW, WR, WW } from './edges';
import { formatScalar } from './format';
import { KeyPositions } from './list-append';
import type { MicroOp, Scalar } from './types';

/** The initial version of every key (a Map key distinct from every Scalar). */
const NIL = Symbol('nil');
type Version = Scalar | typeof NIL;

interface KeyState {
  readonly key: Scalar;
  readonly writer: Map<Scalar, number>;
  /** Version → external reads of it by committed transactions. */
  readonly readers: Map<Version, number[]>;
  /** Version → writes by committed transactions that read it first (its inferred successors). */
  readonly successors: Map<Version, number[]>;
  /** Writes of transactions that may have committed. */
  readonly writes: number[];
}

export interface RegisterSummary {
  readonly keys: number;
  readonly ambiguousWrites: number;
  readonly skippedInitialReadEdges: number;
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const show = (version: Version) => (version === NIL ? 'nil' : formatScalar(version));

export function inferRegister(context: Context, initialReadBudget: number): RegisterSummary {
  const { history, ops } = context;
  const keys = new Map<Scalar, KeyState>();
  const state = (key: Scalar): KeyState => {
    let s = keys.get(key);
    if (!s) {
      s = { key, writer: new Map(), readers: new Map(), successors: new Map(), writes: [] };
      keys.set(key, s);
    }
    return s;
  };

  let ambiguousWrites = 0;
  for (const txn of history) {
    const base = ops.start[txn.index] as number;
    for (let i = 0; i < txn.ops.length; i++) {
      const op = txn.ops[i] as MicroOp;
      if (op.f !== 'w') continue;
      const s = state(op.key);
      const value = op.value as Scalar;
      const previous = s.writer.get(value);
      if (previous === undefined) s.writer.set(value, base + i);
      else {
        if (previous !== AMBIGUOUS) ambiguousWrites++;
        s.writer.set(value, AMBIGUOUS);
      }
      if (txn.type !== 'fail') s.writes.push(base + i);
    }
  }
  const overwritten = markOverwritten(context, 'w');

  // External reads, internal consistency, and writes that follow reads.
  const hasPredecessor = new Uint8Array(ops.size);
  const positions = new KeyPositions();
  for (const txn of history) {
    if (txn.type !== 'ok') continue;
    const base = ops.start[txn.index] as number;
    const byKey = positions.use(txn.ops);
    for (let i = 0; i < txn.ops.length; i++) {
      const op = txn.ops[i] as MicroOp;
      const s = state(op.key);
      let ownWrite: MicroOp | undefined;
      let lastRead: number = NONE;
      const onKey = byKey.on(op.key);
      for (let j = onKey.first(); j < i; j = onKey.after(j)) {
        const earlier = txn.ops[j] as MicroOp;
        if (earlier.f === 'w') ownWrite = earlier;
        else if (ownWrite === undefined) lastRead = j;
      }
      if (op.f === 'r') {
        if (ownWrite === undefined) push(s.readers, op.value === null ? NIL : (op.value as Scalar), base + i);
        else if (op.value !== ownWrite.value) {
          const id = base + i;
          const wrote = ownWrite.value as Scalar;
          context.log.add('internal', () => ({
            why: `T${txn.index} wrote ${formatScalar(wrote)} to key ${formatScalar(op.key)}, then read it as ${formatScalar(op.value as Scalar | null)}.`,
            transactions: involved(context, [id]),
            ops: [opRef(context, id)],
            key: op.key,
          }));
        }
      } else if (ownWrite === undefined && lastRead !== NONE && overwritten[base + i] === 0) {
        // The transaction's only write of the key, after it read the key: its version follows the one read.
        const read = txn.ops[lastRead] as MicroOp;
        const version: Version = read.value === null ? NIL : (read.value as Scalar);
        push(s.successors, version, base + i);
        // Reached from nil readers through this edge, or through its predecessor's writer: not a root.
        const writer = version === NIL ? NONE : (s.writer.get(version) ?? NONE);
        if (
          version === NIL ||
          (writer >= 0 &&
            mayHaveCommitted(context, ops.txnOf[writer] as number) &&
            ops.txnOf[writer] !== txn.index)
        )
          hasPredecessor[base + i] = 1;
      }
    }
  }

  let budget = initialReadBudget;
  let skipped = 0;
  for (const s of keys.values()) {
    readsOfKey(context, s, overwritten);
    successorEdges(context, s);
    const nilReaders = s.readers.get(NIL);
    if (!nilReaders) continue;
    const roots = s.writes.filter((w) => hasPredecessor[w] === 0);
    const cost = nilReaders.length * roots.length;
    if (cost > budget) {
      skipped += cost;
      continue;
    }
    budget -= cost;
    for (const reader of nilReaders) antiDependencies(context, reader, roots);
  }
  return { keys: keys.size, ambiguousWrites, skippedInitialReadEdges: skipped };
}

/** wr edges, and the anomalies one read shows: garbage, aborted (G1a) and intermediate (G1b) reads. */
function readsOfKey(context: Context, s: KeyState, overwritten: Uint8Array): void {
  const { ops } = context;
  for (const [version, readers] of s.readers) {
    if (version === NIL) continue;
    const writer = s.writer.get(version);
    const first = readers[0] as number;
    const reads = readers.length === 1 ? '' : ` (${readers.length} reads saw it)`;
    if (writer === undefined) {
      context.log.add('garbage-read', () => ({
        why: `T${ops.txnOf[first]} read key ${formatScalar(s.key)} as ${formatScalar(version)}, which no transaction wrote${reads}.`,
        transactions: involved(context, [first]),
        ops: [opRef(context, first)],
        key: s.key,
      }));
      continue;
    }
    if (writer === AMBIGUOUS) continue;
    const from = ops.txnOf[writer] as number;
    if (!mayHaveCommitted(context, from)) {
      context.log.add('G1a', () => ({
        why: `T${ops.txnOf[first]} read key ${formatScalar(s.key)} as ${formatScalar(version)}, written by T${from}, which aborted${reads}.`,
        transactions: involved(context, [first, writer]),
        ops: [opRef(context, first), opRef(context, writer)],
        key: s.key,
      }));
      continue;
    }
    for (const reader of readers) {
      const to = ops.txnOf[reader] as number;
      if (to === from) {
        context.log.add('internal', () => ({
          why: `T${to} read key ${formatScalar(s.key)} as ${formatScalar(version)}, which it writes only later.`,
          transactions: involved(context, [reader]),
          ops: [opRef(context, reader), opRef(context, writer)],
          key: s.key,
        }));
        continue;
      }
      context.edges.add(from, to, WR, writer, reader);
      if (overwritten[writer] === 1)
        context.log.add('G1b', () => ({
          why: `T${to} read key ${formatScalar(s.key)} as ${formatScalar(version)}, written by T${from}, which wrote that key again afterwards: T${to} saw an intermediate state of T${from}.`,
          transactions: involved(context, [reader, writer]),
          ops: [opRef(context, reader), opRef(context, writer)],
          key: s.key,
        }));
    }
  }
}

/** From writes that follow reads: ww from the version's writer, rw from its other readers, lost updates. */
function successorEdges(context: Context, s: KeyState): void {
  const { ops } = context;
  for (const [version, next] of s.successors) {
    const writer = version === NIL ? NONE : (s.writer.get(version) ?? NONE);
    if (writer >= 0 && mayHaveCommitted(context, ops.txnOf[writer] as number)) {
      const from = ops.txnOf[writer] as number;
      for (const w of next)
        if (ops.txnOf[w] !== from) context.edges.add(from, ops.txnOf[w] as number, WW, writer, w);
    }
    const readers = s.readers.get(version);
    // A value written twice may name two versions: its readers and its successors may not meet.
    if (readers && (version === NIL || writer >= 0))
      for (const reader of readers) antiDependencies(context, reader, next);
    if (next.length >= 2) {
      context.log.add('lost-update', () => ({
        why: `${next.map((w) => `T${ops.txnOf[w]}`).join(', ')} all read key ${formatScalar(s.key)} as ${show(version)} and then wrote it, and all committed: each update was made without seeing the others.`,
        transactions: involved(context, next),
        ops: next.map((w) => opRef(context, w)),
        key: s.key,
      }));
    }
  }
}

/** rw edges from a read to writes of later versions (never to the reader itself). */
function antiDependencies(context: Context, reader: number, writes: readonly number[]): void {
  const from = context.ops.txnOf[reader] as number;
  for (const w of writes) {
    const to = context.ops.txnOf[w] as number;
    if (to !== from) context.edges.add(from, to, RW, reader, w);
  }
}
