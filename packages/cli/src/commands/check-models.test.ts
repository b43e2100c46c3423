// `dslab check --models`: the consistency classifier on history files, through the verb's own function.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseModels, runModelsCheck } from './check-models';

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

describe('dslab check --models', () => {
  it('a stale read: linearizable fails with its counterexample, sequential holds', () => {
    const out = runModelsCheck(STALE_READ, { models: 'all' });
    expect(out.exitCode).toBe(1);
    expect(out.strongest).toBe('sequential');
    expect(out.output).toMatch(/linearizable\s+FAILS\n\s+no linearization places/);
    expect(out.output).toMatch(/sequential\s+holds/);
    expect(runModelsCheck(STALE_READ, { models: 'sequential,causal' }).exitCode).toBe(0);
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
