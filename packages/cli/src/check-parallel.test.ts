import { describe, expect, it } from 'vitest';
import { checkLinearizable, generateEtcdCorpus, generateKvHistory, type Operation } from '@dslab/check';
import { checkHistory, checkPartsOnWorkers, modelFromSpec, type ModelSpec } from './check-parallel';

const spec: ModelSpec = {
  name: 'kv',
  format: 'jepsen-log',
  keyField: false,
  initial: undefined,
  nilRead: undefined,
  failedCas: undefined,
};

/** Etcd-shaped registers as the keys of one kv history; some of them with a stale read. */
function multiKey(keys: number): Operation[] {
  return generateEtcdCorpus({ count: keys, firstSeed: 40 }).flatMap((h, k) =>
    h.history.map((op) => ({
      ...op,
      id: op.id * keys + k,
      process: `${k}-${op.process}`,
      input: [`k${k}`, op.f === 'read' ? null : op.input],
    })),
  );
}

describe('checking the parts of a history on worker threads', () => {
  it('gives the result checkLinearizable gives: same verdict, same parts in the same order', async () => {
    const history = multiKey(12);
    const model = modelFromSpec(spec);
    const expected = checkLinearizable(history, model);
    expect(expected.verdict).toBe('not-linearizable');
    expect(expected.parts).toHaveLength(12);
    const parallel = await checkHistory(history, model, { spec, workers: 2, minOperations: 0 });
    expect(parallel).toEqual(expected);
  }, 60_000);

  it('stays in this thread for small histories, and without a spec', async () => {
    const history = generateKvHistory({ seed: 3, operations: 2_000, processes: 5 });
    const model = modelFromSpec(spec);
    const expected = checkLinearizable(history, model);
    expect(await checkHistory(history, model, { spec, workers: 2 })).toEqual(expected);
    expect(await checkHistory(history, model, { workers: 2, minOperations: 0 })).toEqual(expected);
  });

  it('reports an error a worker meets (an operation the model does not know)', async () => {
    const bad: Operation[] = [
      { id: 0, process: '0', f: 'frobnicate', input: ['k', 1], output: null, outcome: 'ok', call: 0, ret: 1 },
    ];
    await expect(checkPartsOnWorkers([bad, bad], spec, 2)).rejects.toThrow(/unknown operation :frobnicate/);
  }, 60_000);
});
