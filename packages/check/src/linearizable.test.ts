import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizable } from './linearizable';
import { casRegisterModel, kvModel, registerModel, queueModel, setModel } from './model';
import { generateCasRegisterHistory, toJepsenLog } from './generate';
import { readJepsenLog } from './readers';
import { HistoryRecorder, type History, type Operation } from './history';
import type { Model } from './model';

/** Brute force: try every permutation consistent with real-time order (small histories only). */
function bruteForce<S>(history: History, model: Model<S>): boolean {
  const ops = history.filter((op) => op.outcome !== 'fail' || model.keepsFailed?.(op));
  // Completed operations (ok, and failures that still observed something) must be placed; info may be.
  const required = ops.filter((op) => op.outcome !== 'info');
  const optional = ops.filter((op) => op.outcome === 'info');
  const search = (state: S, done: Set<number>, remaining: Operation[]): boolean => {
    if (remaining.every((op) => op.outcome === 'info')) return true;
    for (const op of remaining) {
      // op can go next only if no other remaining required op returned before op was invoked.
      if (remaining.some((other) => other !== op && other.outcome !== 'info' && other.ret < op.call))
        continue;
      const next = model.step(state, op);
      if (next === undefined) continue;
      done.add(op.id);
      if (
        search(
          next,
          done,
          remaining.filter((o) => o !== op),
        )
      )
        return true;
      done.delete(op.id);
    }
    return false;
  };
  return search(model.init(), new Set(), [...required, ...optional]);
}

describe('linearizability checker', () => {
  it('accepts histories of a correct register, and rejects one corrupted read exactly when brute force does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.nat(),
        fc.integer({ min: 0, max: 4 }),
        (seed, pick, corrupt) => {
          const history = generateCasRegisterHistory({
            seed,
            processes: 3,
            operations: 7,
            infoRate: 0.1,
            values: 3,
          });
          const model = casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });
          expect(checkLinearizable(history, model).verdict).toBe('linearizable');
          const reads = history.filter((op) => op.f === 'read' && op.outcome === 'ok');
          if (reads.length === 0) return;
          const target = reads[pick % reads.length]!;
          const changed = history.map((op) => (op.id === target.id ? { ...op, output: corrupt } : op));
          const expected = bruteForce(changed, model) ? 'linearizable' : 'not-linearizable';
          expect(checkLinearizable(changed, model).verdict).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('explains a violation: the longest linearization and the operation that cannot be placed', () => {
    const r = new HistoryRecorder();
    const w = r.invoke(1, 'write', 1, 0);
    r.ok(w, 1, 1);
    const read = r.invoke(2, 'read', null, 2);
    r.ok(read, 0, 3);
    const result = checkLinearizable(r.history(), registerModel(0, { nilRead: 'value' }));
    expect(result.verdict).toBe('not-linearizable');
    expect(result.parts[0]!.longestLinearization).toEqual([w]);
    expect(result.parts[0]!.stuckOperation).toBe(read);
    expect(result.parts[0]!.stateAfterLongest).toBe('1');
  });

  it('an info write may or may not have happened, at any time after its invocation', () => {
    const r = new HistoryRecorder();
    const w = r.invoke(1, 'write', 5, 0);
    r.info(w, 1);
    const a = r.invoke(2, 'read', null, 10);
    r.ok(a, 0, 11);
    const b = r.invoke(2, 'read', null, 20);
    r.ok(b, 5, 21);
    expect(checkLinearizable(r.history(), registerModel(0, { nilRead: 'value' })).verdict).toBe(
      'linearizable',
    );
    const c = r.invoke(2, 'read', null, 30);
    r.ok(c, 0, 31);
    expect(checkLinearizable(r.history(), registerModel(0, { nilRead: 'value' })).verdict).toBe(
      'not-linearizable',
    );
  });

  it('checks a key-value history per key, and a bad key only fails its own part', () => {
    const r = new HistoryRecorder();
    for (let k = 0; k < 20; k++) {
      const w = r.invoke(k, 'write', [`k${k}`, k], k * 10);
      r.ok(w, null, k * 10 + 1);
      const g = r.invoke(k, 'read', [`k${k}`], k * 10 + 2);
      r.ok(g, k === 7 ? 99 : k, k * 10 + 3);
    }
    const result = checkLinearizable(r.history(), kvModel(null));
    expect(result.parts).toHaveLength(20);
    expect(result.verdict).toBe('not-linearizable');
    expect(result.parts.filter((p) => p.verdict === 'not-linearizable')).toHaveLength(1);
  });

  it('gives up with unknown past its budget, never hangs', () => {
    const history = generateCasRegisterHistory({ seed: 3, processes: 10, operations: 200, infoRate: 0.3 });
    const result = checkLinearizable(
      history,
      casRegisterModel(null, { nilRead: 'value', failedCasObserves: true }),
      { maxStates: 5 },
    );
    expect(result.verdict).toBe('unknown');
    let calls = 0;
    const timed = checkLinearizable(
      history,
      casRegisterModel(null, { nilRead: 'value', failedCasObserves: true }),
      {
        deadlineReached: () => ++calls > 0,
        maxStates: 1e9,
      },
    );
    expect(['unknown', 'linearizable']).toContain(timed.verdict);
  });

  it('set and queue models', () => {
    const r = new HistoryRecorder();
    r.ok(r.invoke(1, 'add', 1, 0), null, 1);
    r.ok(r.invoke(2, 'read', null, 2), [1], 3);
    expect(checkLinearizable(r.history(), setModel()).verdict).toBe('linearizable');
    const q = new HistoryRecorder();
    q.ok(q.invoke(1, 'enqueue', 'a', 0), null, 1);
    q.ok(q.invoke(1, 'enqueue', 'b', 2), null, 3);
    q.ok(q.invoke(2, 'dequeue', null, 4), 'b', 5);
    expect(checkLinearizable(q.history(), queueModel()).verdict).toBe('not-linearizable');
  });

  it('Jepsen log round trip: generated etcd-style logs read back to the same verdict', () => {
    for (let seed = 0; seed < 20; seed++) {
      const history = generateCasRegisterHistory({ seed, processes: 6, operations: 80, infoRate: 0.05 });
      const back = readJepsenLog(toJepsenLog(history));
      const model = casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });
      expect(checkLinearizable(back, model).verdict).toBe('linearizable');
    }
  });
});
