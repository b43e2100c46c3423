/**
 * Writes a History back as events that `readJsonHistory` (and so `dslab check`) reads: invocations and
 * completions in time order, one JSON object per line inside one array, produced a line at a time so a
 * caller can stream millions of operations to a file without building one giant string.
 */
import type { History, Operation } from './history';

/**
 * Lines of a JSON array of events `{type, process, f, value, time}`. An invocation carries the input,
 * an ok its output (a read's value), fail and info the input again (as Jepsen writes them). An info
 * completion follows its invocation at once: its outcome is unknown, so it stays open to the end either way.
 */
export function* historyToJsonLines(history: History): Generator<string> {
  const byCall = sortedBy(history, (op) => op.call);
  const completed: Operation[] = [];
  for (const op of history) if (op.outcome !== 'info' && Number.isFinite(op.ret)) completed.push(op);
  const byRet = sortedBy(completed, (op) => op.ret);
  let first = true;
  const line = (event: Record<string, unknown>) => {
    const text = (first ? '[' : ',') + JSON.stringify(event) + '\n';
    first = false;
    return text;
  };
  let r = 0;
  for (const op of byCall) {
    // Completions strictly before this invocation come first; at equal times the invocation leads
    // (the two overlap, which is how the checker orders equal times).
    while (r < byRet.length && (byRet[r] as Operation).ret < op.call)
      yield line(completion(byRet[r++] as Operation));
    yield line({ type: 'invoke', process: op.process, f: op.f, value: op.input ?? null, time: op.call });
    if (op.outcome === 'info' || !Number.isFinite(op.ret))
      yield line({ type: 'info', process: op.process, f: op.f, value: op.input ?? null, time: op.call });
  }
  while (r < byRet.length) yield line(completion(byRet[r++] as Operation));
  yield first ? '[]\n' : ']\n';
}

function completion(op: Operation): Record<string, unknown> {
  const value = op.outcome === 'ok' && op.output !== undefined ? op.output : (op.input ?? null);
  return { type: op.outcome, process: op.process, f: op.f, value, time: op.ret };
}

/** The operations ordered by `key` (ties by id), without copying when they already are. */
function sortedBy(ops: readonly Operation[], key: (op: Operation) => number): readonly Operation[] {
  let sorted = true;
  for (let i = 1; i < ops.length && sorted; i++)
    sorted = key(ops[i - 1] as Operation) <= key(ops[i] as Operation);
  if (sorted) return ops;
  return [...ops].sort((a, b) => key(a) - key(b) || a.id - b.id);
}
