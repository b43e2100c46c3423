import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTransactions } from './check';
import { toEdnHistory, toJsonHistory } from './format';
import { detectTxnFormat, readTxnHistory, TxnHistoryError } from './read-txn';
import { simulateStore } from './simulated-store';

const EDN = `; Jepsen's history.edn, one operation per line
{:type :invoke, :f :txn, :value [[:append 5 1] [:r 5 nil]], :process 0, :time 10, :index 0}
{:type :invoke, :f :txn, :value [[:r 5 nil]], :process 1, :time 11, :index 1}
{:type :info, :f :start-partition, :value nil, :process :nemesis}
{:type :ok, :f :txn, :value [[:append 5 1] [:r 5 [1]]], :process 0, :time 12, :index 2}
{:type :fail, :f :txn, :value [[:r 5 nil]], :process 1, :time 13, :index 3}
{:type :invoke, :f :txn, :value [[:r :x nil] [:w :y "a"]], :process 1}
`;

describe('transactional history reader', () => {
  it('reads EDN: pairs invocations and completions per process, skips the nemesis, keeps lines', () => {
    const history = readTxnHistory(EDN);
    expect(history).toHaveLength(3);
    expect(history[0]).toMatchObject({
      index: 0,
      process: '0',
      type: 'ok',
      line: 2,
      ops: [
        { f: 'append', key: 5, value: 1 },
        { f: 'r', key: 5, value: [1] },
      ],
    });
    expect(history[1]).toMatchObject({ type: 'fail', ops: [{ f: 'r', key: 5, value: null }], line: 3 });
    // Never completed: unknown, open to the end; keywords become their names.
    expect(history[2]).toMatchObject({
      type: 'info',
      ret: Infinity,
      ops: [{ key: 'x' }, { f: 'w', key: 'y', value: 'a' }],
    });
  });

  it('reads a history wrapped in one vector, still naming lines', () => {
    const text = `[{:type :invoke, :f :txn, :value [[:append 1 1]], :process 0}\n {:type :ok, :f :txn, :value [[:append 1 1]], :process 0}\n {:type :ok, :f :txn, :value [], :process 3}]`;
    expect(() => readTxnHistory(text)).toThrow(/^line 3: :ok for process 3, which has no open transaction$/);
    expect(
      readTxnHistory(text.replace(/\n \{:type :ok, :f :txn, :value \[\], :process 3\}/, '')),
    ).toHaveLength(1);
  });

  it('reads JSON arrays and {"history": [...]}, naming lines of bad events', () => {
    const json = `[\n{"type":"invoke","f":"txn","process":0,"value":[["append","x",1],["r","x",null]]},\n{"type":"ok","f":"txn","process":0,"value":[["append","x",1],["r","x",[1]]]}\n]`;
    expect(detectTxnFormat(json)).toBe('json');
    expect(detectTxnFormat(EDN)).toBe('edn');
    expect(readTxnHistory(json)[0]).toMatchObject({
      type: 'ok',
      line: 2,
      ops: [{ key: 'x' }, { value: [1] }],
    });
    expect(readTxnHistory(`{"history": ${json}}`)).toHaveLength(1);
    expect(() => readTxnHistory(json.replace('["r","x",[1]]]}', '["r","x",[1]],["w"]]}'))).toThrow(
      /^line 3: micro-op 3 has 1 elements/,
    );
    expect(() => readTxnHistory('[\n{"type":"ok",\n "f":"txn" "process":0}]', 'json')).toThrow(
      /^line 3: not valid JSON/,
    );
  });

  it('errors name the line and what was expected', () => {
    const bad = (line: string) => () =>
      readTxnHistory(`{:type :invoke, :f :txn, :value [[:r 1 nil]], :process 0}\n${line}`);
    expect(bad('{:type :ok, :f :txn, :value [[:r 1 [1] 2]], :process 0}')).toThrow(
      /^line 2: micro-op 1 has 4 elements; expected \[:append k v\], \[:r k value\] or \[:w k v\]$/,
    );
    expect(bad('{:type :ok, :f :txn, :value [[:append 1 1]], :process 0}')).toThrow(
      /^line 2: micro-op 1 completes as \[:append 1 …\] but was invoked as \[:r 1 …\] \(line 1\)$/,
    );
    expect(bad('{:type :ok, :f :txn, :value [[:r 1 [1]] [:r 2 nil]], :process 0}')).toThrow(
      /line 2: the completion has 2 micro-ops, the invocation \(line 1\) has 1/,
    );
    expect(bad('{:type :invoke, :f :txn, :value [], :process 0}')).toThrow(
      /^line 2: process 0 invokes again before its transaction \(line 1\) completed$/,
    );
    expect(bad('{:type :ok, :f :read, :value 1, :process 0}')).toThrow(
      /^line 2: expected :f :txn, got :read/,
    );
    expect(bad('{:type :done, :f :txn, :value [], :process 0}')).toThrow(
      /^line 2: expected :type to be :invoke/,
    );
    expect(bad('{:type :ok, :f :txn, :value [[:r 1 [{:a 1}]]], :process 0}')).toThrow(
      /^line 2: micro-op 1 reads element 1 as a map/,
    );
    expect(bad('{:type :ok, :f :txn, :value [[:r 1 [1]], :process 0}')).toThrow(/^line 2, column \d+: /);
    expect(bad('[:r 1 nil]')).toThrow(/^line 2, operation 1: expected an operation map .*, got :r$/);
  });

  it('round-trips simulated histories through EDN and JSON: same transactions, same verdicts', () => {
    for (const model of ['list-append', 'rw-register'] as const) {
      const history = simulateStore({
        store: 'snapshot-isolation',
        model,
        seed: 3,
        transactions: 300,
        infoRate: 0.05,
      });
      const direct = checkTransactions(history, { model, consistency: 'serializable' });
      for (const text of [toEdnHistory(history), toJsonHistory(history)]) {
        const read = readTxnHistory(text);
        expect(read.map((t) => [t.process, t.type, t.ops])).toEqual(
          history.map((t) => [t.process, t.type, t.ops]),
        );
        const again = checkTransactions(read, { model, consistency: 'serializable' });
        expect(again.counts).toEqual(direct.counts);
      }
    }
  });

  it('never crashes or hangs on garbage: a history or a TxnHistoryError', () => {
    const tokens = [
      '[',
      ']',
      '{',
      '}',
      '(',
      ')',
      ':type',
      ':invoke',
      ':ok',
      ':txn',
      ':f',
      ':value',
      ':process',
      ':append',
      ':r',
      ':w',
      'nil',
      '1',
      '"a"',
      ' ',
      '\n',
      ';',
      '#',
      '"',
      '\\',
      ',',
      '{"',
      '":',
      'null',
      '-',
      'e9',
    ];
    const valid = toEdnHistory(
      simulateStore({ store: 'dirty', model: 'list-append', seed: 1, transactions: 20 }),
    );
    const validJson = toJsonHistory(
      simulateStore({ store: 'dirty', model: 'rw-register', seed: 1, transactions: 20 }),
    );
    const mutated = (base: string) =>
      fc
        .array(fc.tuple(fc.nat(base.length), fc.nat(4), fc.constantFrom(...tokens)), { maxLength: 6 })
        .map((edits) =>
          edits.reduce((text, [at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut), base),
        );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((parts) => parts.join('')),
          mutated(valid),
          mutated(validJson),
        ),
        fc.constantFrom(undefined, 'edn' as const, 'json' as const),
        (text, format) => {
          try {
            const history = readTxnHistory(text, format);
            for (const model of ['list-append', 'rw-register'] as const) {
              try {
                checkTransactions(history, { model, consistency: 'strict-serializable', processOrder: true });
              } catch (error) {
                // A history of the other model's micro-ops is refused, never crashed on.
                if (!(error instanceof TxnHistoryError)) throw error;
              }
            }
          } catch (error) {
            if (!(error instanceof TxnHistoryError)) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses deep nesting with an error, not a stack overflow', () => {
    expect(() => readTxnHistory('['.repeat(200_000), 'edn')).toThrow(TxnHistoryError);
    expect(() => readTxnHistory('['.repeat(200_000), 'json')).toThrow(TxnHistoryError);
    expect(() => readTxnHistory(`{:type :invoke, :f :txn, :value [[:r 1 ${'['.repeat(50_000)}`)).toThrow(
      TxnHistoryError,
    );
  });
});
