/**
 * Dependency edges between transactions, kept in flat typed arrays: a million-transaction history
 * has several million edges, which as objects would cost more than the rest of the check.
 */
import type { EdgeKindName } from './types';

/** Edge kinds are bits, so a set of kinds (which edges a search may follow) is a mask. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA = WW | WR | RW;

export function kindName(kind: number): EdgeKindName {
  switch (kind) {
    case WW:
      return 'ww';
    case WR:
      return 'wr';
    case RW:
      return 'rw';
    case PROCESS:
      return 'process';
    case REALTIME:
      return 'realtime';
    default:
      throw new Error(`not a single edge kind: ${kind}`);
  }
}

/** No micro-op: process and real-time edges relate whole transactions. */
export const NO_OP = -1;

/**
 * Edges as they are inferred. Each end is stored as the global micro-op id that explains it (see
 * `OpIndex`), its transaction found through the index; an end with no micro-op (process and
 * real-time edges) is stored as -(transaction + 1). Nine bytes an edge.
 */
export class EdgeList {
  private fromEnd: Int32Array;
  private toEnd: Int32Array;
  private kinds: Uint8Array;
  length = 0;

  /** `capacity`: the expected number of edges, to spare the copies of growing. */
  constructor(
    private readonly ops: OpIndex,
    capacity = 1024,
  ) {
    const size = Math.max(16, capacity);
    this.fromEnd = new Int32Array(size);
    this.toEnd = new Int32Array(size);
    this.kinds = new Uint8Array(size);
  }

  /** An edge from transaction `from` to `to`, explained by micro-ops fromOp and toOp (or NO_OP). */
  add(from: number, to: number, kind: number, fromOp: number, toOp: number): void {
    if (this.length === this.kinds.length) this.grow();
    const i = this.length++;
    this.fromEnd[i] = fromOp === NO_OP ? -(from + 1) : fromOp;
    this.toEnd[i] = toOp === NO_OP ? -(to + 1) : toOp;
    this.kinds[i] = kind;
  }

  from(edge: number): number {
    const end = this.fromEnd[edge] as number;
    return end >= 0 ? (this.ops.txnOf[end] as number) : -end - 1;
  }

  to(edge: number): number {
    const end = this.toEnd[edge] as number;
    return end >= 0 ? (this.ops.txnOf[end] as number) : -end - 1;
  }

  fromOp(edge: number): number {
    const end = this.fromEnd[edge] as number;
    return end >= 0 ? end : NO_OP;
  }

  toOp(edge: number): number {
    const end = this.toEnd[edge] as number;
    return end >= 0 ? end : NO_OP;
  }

  kind(edge: number): number {
    return this.kinds[edge] as number;
  }

  private grow(): void {
    const capacity = this.kinds.length * 2;
    const widen = (old: Int32Array) => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.fromEnd = widen(this.fromEnd);
    this.toEnd = widen(this.toEnd);
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
  }

  /** How many edges of each kind. */
  countByKind(): Record<EdgeKindName, number> {
    const byBit = new Array<number>(REALTIME + 1).fill(0);
    for (let i = 0; i < this.length; i++) {
      const kind = this.kinds[i] as number;
      byBit[kind] = (byBit[kind] as number) + 1;
    }
    const count = (kind: number) => byBit[kind] as number;
    return {
      ww: count(WW),
      wr: count(WR),
      rw: count(RW),
      process: count(PROCESS),
      realtime: count(REALTIME),
    };
  }
}

/**
 * Micro-ops numbered across the history (transaction t's ops are start[t] .. start[t + 1] - 1), so an
 * edge can name the micro-op that explains it in one integer.
 */
export class OpIndex {
  readonly start: Int32Array;
  readonly txnOf: Int32Array;

  constructor(opCounts: ArrayLike<number>) {
    const n = opCounts.length;
    this.start = new Int32Array(n + 1);
    for (let t = 0; t < n; t++) this.start[t + 1] = (this.start[t] as number) + (opCounts[t] as number);
    this.txnOf = new Int32Array(this.start[n] as number);
    for (let t = 0; t < n; t++)
      for (let id = this.start[t] as number; id < (this.start[t + 1] as number); id++) this.txnOf[id] = t;
  }

  get size(): number {
    return this.txnOf.length;
  }

  id(txn: number, op: number): number {
    return (this.start[txn] as number) + op;
  }

  /** The position of a global micro-op within its transaction. */
  local(id: number): number {
    return id - (this.start[this.txnOf[id] as number] as number);
  }
}

/** A growable list of 32-bit integers (a million ids as a JS array would be a million heap slots). */
export class IntList {
  private items: Int32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.items = new Int32Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.length === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.length++] = value;
  }

  at(index: number): number {
    return this.items[index] as number;
  }
}
