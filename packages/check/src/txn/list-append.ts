/**
 * Dependencies of a list-append history, inferred as Elle does (Kingsbury & Alvaro 2020, §3): every
 * appended element is unique per key, so a read of a key reveals which appends it saw and in what
 * order. The longest read of a key gives its version order; every other read must be a prefix of it
 * (else incompatible-order). Then, for consecutive elements x, y of that order, the appender of x
 * precedes the appender of y (ww); a read ending at x depends on x's appender (wr); and a read ending
 * at x precedes whoever appended the element after x (rw).
 *
 * A read after the transaction's own appends to the key must end with exactly those appends
 * (internal consistency); what comes before them is what the transaction saw of others (its external
 * part), and only that part is used for dependencies. Each read contributes at most one wr and one
 * rw edge, each append at most one ww edge: the graph is linear in the history.
 */
import { AMBIGUOUS, NONE, involved, mayHaveCommitted, microOp, opRef, type Context } from './context';
import { IntList, RW, WR, WW } from './edges';
import { ElementIndex } from './element-index';
import { formatList, formatScalar } from './format';
import type { MicroOp, Scalar } from './types';

interface KeyState {
  readonly key: Scalar;
  /** Dense number of the key, in order of first appearance. */
  readonly index: number;
  /**
   * The key's append ops are `orders.appends[appendFrom .. appendTo)`. Who wrote which element is
   * looked up once per key, when its order is known, through an index built then and dropped: a map
   * per key kept for the whole check would be most of its memory, and collecting it slow.
   */
  appendFrom: number;
  appendTo: number;
  /** The longest external read: its op and the length of its external part. */
  longestOp: number;
  longestLength: number;
  /**
   * Writer op of position p of the version order is `orders.writers[orderStart + p]` (NONE: unknown;
   * a repeat of an earlier element is NONE).
   */
  orderStart: number;
  /** Positions whose element was appended by an aborted transaction, or by nobody. */
  readonly badPositions: number[];
  /** External reads of committed transactions that later append to the key (lost-update candidates). */
  /** Pairs (read, append) flattened: one object per key rather than one per transaction. */
  readonly readModifyWrites: number[];
}

export interface ListAppendSummary {
  readonly keys: number;
  readonly ambiguousWrites: number;
}

