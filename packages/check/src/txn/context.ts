/** What every inference step shares: the history, its micro-op numbering, the edges and the anomaly log. */
import type { AnomalyLog } from './anomaly-log';
import type { EdgeList, OpIndex } from './edges';
import { summarize } from './format';
import type { MicroOp, OpRef, Scalar, Txn, TxnHistory, TxnSummary } from './types';

export interface Context {
  readonly history: TxnHistory;
  readonly ops: OpIndex;
  readonly edges: EdgeList;
  readonly log: AnomalyLog;
}

/** Marks a value or element with more than one writer. */
export const AMBIGUOUS = -2;
/** No writer at all. */
export const NONE = -1;

/** The micro-op behind a global id. */
export function microOp(context: Context, id: number): MicroOp {
  const txn = context.ops.txnOf[id] as number;
  return context.history[txn]?.ops[context.ops.local(id)] as MicroOp;
}

export function opRef(context: Context, id: number): OpRef {
  return { txn: context.ops.txnOf[id] as number, op: context.ops.local(id) };
}

/** The transactions of these micro-ops, each once, in order of first mention. */
export function involved(context: Context, ids: readonly number[]): TxnSummary[] {
  const seen = new Set<number>();
  const out: TxnSummary[] = [];
  for (const id of ids) {
    const txn = context.ops.txnOf[id] as number;
    if (seen.has(txn)) continue;
    seen.add(txn);
    out.push(summarize(context.history[txn] as Txn));
  }
  return out;
}

/** Whether a transaction took effect or may have (ok or info): only those can be depended on. */
export function mayHaveCommitted(context: Context, txn: number): boolean {
  return context.history[txn]?.type !== 'fail';
}

/**
 * For each micro-op that writes (append or w), whether the same transaction writes the same key again
 * later: a read that ends at such a write saw an intermediate state (G1b).
 */
export function markOverwritten(context: Context, f: 'append' | 'w'): Uint8Array {
  const overwritten = new Uint8Array(context.ops.size);
  const later = new Set<Scalar>();
  for (const txn of context.history) {
    const base = context.ops.start[txn.index] as number;
    later.clear();
    for (let i = txn.ops.length - 1; i >= 0; i--) {
      const op = txn.ops[i] as MicroOp;
      if (op.f !== f) continue;
      if (later.has(op.key)) overwritten[base + i] = 1;
      else later.add(op.key);
    }
  }
  return overwritten;
}
