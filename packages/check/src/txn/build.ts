/**
 * Building transactional histories: a recorder for clients that run (simulated stores, real
 * databases) and a shorthand for hand-written histories in tests and documentation.
 */
import type { MicroOp, Txn, TxnHistory, TxnType } from './types';

interface Pending {
  process: string;
  type: TxnType | undefined;
  ops: readonly MicroOp[];
  call: number;
  ret: number;
  line: number | undefined;
}

/** Records transactions as clients invoke and complete them; a process has one open transaction at most. */
export class TxnRecorder {
  private readonly txns: Pending[] = [];
  private readonly openByProcess = new Map<string, number>();

  invoke(process: string | number, ops: readonly MicroOp[], time: number, line?: number): number {
    const key = String(process);
    const open = this.openByProcess.get(key);
    if (open !== undefined)
      throw new Error(`process ${key} invoked a transaction while transaction ${open} is still open`);
    const id = this.txns.length;
    this.txns.push({ process: key, type: undefined, ops, call: time, ret: Infinity, line });
    this.openByProcess.set(key, id);
    return id;
  }

  /** Committed; `ops` carries what the reads returned. */
  ok(id: number, ops: readonly MicroOp[], time: number): void {
    const txn = this.complete(id, 'ok', time);
    if (ops.length !== txn.ops.length)
      throw new Error(
        `transaction ${id} completes with ${ops.length} micro-ops, invoked with ${txn.ops.length}`,
      );
    txn.ops = ops;
  }

  /** Aborted: took no effect. */
  fail(id: number, time: number): void {
    this.complete(id, 'fail', time);
  }

  /** Unknown (a timeout): it may commit at any time after its invocation, so it stays open. */
  info(id: number, time: number): void {
    this.complete(id, 'info', time);
  }

  /** Whether a process has an open transaction. */
  isOpen(process: string | number): boolean {
    return this.openByProcess.has(String(process));
  }

  /** The open transaction's id for a process, if any. */
  openTransaction(process: string | number): number | undefined {
    return this.openByProcess.get(String(process));
  }

  private complete(id: number, type: TxnType, time: number): Pending {
    const txn = this.txns[id];
    if (!txn) throw new Error(`no transaction ${id}`);
    if (txn.type !== undefined) throw new Error(`transaction ${id} completed twice`);
    if (time < txn.call) throw new Error(`transaction ${id} completes at ${time}, before it was invoked`);
    txn.type = type;
    txn.ret = type === 'info' ? Infinity : time;
    this.openByProcess.delete(txn.process);
    return txn;
  }

  get size(): number {
    return this.txns.length;
  }

  /** The history so far; transactions still open count as info. */
  history(): TxnHistory {
    const out: Txn[] = new Array(this.txns.length);
    for (let index = 0; index < this.txns.length; index++) {
      const t = this.txns[index] as Pending;
      const type = t.type ?? 'info';
      out[index] = {
        index,
        process: t.process,
        type,
        ops: t.ops,
        call: t.call,
        ret: type === 'info' ? Infinity : t.ret,
        ...(t.line !== undefined ? { line: t.line } : {}),
      };
    }
    return out;
  }
}

/** A hand-written transaction: micro-ops as `['append', 'x', 1]`, `['r', 'x', [1]]`, `['w', 'x', 1]`. */
export interface TxnSpec {
  readonly ops: readonly (readonly [MicroOp['f'], MicroOp['key'], MicroOp['value']])[];
  readonly type?: TxnType;
  /** Default: a process of its own, so no two transactions share session order unless asked. */
  readonly process?: string | number;
  /** Default: transaction i runs alone from time 2i to 2i + 1, so real-time order is history order. */
  readonly call?: number;
  readonly ret?: number;
}

/** A history from hand-written transactions, in the given order. */
export function txnHistory(specs: readonly TxnSpec[]): TxnHistory {
  return specs.map((spec, index) => {
    const type = spec.type ?? 'ok';
    return {
      index,
      process: String(spec.process ?? `p${index}`),
      type,
      ops: spec.ops.map(([f, key, value]) => ({ f, key, value })),
      call: spec.call ?? 2 * index,
      ret: type === 'info' ? Infinity : (spec.ret ?? 2 * index + 1),
    };
  });
}
