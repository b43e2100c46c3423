/** Cycle edges in words, from the micro-ops that produced them. */
import { microOp, type Context } from './context';
import { NO_OP, kindName } from './edges';
import { formatList, formatScalar } from './format';
import type { CycleEdge, MicroOp, Scalar } from './types';

function describeRead(op: MicroOp): string {
  if (Array.isArray(op.value)) return formatList(op.value as readonly Scalar[]);
  return formatScalar(op.value as Scalar | null);
}

function time(value: number): string {
  return Number.isFinite(value) ? String(value) : 'never';
}

export function explainEdge(context: Context, edge: number): CycleEdge {
  const { edges, ops, history } = context;
  const from = edges.from(edge);
  const to = edges.to(edge);
  const kind = kindName(edges.kind(edge));
  const a = `T${from}`;
  const b = `T${to}`;
  const fromId = edges.fromOp(edge);
  const toId = edges.toOp(edge);
  if (fromId === NO_OP || toId === NO_OP) {
    const first = history[from] as (typeof history)[number];
    const second = history[to] as (typeof history)[number];
    const why =
      kind === 'process'
        ? `${a} and ${b} ran one after the other on process ${first.process}.`
        : `${a} completed (at ${time(first.ret)}) before ${b} was invoked (at ${time(second.call)}).`;
    return { from, to, kind, why };
  }
  const x = microOp(context, fromId);
  const y = microOp(context, toId);
  const key = formatScalar(x.key);
  let why: string;
  if (kind === 'ww') {
    why =
      y.f === 'append'
        ? `${a} appended ${formatScalar(x.value as Scalar)} to key ${key}; ${b} appended ${formatScalar(y.value as Scalar)}, the next element of the key's order.`
        : `${a} wrote key ${key} = ${formatScalar(x.value as Scalar)}; ${b} read that version and then wrote ${formatScalar(y.value as Scalar)}, a later one.`;
  } else if (kind === 'wr') {
    why =
      x.f === 'append'
        ? `${b} read key ${key} as ${describeRead(y)}, seeing ${a}'s append of ${formatScalar(x.value as Scalar)} last.`
        : `${b} read key ${key} = ${formatScalar(x.value as Scalar)}, which ${a} wrote.`;
  } else {
    why =
      y.f === 'append'
        ? `${a} read key ${key} as ${describeRead(x)}; ${b} appended ${formatScalar(y.value as Scalar)}, the next element after what ${a} saw.`
        : `${a} read key ${key} = ${describeRead(x)}; ${b} wrote ${formatScalar(y.value as Scalar)}, a later version.`;
  }
  return { from, to, kind, key: x.key, fromOp: ops.local(fromId), toOp: ops.local(toId), why };
}
