import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkLinearizable,
  checkPart,
  combinePartResults,
  partsToCheck,
  type CheckResult,
} from './linearizable';
import { casRegisterModel, kvModel, queueModel, registerModel, setModel, type Model } from './model';
import { generateEtcdCorpus, generateEtcdHistory } from './generate-etcd';
import { readJepsenLog } from './readers';
import type { Operation, Outcome } from './history';
import { referenceLinearizable } from './test-support/reference-search';

/** Random small histories: any mix of outcomes, overlapping times (equal ones included), few values. */
function historyArb(ops: fc.Arbitrary<{ f: string; input: unknown; output: unknown }>, max = 8) {
  return fc
    .array(
      fc.record({
        op: ops,
        outcome: fc.constantFrom<Outcome>('ok', 'ok', 'ok', 'info', 'info', 'fail'),
        call: fc.integer({ min: 0, max: 12 }),
        length: fc.integer({ min: 0, max: 6 }),
      }),
      { minLength: 1, maxLength: max },
    )
    .map((rows) =>
      rows.map((row, id): Operation => ({
        id,
        process: String(id),
        f: row.op.f,
        input: row.op.input,
        output: row.outcome === 'ok' ? row.op.output : undefined,
        outcome: row.outcome,
        call: row.call,
        ret: row.outcome === 'info' ? Infinity : row.call + row.length,
      })),
    );
}

/**
 * Small histories of a real register (each operation takes effect at one instant inside its window; an
 * info one maybe never), with identical requests frequent and many info operations, and then, half the
 * time, one read's result changed: the verdict hangs on the details the optimizations touch.
 */
const simulatedArb = fc
  .record({
    rows: fc.array(
      fc.record({
        kind: fc.constantFrom('read', 'write', 'cas'),
        a: fc.constantFrom(0, 1),
        b: fc.constantFrom(0, 1),
        call: fc.integer({ min: 0, max: 30 }),
        length: fc.integer({ min: 1, max: 8 }),
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        info: fc.boolean(),
        happens: fc.boolean(),
      }),
      { minLength: 4, maxLength: 13 },
    ),
    spoil: fc.option(fc.tuple(fc.nat(), fc.constantFrom(null, 0, 1)), { nil: undefined }),
  })
  .map(({ rows, spoil }) => {
    const effects = rows
      .map((row, id) => ({ row, id, time: row.call + row.at * row.length }))
      .filter(({ row }) => !row.info || row.happens)
      .sort((x, y) => x.time - y.time);
    let register: number | null = null;
    const output = new Map<number, unknown>();
    const failed = new Set<number>();
    for (const { row, id } of effects) {
      if (row.kind === 'read') output.set(id, register);
      else if (row.kind === 'write') register = row.a;
      else if (register === row.a) register = row.b;
      else failed.add(id);
    }
    const ops = rows.map((row, id): Operation => ({
      id,
      process: String(id),
      f: row.kind,
      input: row.kind === 'read' ? null : row.kind === 'write' ? row.a : [row.a, row.b],
      output: row.info ? undefined : row.kind === 'read' ? output.get(id) : null,
      outcome: row.info ? 'info' : failed.has(id) ? 'fail' : 'ok',
      call: row.call,
      ret: row.info ? Infinity : row.call + row.length,
    }));
    const reads = ops.filter((op) => op.f === 'read' && op.outcome === 'ok');
    if (spoil && reads.length > 0) {
      const read = reads[spoil[0] % reads.length] as Operation;
      ops[read.id] = { ...read, output: spoil[1] };
    }
    return ops;
  });

const value = fc.constantFrom(0, 1, 2);
const registerOps = fc.oneof(
  fc.record({ f: fc.constant('read'), input: fc.constant(null), output: fc.constantFrom(null, 0, 1, 2) }),
  value.map((v) => ({ f: 'write', input: v, output: v })),
  fc.tuple(value, value).map(([a, b]) => ({ f: 'cas', input: [a, b], output: [a, b] })),
);

