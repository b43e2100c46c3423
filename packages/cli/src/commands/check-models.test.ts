// `dslab check --models`: the consistency classifier on history files, through the verb's own function.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MODELS_HELP, parseModels, runModelsCheck } from './check-models';

/** A write of 1 that finished before a read returned the initial nil: not linearizable, still sequential. */
const STALE_READ = `{:process 0, :type :invoke, :f :write, :value 1, :time 0}
{:process 0, :type :ok, :f :write, :value 1, :time 10}
{:process 1, :type :invoke, :f :read, :value nil, :time 20}
{:process 1, :type :ok, :f :read, :value nil, :time 30}
`;

/** A session that reads 2 and then 1 of one register written 1 then 2 in one session: not even monotonic. */
const BACKWARDS = `{:process 0, :type :invoke, :f :write, :value 1, :time 0}
{:process 0, :type :ok, :f :write, :value 1, :time 1}
{:process 0, :type :invoke, :f :write, :value 2, :time 2}
{:process 0, :type :ok, :f :write, :value 2, :time 3}
{:process 1, :type :invoke, :f :read, :value nil, :time 4}
{:process 1, :type :ok, :f :read, :value 2, :time 5}
{:process 1, :type :invoke, :f :read, :value nil, :time 6}
{:process 1, :type :ok, :f :read, :value 1, :time 7}
`;

/** One writer asks, then answers; a snapshot read of both keys shows the answer without the question. */
const ANSWER_WITHOUT_QUESTION = `{:process 0, :type :invoke, :f :write, :value [:q "question"], :time 0}
{:process 0, :type :ok, :f :write, :value [:q "question"], :time 1}
{:process 0, :type :invoke, :f :write, :value [:a "answer"], :time 2}
{:process 0, :type :ok, :f :write, :value [:a "answer"], :time 3}
{:process 1, :type :invoke, :f :read, :value nil, :time 4}
{:process 1, :type :ok, :f :read, :value {:q nil, :a "answer"}, :time 5}
`;

/** Two concurrent writes of one key returned together as siblings (JSON events). */
const SIBLINGS = JSON.stringify([
  { type: 'invoke', process: 0, f: 'write', value: ['x', 'a'] },
  { type: 'invoke', process: 1, f: 'write', value: ['x', 'b'] },
  { type: 'ok', process: 0, f: 'write', value: ['x', 'a'] },
  { type: 'ok', process: 1, f: 'write', value: ['x', 'b'] },
  { type: 'invoke', process: 2, f: 'read', value: ['x', null] },
  { type: 'ok', process: 2, f: 'read', value: { siblings: ['a', 'b'] } },
]);