export function inferListAppend(context: Context): ListAppendSummary {
  const { history, ops } = context;
  const keys = new Map<Scalar, KeyState>();
  const state = (key: Scalar): KeyState => {
    let s = keys.get(key);
    if (!s) {
      s = {
        key,
        index: keys.size,
        appendFrom: 0,
        appendTo: 0,
        longestOp: NONE,
        longestLength: 0,
        orderStart: 0,
        badPositions: [],
        readModifyWrites: [],
      };
      keys.set(key, s);
    }
    return s;
  };

  // One walk over the history: who appended what (every transaction: an aborted append that someone
  // read is G1a), which appends their own transaction followed with another to the same key (G1b),
  // and the external part of every committed read, the longest per key.
  let ambiguousWrites = 0;
  const overwritten = new Uint8Array(ops.size);
  const external = new Int32Array(ops.size).fill(NONE);
  const reads = new IntList(context.ops.size);
  const positions = new KeyPositions();
  const later = new Set<Scalar>();
  const appendKeys = new IntList();
  const appendOps = new IntList();
  for (const txn of history) {
    const base = ops.start[txn.index] as number;
    later.clear();
    for (let i = txn.ops.length - 1; i >= 0; i--) {
      const op = txn.ops[i] as MicroOp;
      if (op.f !== 'append') continue;
      if (later.has(op.key)) overwritten[base + i] = 1;
      else later.add(op.key);
      appendKeys.push(state(op.key).index);
      appendOps.push(base + i);
    }
    if (txn.type !== 'ok') continue;
    const byKey = positions.use(txn.ops);
    for (let i = 0; i < txn.ops.length; i++) {
      const op = txn.ops[i] as MicroOp;
      if (op.f !== 'r') continue;
      const onKey = byKey.on(op.key);
      const length = externalLength(context, txn.index, i, onKey);
      if (length === NONE) continue;
      external[base + i] = length;
      reads.push(base + i);
      const s = state(op.key);
      if (length > s.longestLength || s.longestOp === NONE) {
        s.longestOp = base + i;
        s.longestLength = length;
      }
      if (onKey.first() === i) {
        // The first touch of the key is this read: a later append modifies the version it read.
        const append = onKey.nextAppend(i);
        if (append !== NONE) s.readModifyWrites.push(base + i, base + append);
      }
    }
  }

  const orders = groupByKey(keys, appendKeys, appendOps);
  for (const s of keys.values()) ambiguousWrites += versionOrder(context, s, orders);

  // Each committed read against its key's order: incompatible, or one wr and one rw edge.
  const firstReader = new Map<KeyState, Map<number, { reader: number; count: number }>>();
  for (let r = 0; r < reads.length; r++) {
    const id = reads.at(r);
    const reader = ops.txnOf[id] as number;
    const length = external[id] as number;
    const op = microOp(context, id);
    const s = keys.get(op.key) as KeyState;
    if (id !== s.longestOp && !isPrefix(op.value as readonly Scalar[], length, context, s)) {
      external[id] = NONE;
      context.log.add('incompatible-order', () => ({
        why: `T${reader} read key ${formatScalar(s.key)} as ${formatList(readPart(op, length))}, which is not a prefix of ${formatList(readPart(microOp(context, s.longestOp), s.longestLength))}, the longest read of that key (T${ops.txnOf[s.longestOp]}): the two reads disagree on the order of appends.`,
        transactions: involved(context, [id, s.longestOp]),
        ops: [opRef(context, id), opRef(context, s.longestOp)],
        key: s.key,
      }));
      continue;
    }
    for (const position of s.badPositions) {
      if (position >= length) continue;
      let byPosition = firstReader.get(s);
      if (!byPosition) firstReader.set(s, (byPosition = new Map()));
      const seen = byPosition.get(position);
      if (seen) seen.count++;
      else byPosition.set(position, { reader: id, count: 1 });
    }
    if (length > 0)
      readEdge(context, s, orders.writers[s.orderStart + length - 1] as number, id, overwritten);
    if (length < s.longestLength) {
      const next = orders.writers[s.orderStart + length] as number;
      const to = next >= 0 ? (ops.txnOf[next] as number) : NONE;
      if (to !== NONE && to !== reader && mayHaveCommitted(context, to))
        context.edges.add(reader, to, RW, id, next);
    }
  }

  reportBadElements(context, firstReader, orders);
  reportLostUpdates(context, keys.values(), external);
  return { keys: keys.size, ambiguousWrites };
}

/** The read's elements before the transaction's own appends (the list as read when the read is unusable). */
function readPart(op: MicroOp, length: number): readonly Scalar[] {
  const list = (op.value ?? []) as readonly Scalar[];
  return length >= 0 && length <= list.length ? list.slice(0, length) : list;
}

/**
 * Length of the read's external part: the read must end with the transaction's own earlier appends
 * to the key, in order. When it does not, the read is internally inconsistent (reported here) and NONE.
 */
function externalLength(context: Context, txnIndex: number, at: number, onKey: OpsOnKey): number {
  const txn = context.history[txnIndex] as (typeof context.history)[number];
  const read = txn.ops[at] as MicroOp;
  const list = (read.value ?? []) as readonly Scalar[];
  const ownCount = onKey.appendsBefore(at);
  let consistent = list.length >= ownCount;
  if (consistent && ownCount > 0) {
    let j = list.length - ownCount;
    for (let i = onKey.first(); i < at && consistent; i = onKey.after(i)) {
      const op = txn.ops[i] as MicroOp;
      if (op.f === 'append' && list[j++] !== op.value) consistent = false;
    }
  }
  if (consistent) return list.length - ownCount;
  const id = context.ops.id(txnIndex, at);
  const own: Scalar[] = [];
  for (let i = onKey.first(); i < at; i = onKey.after(i)) {
    const op = txn.ops[i] as MicroOp;
    if (op.f === 'append') own.push(op.value as Scalar);
  }
  context.log.add('internal', () => ({
    why: `T${txnIndex} appended ${own.map(formatScalar).join(', ')} to key ${formatScalar(read.key)}, then read it as ${formatList(list)}, which does not end with its own appends.`,
    transactions: involved(context, [id]),
    ops: [opRef(context, id)],
    key: read.key,
  }));
  return NONE;
}

