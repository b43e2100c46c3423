/**
 * Text for transactions: micro-ops in Jepsen's EDN notation (what a reader of an anomaly expects to
 * see), and whole histories as EDN or JSON (what the reader reads back).
 */
import type { MicroOp, Scalar, Txn, TxnHistory, TxnSummary } from './types';

/** Longer read lists are shown by their last elements: the end is what dependencies are about. */
export const SHOWN_ELEMENTS = 8;

export function formatScalar(value: Scalar | null): string {
  if (value === null) return 'nil';
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A read list, its last `SHOWN_ELEMENTS` elements when longer. */
export function formatList(list: readonly Scalar[], shown = SHOWN_ELEMENTS): string {
  const parts: string[] = [];
  const start = Math.max(0, list.length - shown);
  for (let i = start; i < list.length; i++) parts.push(formatScalar(list[i] as Scalar));
  return `[${start > 0 ? `… (${start} more) ` : ''}${parts.join(' ')}]`;
}

export function formatValue(value: MicroOp['value']): string {
  if (Array.isArray(value)) return formatList(value as readonly Scalar[]);
  return formatScalar(value as Scalar | null);
}

/** `[:append 5 3]`, `[:r 5 [1 2 3]]`. */
export function formatMicroOp(op: MicroOp): string {
  return `[:${op.f} ${formatScalar(op.key)} ${formatValue(op.value)}]`;
}

/** A transaction's micro-ops, at most `max` of them. */
export function formatOps(ops: readonly MicroOp[], max = 16): string {
  const shown = ops.slice(0, max).map(formatMicroOp).join(' ');
  return `[${shown}${ops.length > max ? ` … ${ops.length - max} more` : ''}]`;
}

/** How anomalies name a transaction. */
export function txnName(txn: Pick<Txn, 'index'>): string {
  return `T${txn.index}`;
}

export function summarize(txn: Txn): TxnSummary {
  return {
    index: txn.index,
    process: txn.process,
    type: txn.type,
    ops: txn.ops,
    call: txn.call,
    ret: Number.isFinite(txn.ret) ? txn.ret : null,
    ...(txn.line !== undefined ? { line: txn.line } : {}),
  };
}

function ednScalar(value: Scalar | null): string {
  return formatScalar(value);
}

function ednValue(value: MicroOp['value']): string {
  if (Array.isArray(value)) return `[${(value as readonly Scalar[]).map(ednScalar).join(' ')}]`;
  return ednScalar(value as Scalar | null);
}

function ednOps(ops: readonly MicroOp[], withReads: boolean): string {
  return `[${ops
    .map((op) => `[:${op.f} ${ednScalar(op.key)} ${op.f === 'r' && !withReads ? 'nil' : ednValue(op.value)}]`)
    .join(' ')}]`;
}

/** One invocation and completion per transaction, as events ordered by time (invocations first on ties). */
function events(history: TxnHistory): { txn: Txn; invoke: boolean }[] {
  const list: { txn: Txn; invoke: boolean; time: number }[] = [];
  for (const txn of history) {
    list.push({ txn, invoke: true, time: txn.call });
    if (Number.isFinite(txn.ret)) list.push({ txn, invoke: false, time: txn.ret });
  }
  list.sort((a, b) => a.time - b.time || Number(b.invoke) - Number(a.invoke) || a.txn.index - b.txn.index);
  return list;
}

/** Jepsen's history.edn: one operation map per line. */
export function toEdnHistory(history: TxnHistory): string {
  const lines: string[] = [];
  for (const { txn, invoke } of events(history)) {
    const type = invoke ? 'invoke' : txn.type;
    const process = /^-?\d+$/.test(txn.process) ? txn.process : JSON.stringify(txn.process);
    lines.push(
      `{:type :${type}, :f :txn, :value ${ednOps(txn.ops, !invoke && txn.type === 'ok')}, :process ${process}}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** A JSON array of events, one per line: `{"type":"invoke","f":"txn","process":0,"value":[["append",5,1]]}`. */
export function toJsonHistory(history: TxnHistory): string {
  const lines: string[] = [];
  for (const { txn, invoke } of events(history)) {
    const withReads = !invoke && txn.type === 'ok';
    const value = txn.ops.map((op) => [op.f, op.key, op.f === 'r' && !withReads ? null : op.value]);
    const process = /^-?\d+$/.test(txn.process) ? Number(txn.process) : txn.process;
    lines.push(JSON.stringify({ type: invoke ? 'invoke' : txn.type, f: 'txn', process, value }));
  }
  return `[\n${lines.join(',\n')}\n]\n`;
}