/** Every order of the search (the default adaptive one, and each of its two alone) gets the reference's verdict. */
function agrees<S>(model: () => Model<S>, ops: Operation[]) {
  const expected = referenceLinearizable(ops, model()) ? 'linearizable' : 'not-linearizable';
  for (const order of ['adaptive', 'enable-first', 'required-first'] as const) {
    const result = checkLinearizable(ops, model(), { order });
    expect(result.verdict, `${order}: ${JSON.stringify(ops)}`).toBe(expected);
  }
}

describe('the optimized search agrees with the reference search', () => {
  it('cas register, etcd semantics (nil is a value, a failed cas observed another value)', () => {
    const model = () => casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });
    fc.assert(
      fc.property(historyArb(registerOps, 9), (ops) => agrees(model, ops)),
      { numRuns: 1500 },
    );
  });

  it('cas register, simulated with identical requests and many info operations', () => {
    const model = () => casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });
    fc.assert(
      fc.property(simulatedArb, (ops) => agrees(model, ops)),
      { numRuns: 5000 },
    );
  });

  it('cas register, Knossos semantics (nil read unknown, a failed cas had no effect)', () => {
    fc.assert(
      fc.property(historyArb(registerOps, 9), (ops) => agrees(() => casRegisterModel(0), ops)),
      { numRuns: 600 },
    );
  });

  it('register and kv (checked per key)', () => {
    const rw = fc.oneof(
      fc.record({ f: fc.constant('read'), input: fc.constant(null), output: value }),
      value.map((v) => ({ f: 'write', input: v, output: v })),
    );
    fc.assert(
      fc.property(historyArb(rw, 9), (ops) => agrees(() => registerModel(0, { nilRead: 'value' }), ops)),
      { numRuns: 500 },
    );
    const key = fc.constantFrom('a', 'b');
    const kv = fc.oneof(
      fc.record({
        f: fc.constant('read'),
        input: key.map((k) => [k]),
        output: fc.constantFrom(null, 0, 1),
      }),
      fc.tuple(key, fc.constantFrom(0, 1)).map(([k, v]) => ({ f: 'write', input: [k, v], output: v })),
      fc
        .tuple(key, fc.constantFrom(0, 1), fc.constantFrom(0, 1))
        .map(([k, a, b]) => ({ f: 'cas', input: [k, [a, b]], output: null })),
    );
    fc.assert(
      fc.property(historyArb(kv, 10), (ops) => agrees(() => kvModel(null), ops)),
      { numRuns: 500 },
    );
  });

  it('queue and set (states that are objects, many of them)', () => {
    const queueOps = fc.oneof(
      fc.constantFrom(1, 2).map((v) => ({ f: 'enqueue', input: v, output: null })),
      fc.record({ f: fc.constant('dequeue'), input: fc.constant(null), output: fc.constantFrom(null, 1, 2) }),
    );
    fc.assert(
      fc.property(historyArb(queueOps, 8), (ops) => agrees(() => queueModel(), ops)),
      { numRuns: 500 },
    );
    const setOps = fc.oneof(
      fc.constantFrom(1, 2).map((v) => ({ f: 'add', input: v, output: null })),
      fc.record({
        f: fc.constant('read'),
        input: fc.constant(null),
        output: fc.constantFrom([], [1], [2], [1, 2]),
      }),
    );
    fc.assert(
      fc.property(historyArb(setOps, 8), (ops) => agrees(() => setModel(), ops)),
      { numRuns: 300 },
    );
  });

  it('small etcd-shaped histories, with and without a stale read', () => {
    const model = () => casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, staleRead) => {
        const generated = generateEtcdHistory({ seed, operations: 12, infoRate: 0.3, staleRead });
        const expected = referenceLinearizable(generated.history, model());
        expect(expected).toBe(generated.linearizable);
        expect(checkLinearizable(generated.history, model()).verdict).toBe(
          expected ? 'linearizable' : 'not-linearizable',
        );
      }),
      { numRuns: 400 },
    );
  });
});