/** Per-key data in flat arrays (see KeyState): appends grouped by key, writers per order position. */
interface Orders {
  readonly appends: Int32Array;
  readonly writers: Int32Array;
}

/** Groups the append ops by key (a counting sort) and lays out each key's order positions. */
function groupByKey(keys: Map<Scalar, KeyState>, appendKeys: IntList, appendOps: IntList): Orders {
  const states = Array.from(keys.values());
  const offsets = new Int32Array(states.length + 1);
  for (let i = 0; i < appendKeys.length; i++) {
    const key = appendKeys.at(i) + 1;
    offsets[key] = (offsets[key] as number) + 1;
  }
  for (let k = 0; k < states.length; k++)
    offsets[k + 1] = (offsets[k + 1] as number) + (offsets[k] as number);
  const appends = new Int32Array(appendKeys.length);
  const fill = offsets.slice(0, states.length);
  for (let i = 0; i < appendKeys.length; i++) {
    const key = appendKeys.at(i);
    const slot = fill[key] as number;
    appends[slot] = appendOps.at(i);
    fill[key] = slot + 1;
  }
  let positions = 0;
  for (const s of states) {
    s.appendFrom = offsets[s.index] as number;
    s.appendTo = offsets[s.index + 1] as number;
    s.orderStart = positions;
    if (s.longestOp !== NONE) positions += s.longestLength;
  }
  return { appends, writers: new Int32Array(positions).fill(NONE) };
}

/**
 * The version order of a key from its longest read: writers per position, ww edges, duplicates, bad
 * elements. Returns how many elements of the key were appended more than once.
 */
function versionOrder(context: Context, s: KeyState, orders: Orders): number {
  const appends = orders.appends.subarray(s.appendFrom, s.appendTo);
  const values: Scalar[] = new Array(appends.length);
  for (let i = 0; i < appends.length; i++) values[i] = microOp(context, appends[i] as number).value as Scalar;
  const elements = new ElementIndex(values, appends);
  if (s.longestOp === NONE) return elements.ambiguous();
  const order = microOp(context, s.longestOp).value as readonly Scalar[];
  const length = s.longestLength;
  const writerAt = orders.writers.subarray(s.orderStart, s.orderStart + length);
  let garbage: Map<Scalar, number> | undefined;
  for (let p = 0; p < length; p++) {
    const element = order[p] as Scalar;
    const slot = elements.slot(element);
    if (slot === -1) {
      // Nobody appended it: a garbage read, reported once however often it repeats.
      garbage ??= new Map();
      if (!garbage.has(element)) {
        garbage.set(element, p);
        s.badPositions.push(p);
      }
      continue;
    }
    const seen = elements.see(slot);
    const writer = elements.writer(slot);
    if (seen > 1) {
      const appended = elements.appendCount(slot);
      if (seen === appended + 1) {
        const id = s.longestOp;
        const ids = writer >= 0 ? [id, writer] : [id];
        context.log.add('duplicate-appends', () => ({
          why: `T${context.ops.txnOf[id]} read key ${formatScalar(s.key)} with element ${formatScalar(element)} ${seen} times, but it was appended ${appended === 1 ? 'once' : `${appended} times`}: an append was applied twice.`,
          transactions: involved(context, ids),
          ops: ids.map((i) => opRef(context, i)),
          key: s.key,
        }));
      }
      continue; // a repeat says nothing about order
    }
    if (writer === AMBIGUOUS) continue;
    writerAt[p] = writer;
    if (!mayHaveCommitted(context, context.ops.txnOf[writer] as number)) s.badPositions.push(p);
  }
  for (let p = 1; p < length; p++) {
    const a = writerAt[p - 1] as number;
    const b = writerAt[p] as number;
    if (a < 0 || b < 0) continue;
    const from = context.ops.txnOf[a] as number;
    const to = context.ops.txnOf[b] as number;
    if (from !== to && mayHaveCommitted(context, from) && mayHaveCommitted(context, to))
      context.edges.add(from, to, WW, a, b);
  }
  return elements.ambiguous();
}

