/**
 * A history must use its model's micro-ops; anything else is an input error naming the transaction.
 * Returns each transaction's micro-op count and the numbers of reads and writes (the walk is the
 * same, and a million-transaction history is walked as few times as possible).
 */
import { TxnHistoryError } from './read-txn';
import type { MicroOp, TxnHistory, TxnModel } from './types';

function where(txn: TxnHistory[number]): string {
  return txn.line !== undefined ? `line ${txn.line}` : `transaction ${txn.index}`;
}

export interface HistoryShape {
  readonly opCounts: Int32Array;
  readonly reads: number;
  readonly writes: number;
}

export function validateTxnHistory(history: TxnHistory, model: TxnModel): HistoryShape {
  const opCounts = new Int32Array(history.length);
  let reads = 0;
  let ops = 0;
  const write = model === 'list-append' ? 'append' : 'w';
  for (let t = 0; t < history.length; t++) {
    const txn = history[t] as TxnHistory[number];
    if (txn.index !== t)
      throw new TxnHistoryError(`transaction ${t} has index ${txn.index}: indices must be 0..n-1 in order`);
    opCounts[t] = txn.ops.length;
    ops += txn.ops.length;
    for (let i = 0; i < txn.ops.length; i++) {
      const op = txn.ops[i] as MicroOp;
      if (op.f !== 'r' && op.f !== write)
        throw new TxnHistoryError(
          `${where(txn)}: micro-op ${i + 1} is :${op.f}, but a ${model} history has only :${write} and :r`,
        );
      if (op.f !== 'r') continue;
      reads++;
      if (txn.type !== 'ok' || op.value === null) continue;
      if (model === 'list-append' && !Array.isArray(op.value))
        throw new TxnHistoryError(
          `${where(txn)}: micro-op ${i + 1} reads a ${typeof op.value}; a list-append read returns a list`,
        );
      if (model === 'rw-register' && Array.isArray(op.value))
        throw new TxnHistoryError(
          `${where(txn)}: micro-op ${i + 1} reads a list; a register read returns one value`,
        );
    }
  }
  return { opCounts, reads, writes: ops - reads };
}
