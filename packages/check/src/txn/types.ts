/**
 * Transactional histories (Jepsen's `:txn` operations) and what the checker says about them. Every
 * type here is plain data: a result can go through JSON.stringify and come back unchanged (except
 * `Txn.ret`, where Infinity, "still open", becomes null in JSON).
 */

/** A key or an element: numbers stay numbers, EDN keywords become their names (`:x` is "x", as in JSON). */
export type Scalar = number | string;

/**
 * One micro-operation of a transaction. `value` is what was appended or written; for a read it is
 * what the read returned (a list for list-append, a scalar for a register, null when unknown or nil).
 */
export interface MicroOp {
  readonly f: 'append' | 'w' | 'r';
  readonly key: Scalar;
  readonly value: Scalar | readonly Scalar[] | null;
}

/** ok: committed; fail: aborted, took no effect; info: unknown, may have committed. */
export type TxnType = 'ok' | 'fail' | 'info';

export interface Txn {
  /** Dense index 0..n-1 in invocation order. */
  readonly index: number;
  readonly process: string;
  readonly type: TxnType;
  /** The completion's micro-ops for ok; the invocation's for fail and info (their reads are unknown). */
  readonly ops: readonly MicroOp[];
  /** Invocation time; completion time, or Infinity when the outcome is unknown (open to the end). */
  readonly call: number;
  readonly ret: number;
  /** Line of the invocation in the source, when read from text. */
  readonly line?: number;
}

export type TxnHistory = readonly Txn[];

export type TxnModel = 'list-append' | 'rw-register';

export const CONSISTENCY_MODELS = [
  'read-uncommitted',
  'read-committed',
  'snapshot-isolation',
  'serializable',
  'strict-serializable',
] as const;
export type ConsistencyModel = (typeof CONSISTENCY_MODELS)[number];

/** Cycle anomalies, by the dependency edges their cycle needs (Adya's phenomena, Elle's names). */
export const CYCLE_CLASSES = ['G0', 'G1c', 'G-single', 'G2-item'] as const;
export type CycleClass = (typeof CYCLE_CLASSES)[number];

/** Anomalies that need no cycle: one read, one transaction or one key shows them. */
export const PLAIN_CLASSES = [
  'G1a',
  'G1b',
  'internal',
  'lost-update',
  'duplicate-appends',
  'garbage-read',
  'incompatible-order',
] as const;
export type PlainClass = (typeof PLAIN_CLASSES)[number];

/**
 * A cycle class, possibly with a suffix naming the order edges it needs beyond data dependencies:
 * `G-single-realtime` is a cycle with one rw edge that closes only through real-time order.
 */
export type AnomalyType = PlainClass | CycleClass | `${CycleClass}-process` | `${CycleClass}-realtime`;

export type EdgeKindName = 'ww' | 'wr' | 'rw' | 'process' | 'realtime';

/** A micro-op of a transaction, by position: `history[txn].ops[op]`. */
export interface OpRef {
  readonly txn: number;
  readonly op: number;
}

/** One edge of a cycle, with the micro-ops that explain it (none for process and real-time edges). */
export interface CycleEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKindName;
  readonly key?: Scalar;
  /** The micro-op of `from` that the dependency starts at (its write, or its read for rw). */
  readonly fromOp?: number;
  /** The micro-op of `to` that the dependency ends at. */
  readonly toOp?: number;
  /** The dependency in words. */
  readonly why: string;
}

/** A transaction as an anomaly reports it: `ret` is null while open (JSON has no Infinity). */
export interface TxnSummary {
  readonly index: number;
  readonly process: string;
  readonly type: TxnType;
  readonly ops: readonly MicroOp[];
  readonly call: number;
  readonly ret: number | null;
  readonly line?: number;
}

export interface Anomaly {
  readonly type: AnomalyType;
  /** One or two sentences: what was observed and why it is this anomaly. */
  readonly why: string;
  /** The transactions involved, in the order the explanation names them. */
  readonly transactions: readonly TxnSummary[];
  /** The micro-ops that show it (for a cycle, also in each edge). */
  readonly ops: readonly OpRef[];
  readonly key?: Scalar;
  /** For cycle anomalies: the edges, each from the previous edge's `to`, the last back to the first `from`. */
  readonly cycle?: readonly CycleEdge[];
}

export interface TxnCheckOptions {
  readonly model: TxnModel;
  readonly consistency: ConsistencyModel;
  /** Add an edge between consecutive transactions of a process (session order). */
  readonly processOrder?: boolean;
  /** Add real-time edges (T1 completed before T2 was invoked); always on for strict-serializable. */
  readonly realtime?: boolean;
  /** At most this many anomalies of each type are listed (all are counted). Default 100. */
  readonly maxPerType?: number;
}

export interface TxnCheckStats {
  readonly transactions: number;
  readonly committed: number;
  readonly failed: number;
  readonly indeterminate: number;
  readonly microOps: number;
  readonly keys: number;
  readonly edges: Readonly<Record<EdgeKindName, number>>;
  /** Strongly connected components of more than one transaction, and the largest one's size. */
  readonly cyclicComponents: number;
  readonly largestComponent: number;
  /** Elements or values appended/written by more than one micro-op: their writer is ambiguous. */
  readonly ambiguousWrites: number;
  /** Anti-dependencies of initial (nil) reads left out because a key exceeded the budget. */
  readonly skippedInitialReadEdges: number;
  /**
   * The search for cycles with exactly one rw edge (G-single, what snapshot isolation forbids) ran out
   * of its work budget: one may have been missed. Every other class is decided exactly.
   */
  readonly searchExhausted: boolean;
}

export interface TxnCheckResult {
  /** No anomaly that the consistency model forbids. */
  readonly valid: boolean;
  readonly model: TxnModel;
  readonly consistency: ConsistencyModel;
  /** Anomaly types found that this consistency model forbids. */
  readonly forbidden: readonly AnomalyType[];
  /** Every anomaly type found, with how many of each. */
  readonly counts: Readonly<Partial<Record<AnomalyType, number>>>;
  /** Anomalies, at most `maxPerType` of each type, forbidden types first. */
  readonly anomalies: readonly Anomaly[];
  /** Consistency models these anomalies rule out. */
  readonly ruledOut: readonly ConsistencyModel[];
  readonly stats: TxnCheckStats;
}