function isPrefix(list: readonly Scalar[], length: number, context: Context, s: KeyState): boolean {
  if (length > s.longestLength) return false;
  const order = microOp(context, s.longestOp).value as readonly Scalar[];
  for (let j = 0; j < length; j++) if (list[j] !== order[j]) return false;
  return true;
}

/** The wr edge from the appender of the last element seen, and G1b when that append was not its last. */
function readEdge(context: Context, s: KeyState, writer: number, id: number, overwritten: Uint8Array): void {
  if (writer < 0) return;
  const reader = context.ops.txnOf[id] as number;
  const from = context.ops.txnOf[writer] as number;
  if (!mayHaveCommitted(context, from)) return; // G1a, reported per element
  if (from === reader) {
    context.log.add('internal', () => ({
      why: `T${reader} read key ${formatScalar(s.key)} ending in ${formatScalar(microOp(context, writer).value as Scalar)}, which it appends only later.`,
      transactions: involved(context, [id]),
      ops: [opRef(context, id), opRef(context, writer)],
      key: s.key,
    }));
    return;
  }
  context.edges.add(from, reader, WR, writer, id);
  if (overwritten[writer] === 1)
    context.log.add('G1b', () => ({
      why: `T${reader} read key ${formatScalar(s.key)} ending in ${formatScalar(microOp(context, writer).value as Scalar)}, appended by T${from}, which appended to that key again afterwards: T${reader} saw an intermediate state of T${from}.`,
      transactions: involved(context, [id, writer]),
      ops: [opRef(context, id), opRef(context, writer)],
      key: s.key,
    }));
}

/** G1a and garbage reads: one anomaly per element, naming its first reader and how many reads saw it. */
function reportBadElements(
  context: Context,
  firstReader: Map<KeyState, Map<number, { reader: number; count: number }>>,
  orders: Orders,
): void {
  for (const [s, byPosition] of firstReader) {
    const order = microOp(context, s.longestOp).value as readonly Scalar[];
    for (const [position, { reader, count }] of byPosition) {
      const element = order[position] as Scalar;
      // A bad position has a writer that aborted, or none (ambiguous elements are never bad).
      const writer = orders.writers[s.orderStart + position] as number;
      const reads = count === 1 ? '' : ` (${count} reads saw it)`;
      if (writer === NONE) {
        context.log.add('garbage-read', () => ({
          why: `T${context.ops.txnOf[reader]} read element ${formatScalar(element)} of key ${formatScalar(s.key)}, which no transaction appended${reads}.`,
          transactions: involved(context, [reader]),
          ops: [opRef(context, reader)],
          key: s.key,
        }));
      } else {
        context.log.add('G1a', () => ({
          why: `T${context.ops.txnOf[reader]} read element ${formatScalar(element)} of key ${formatScalar(s.key)}, appended by T${context.ops.txnOf[writer]}, which aborted${reads}.`,
          transactions: involved(context, [reader, writer]),
          ops: [opRef(context, reader), opRef(context, writer)],
          key: s.key,
        }));
      }
    }
  }
}

/** Two committed transactions that read the same version of a key and both appended to it. */
function reportLostUpdates(context: Context, keys: Iterable<KeyState>, external: Int32Array): void {
  for (const s of keys) {
    const pairs = s.readModifyWrites;
    if (pairs.length < 4) continue;
    // Count per version first: groups of two or more are rare, and only they are built.
    const counts = new Map<number, number>();
    let repeated = false;
    for (let i = 0; i < pairs.length; i += 2) {
      const length = external[pairs[i] as number] as number;
      if (length === NONE) continue;
      const count = (counts.get(length) ?? 0) + 1;
      counts.set(length, count);
      if (count > 1) repeated = true;
    }
    if (!repeated) continue;
    const byVersion = new Map<number, { read: number; append: number }[]>();
    for (let i = 0; i < pairs.length; i += 2) {
      const length = external[pairs[i] as number] as number;
      if (length === NONE || (counts.get(length) as number) < 2) continue;
      const rmw = { read: pairs[i] as number, append: pairs[i + 1] as number };
      const group = byVersion.get(length);
      if (group) group.push(rmw);
      else byVersion.set(length, [rmw]);
    }
    for (const [length, group] of byVersion) {
      const ids = group.flatMap((g) => [g.read, g.append]);
      context.log.add('lost-update', () => ({
        why: `${group.map((g) => `T${context.ops.txnOf[g.read]}`).join(', ')} all read key ${formatScalar(s.key)} at the same version (${formatList(readPart(microOp(context, (group[0] as { read: number }).read), length))}) and then appended to it, and all committed: each update was made without seeing the others.`,
        transactions: involved(context, ids),
        ops: ids.map((id) => opRef(context, id)),
        key: s.key,
      }));
    }
  }
}

