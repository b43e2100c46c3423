/**
 * Edges that come from when and where transactions ran rather than from what they read: process
 * (session) order and real-time order. Aborted transactions are left out: they took no effect.
 */
import { NO_OP, PROCESS, REALTIME, type EdgeList } from './edges';
import type { TxnHistory } from './types';

/** Each transaction of a process precedes that process's next one. */
export function addProcessEdges(history: TxnHistory, edges: EdgeList): void {
  const last = new Map<string, number>();
  for (const txn of history) {
    if (txn.type === 'fail') continue;
    const previous = last.get(txn.process);
    if (previous !== undefined) edges.add(previous, txn.index, PROCESS, NO_OP, NO_OP);
    last.set(txn.process, txn.index);
  }
}

/**
 * T1 → T2 when T1 completed before T2 was invoked, as a transitive reduction that stays linear: walk
 * invocations and completions in time order, keeping the completed transactions not yet covered by a
 * later one. An invocation gets an edge from each of them. A completion covers every transaction that
 * had completed before its own invocation (they precede it, and it precedes whatever comes next), so
 * those leave. What remains were completed after the newest covering invocation: a suffix of the
 * completion order, so the set is a window [low, completions) and costs nothing to maintain.
 */
export function addRealtimeEdges(history: TxnHistory, edges: EdgeList): void {
  const order = timeOrder(history);
  const completed: number[] = [];
  const windowAtInvoke = new Int32Array(history.length);
  let low = 0;
  for (const event of order) {
    const txn = event >> 1;
    if ((event & 1) === 0) {
      windowAtInvoke[txn] = completed.length;
      for (let i = low; i < completed.length; i++)
        edges.add(completed[i] as number, txn, REALTIME, NO_OP, NO_OP);
    } else {
      if ((windowAtInvoke[txn] as number) > low) low = windowAtInvoke[txn] as number;
      completed.push(txn);
    }
  }
}

/**
 * Events as 2·txn (invocation) and 2·txn + 1 (completion), sorted by time with invocations first on
 * ties (equal times overlap; they are not ordered). Aborted and unfinished completions are left out.
 */
function timeOrder(history: TxnHistory): Int32Array {
  const events: number[] = [];
  let integral = true;
  for (const txn of history) {
    if (txn.type === 'fail') continue;
    events.push(txn.index * 2);
    if (!Number.isSafeInteger(txn.call) || txn.call < 0) integral = false;
    if (Number.isFinite(txn.ret)) {
      events.push(txn.index * 2 + 1);
      if (!Number.isSafeInteger(txn.ret) || txn.ret < 0) integral = false;
    }
  }
  const time = (event: number): number => {
    const txn = history[event >> 1] as TxnHistory[number];
    return (event & 1) === 0 ? txn.call : txn.ret;
  };
  const maxTime = events.reduce((max, event) => Math.max(max, time(event)), 0);
  // Whole-number times (event indices, as readers produce): pack time, kind and transaction into one
  // float and let the native numeric sort do the work. Other times sort by comparison.
  const slots = 2 ** 22;
  if (integral && history.length < slots && maxTime * 2 * slots * 2 < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as number;
      packed[i] = (time(event) * 2 + (event & 1)) * slots * 2 + event;
    }
    packed.sort();
    const out = new Int32Array(events.length);
    for (let i = 0; i < packed.length; i++) out[i] = (packed[i] as number) % (slots * 2);
    return out;
  }
  events.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
  return Int32Array.from(events);
}