describe('dslab check --models', () => {
  it('a snapshot showing the answer without the question breaks consistent prefix', () => {
    const out = runModelsCheck(ANSWER_WITHOUT_QUESTION, { models: 'consistent-prefix,causal' });
    expect(out.exitCode).toBe(1);
    expect(out.output).toMatch(
      /consistent-prefix\s+FAILS\n\s+1 read \{q=null, a="answer"\}.* shows 0 write a="answer".* but not 0 write q="question"/,
    );
    expect(out.output).toMatch(/causal\s+FAILS\n\s+WriteCOInitRead/);
    expect(parseModels('consistent-prefix')).toEqual(['consistent-prefix']);
    expect(MODELS_HELP).toContain('consistent-prefix');
    expect(MODELS_HELP).toContain('siblings');
  });

  it('siblings: no serial order returns them, causality allows them', () => {
    const out = runModelsCheck(SIBLINGS, { models: 'all' });
    expect(out.strongest).toBe('causal');
    expect(out.output).toMatch(
      /linearizable\s+FAILS\n\s+2 read \{x=\{"a", "b"\}\}.* returned 2 siblings of x/,
    );
    expect(out.output).toMatch(/consistent-prefix\s+FAILS/);
    expect(out.output).toMatch(/causal\s+holds/);
  });

  it('bad shapes get one clear line', () => {
    const bad = ANSWER_WITHOUT_QUESTION.replace('{:q nil, :a "answer"}', '{:q {:siblings [1 1]}}');
    const out = runModelsCheck(bad, { models: 'all' });
    expect(out.exitCode).toBe(2);
    expect(out.output).toMatch(/^consistency: operation 2 \(1 read\): the siblings of q list 1 twice$/);
  });

  it('fuzzed snapshot and sibling histories: a verdict or one line, never a throw', () => {
    const atom = fc.oneof(
      fc.constantFrom('nil', '1', '2', '"a"', ':k', '[]', '{}', '#{1 2}', '[1 2]'),
      fc.integer({ min: -2, max: 3 }).map(String),
    );
    const value = fc.oneof(
      atom,
      fc.array(atom, { maxLength: 3 }).map((xs) => `{:siblings [${xs.join(' ')}]}`),
      fc
        .array(fc.tuple(fc.constantFrom(':x', ':y', '"z"', '1', 'nil'), atom), { maxLength: 3 })
        .map((kv) => `{${kv.map(([k, v]) => `${k} ${v}`).join(', ')}}`),
      fc.tuple(fc.constantFrom(':x', ':y'), atom).map(([k, v]) => `[${k} ${v}]`),
    );
    // Mostly well-paired operations (an invocation, then its completion), so most reach the classifier.
    const operation = fc.record({
      process: fc.integer({ min: 0, max: 2 }),
      type: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info'),
      f: fc.constantFrom('read', 'write', 'read'),
      invoked: fc.oneof(fc.constant('nil'), value),
      value,
    });
    /** Refused, classified with a failed model, classified without one. */
    const exits = [0, 0, 0];
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 10 }),
        fc.constantFrom('all', 'consistent-prefix'),
        (ops, models) => {
          const text = ops
            .map(
              (o) =>
                `{:process ${o.process}, :type :invoke, :f :${o.f}, :value ${o.f === 'write' ? o.value : o.invoked}}\n` +
                `{:process ${o.process}, :type :${o.type}, :f :${o.f}, :value ${o.value}}`,
            )
            .join('\n');
          const out = runModelsCheck(text, { models, maxStates: 2_000 });
          expect([0, 1, 2]).toContain(out.exitCode);
          const kind = out.verdicts === undefined ? 0 : out.verdicts.some((v) => v.holds === false) ? 1 : 2;
          exits[kind] = (exits[kind] as number) + 1;
          if (out.exitCode === 2 && out.verdicts === undefined) {
            expect(out.output.length).toBeGreaterThan(0);
            expect(out.output).not.toMatch(/TypeError|undefined is not|Cannot read/);
          }
        },
      ),
      { numRuns: 400 },
    );
    // Not only refusals: the generator reaches the classifier, with failed models and without.
    for (const count of exits) expect(count).toBeGreaterThan(20);
  });

  it('a stale read: linearizable fails with its counterexample, sequential holds', () => {
    const out = runModelsCheck(STALE_READ, { models: 'all' });
    expect(out.exitCode).toBe(1);
    expect(out.strongest).toBe('sequential');
    expect(out.output).toMatch(/linearizable\s+FAILS\n\s+no linearization places/);
    expect(out.output).toMatch(/sequential\s+holds/);
    expect(runModelsCheck(STALE_READ, { models: 'sequential,causal' }).exitCode).toBe(0);
    expect(out.output).toMatch(/consistent-prefix\s+holds \(implied by sequential\)/);
    expect(runModelsCheck(BACKWARDS, { models: 'consistent-prefix' }).output).toMatch(
      /consistent-prefix\s+holds vacuously \(no read observed several keys at once/,
    );
  });

  it('reads going back in one session break monotonic reads', () => {
    const out = runModelsCheck(BACKWARDS, { models: 'monotonic-reads' });
    expect(out.exitCode).toBe(1);
    expect(out.output).toMatch(/monotonic-reads\s+FAILS/);
  });

  it('refuses unknown models and unreadable histories with one line, and never throws', () => {
    expect(parseModels('linearizable,strong')).toMatch(/unknown model 'strong'/);
    expect(parseModels('all')).toContain('eventual');
    expect(runModelsCheck('garbage', { models: 'all' }).exitCode).toBe(2);
    fc.assert(
      fc.property(fc.string(), fc.string(), (text, models) => {
        expect([0, 1, 2]).toContain(runModelsCheck(text, { models }).exitCode);
      }),
      { numRuns: 300 },
    );
  });
});