/**
 * A transaction's micro-ops on one key, walked in order without allocating: most transactions have a
 * few micro-ops, where scanning beats any index; a long one is indexed once (see KeyPositions).
 */
export interface OpsOnKey {
  /** The first micro-op on the key (ops.length when none). */
  first(): number;
  /** The next micro-op on the key after position i (ops.length when none). */
  after(i: number): number;
  /** How many appends to the key come before position i. */
  appendsBefore(i: number): number;
  /** The first append to the key after position i, or NONE. */
  nextAppend(i: number): number;
}

class ScannedOps implements OpsOnKey {
  key: Scalar = 0;
  ops: readonly MicroOp[] = [];
  first(): number {
    return this.after(-1);
  }
  after(i: number): number {
    let j = i + 1;
    while (j < this.ops.length && (this.ops[j] as MicroOp).key !== this.key) j++;
    return j;
  }
  appendsBefore(i: number): number {
    let count = 0;
    for (let j = 0; j < i; j++) {
      const op = this.ops[j] as MicroOp;
      if (op.key === this.key && op.f === 'append') count++;
    }
    return count;
  }
  nextAppend(i: number): number {
    for (let j = i + 1; j < this.ops.length; j++) {
      const op = this.ops[j] as MicroOp;
      if (op.key === this.key && op.f === 'append') return j;
    }
    return NONE;
  }
}

class IndexedOps implements OpsOnKey {
  private positions: readonly number[] = [];
  private readonly next = new Map<number, number>();
  constructor(private readonly ops: readonly MicroOp[]) {}
  select(positions: readonly number[]): this {
    this.positions = positions;
    this.next.clear();
    for (let k = 0; k < positions.length; k++) this.next.set(positions[k] as number, k);
    return this;
  }
  first(): number {
    return this.positions[0] ?? this.ops.length;
  }
  after(i: number): number {
    return this.positions[(this.next.get(i) as number) + 1] ?? this.ops.length;
  }
  appendsBefore(i: number): number {
    let count = 0;
    for (const j of this.positions) if (j < i && (this.ops[j] as MicroOp).f === 'append') count++;
    return count;
  }
  nextAppend(i: number): number {
    for (const j of this.positions) if (j > i && (this.ops[j] as MicroOp).f === 'append') return j;
    return NONE;
  }
}

/**
 * Micro-ops of a transaction by key: `positions.use(txn.ops).on(key)`. One instance serves a whole
 * pass over the history (a million transactions should not mean a million helper objects).
 */
export class KeyPositions {
  private readonly scanned = new ScannedOps();
  private readonly index = new Map<Scalar, number[]>();
  private indexed: IndexedOps | undefined;

  use(ops: readonly MicroOp[]): this {
    this.indexed = undefined;
    if (ops.length <= 16) {
      this.scanned.ops = ops;
      return this;
    }
    this.indexed = new IndexedOps(ops);
    this.index.clear();
    for (let i = 0; i < ops.length; i++) {
      const key = (ops[i] as MicroOp).key;
      const list = this.index.get(key);
      if (list) list.push(i);
      else this.index.set(key, [i]);
    }
    return this;
  }

  /** The view of one key; valid until the next call. */
  on(key: Scalar): OpsOnKey {
    if (this.indexed) return this.indexed.select(this.index.get(key) ?? []);
    this.scanned.key = key;
    return this.scanned;
  }
}