describe('etcd-shaped histories', () => {
  const model = () => casRegisterModel(null, { nilRead: 'value', failedCasObserves: true });

  it('have the shape: 5 clients, 70–150 operations, about a fifth info, values 0–4, retired processes', () => {
    const corpus = generateEtcdCorpus({ count: 40 });
    const all = corpus.flatMap((h) => h.history);
    for (const h of corpus) {
      expect(h.history.length).toBeGreaterThanOrEqual(70);
      expect(h.history.length).toBeLessThanOrEqual(150);
    }
    const info = all.filter((op) => op.outcome === 'info').length / all.length;
    expect(info).toBeGreaterThan(0.15);
    expect(info).toBeLessThan(0.25);
    expect(new Set(all.map((op) => op.f))).toEqual(new Set(['read', 'write', 'cas']));
    const written = all.filter((op) => op.f === 'write').map((op) => op.input as number);
    expect(Math.min(...written)).toBe(0);
    expect(Math.max(...written)).toBe(4);
    // A process whose write or cas timed out never invokes again: its client goes on as process + 5.
    for (const h of corpus) {
      const retired = new Set(
        h.history.filter((op) => op.outcome === 'info' && op.f !== 'read').map((op) => op.process),
      );
      for (const process of retired) {
        const last = Math.max(...h.history.filter((op) => op.process === process).map((op) => op.call));
        const timedOut = h.history.find(
          (op) => op.process === process && op.outcome === 'info' && op.f !== 'read',
        )!;
        expect(last).toBe(timedOut.call);
      }
      expect(new Set(h.history.map((op) => Number(op.process) % 5)).size).toBe(5);
    }
    expect(corpus.filter((h) => !h.linearizable).length).toBe(8);
  });

  it('get the verdict they were built with, from the history and from its Jepsen log, in any order', () => {
    for (const generated of generateEtcdCorpus({ count: 60 })) {
      const expected = generated.linearizable ? 'linearizable' : 'not-linearizable';
      expect(checkLinearizable(generated.history, model()).verdict, `seed ${generated.seed}`).toBe(expected);
      expect(checkLinearizable(readJepsenLog(generated.log), model()).verdict).toBe(expected);
      for (const order of ['enable-first', 'required-first'] as const)
        expect(checkLinearizable(generated.history, model(), { order }).verdict).toBe(expected);
    }
  });

  it('with more than 32 open info operations (several words per optional set), every order agrees with the construction', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, staleRead) => {
        const generated = generateEtcdHistory({ seed, operations: 110, infoRate: 0.5, staleRead });
        const open = generated.history.filter((op) => op.outcome === 'info' && op.f !== 'read').length;
        fc.pre(open > 32);
        const expected = generated.linearizable ? 'linearizable' : 'not-linearizable';
        for (const order of ['adaptive', 'enable-first', 'required-first'] as const)
          expect(checkLinearizable(generated.history, model(), { order }).verdict).toBe(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('a stale read is explained: the search stops at the changed read or before it', () => {
    const generated = generateEtcdCorpus({ count: 10 }).find((h) => !h.linearizable)!;
    const part = checkLinearizable(generated.history, model()).parts[0]!;
    expect(part.verdict).toBe('not-linearizable');
    expect(part.stuckOperation).toBeDefined();
    expect(part.longestLinearization!.length).toBeGreaterThan(0);
    expect(part.longestLinearization).not.toContain(generated.stale!.id);
  });
});

describe('the parts API (what a worker pool uses)', () => {
  it('checking the parts one by one and combining them is checkLinearizable', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const model = kvModel(null);
        const history = generateEtcdCorpus({ count: 3, firstSeed: seed }).flatMap((h, k) =>
          h.history.map((op) => ({
            ...op,
            id: op.id * 3 + k,
            input: [`k${k}`, op.f === 'read' ? null : op.input],
            output: op.output,
          })),
        );
        const parts = partsToCheck(history, model);
        expect(parts).toHaveLength(3);
        const combined: CheckResult = combinePartResults(
          model.name,
          history.length,
          parts.map((part) => checkPart(part, model)),
        );
        expect(combined).toEqual(checkLinearizable(history, model));
      }),
      { numRuns: 20 },
    );
  });
});
