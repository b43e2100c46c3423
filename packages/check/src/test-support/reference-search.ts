/**
 * The reference the optimized checker is tested against: linearizability by definition, with nothing
 * clever. A history is linearizable when its operations can be put in one order that
 *   - contains every operation that completed (ok, or a failure the model says observed something),
 *     and any subset of the info operations (each may or may not have taken effect),
 *   - respects real time (an operation that completed before another was invoked comes first),
 *   - is accepted by the model, step by step from its initial state.
 * Failed operations that observed nothing and reads whose result is unknown are left out, as the
 * checker does. The search tries every operation that may come next; a (placed set, state) pair that
 * failed once is not tried again — the only shortcut, and an obviously safe one. Small histories only.
 */
import type { History, Operation } from '../history';
import type { Model } from '../model';

export function referenceLinearizable<S>(history: History, model: Model<S>): boolean {
  const kept = history.filter(
    (op) =>
      (op.outcome !== 'fail' || model.keepsFailed?.(op) === true) &&
      !(op.outcome === 'info' && (op.f === 'read' || op.f === 'get')),
  );
  const parts = model.partition ? model.partition(kept) : [kept];
  return parts.every((part) => partLinearizable(part, model));
}

function partLinearizable<S>(ops: readonly Operation[], model: Model<S>): boolean {
  const isRequired = (op: Operation) => op.outcome !== 'info' && Number.isFinite(op.ret);
  const failed = new Set<string>();
  const search = (placed: ReadonlySet<number>, state: S): boolean => {
    if (ops.every((op) => !isRequired(op) || placed.has(op.id))) return true;
    const memo = `${[...placed].sort((a, b) => a - b).join(',')}|${model.key(state)}`;
    if (failed.has(memo)) return false;
    for (const op of ops) {
      if (placed.has(op.id)) continue;
      // op may come next only if no operation still to place completed before op was invoked.
      const blocked = ops.some(
        (other) => other !== op && !placed.has(other.id) && isRequired(other) && other.ret < op.call,
      );
      if (blocked) continue;
      const next = model.step(state, op);
      if (next === undefined) continue;
      if (search(new Set([...placed, op.id]), next)) return true;
    }
    failed.add(memo);
    return false;
  };
  return search(new Set(), model.init());
}
