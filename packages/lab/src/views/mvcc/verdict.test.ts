import { describe, expect, it } from 'vitest';
import { mvcc } from '@dslab/systems';
import { judgeScript } from './verdict';

const judge = async (
  id: string,
  level: mvcc.IsolationLevel,
  engine: Parameters<typeof mvcc.runScript>[2] = {},
) => {
  const test = mvcc.anomalyTests.find((t) => t.id === id);
  if (!test) throw new Error(`no test ${id}`);
  return judgeScript(test, await mvcc.runScript(test, level, engine)).found;
};

describe('the checker on the engine’s anomaly tests', () => {
  it('finds nothing at SERIALIZABLE, in any test', async () => {
    for (const test of mvcc.anomalyTests)
      expect(judgeScript(test, await mvcc.runScript(test, 'serializable')).found, test.id).toEqual([]);
  });

  it('finds what each weaker level lets through, as PostgreSQL’s levels do', async () => {
    expect(await judge('p4', 'read committed')).toContain('lost-update');
    expect(await judge('p4', 'repeatable read')).toEqual([]);
    expect(await judge('g-single', 'read committed')).toEqual(['G-single']);
    expect(await judge('g-single', 'repeatable read')).toEqual([]);
    expect(await judge('pmp', 'read committed')).toEqual(['G-single']);
    expect(await judge('pmp', 'repeatable read')).toEqual([]);
    expect(await judge('g2-item', 'repeatable read')).toEqual(['G2-item']);
    expect(await judge('g2', 'repeatable read')).toEqual(['G2-item']);
    for (const id of ['g0', 'g1a']) expect(await judge(id, 'read committed'), id).toEqual([]);
  });

  it('has teeth: the engine’s mutants produce the anomalies their level forbids', async () => {
    expect(await judge('g1a', 'read committed', { mutant: 'dirty-snapshot' })).toContain('G1a');
    expect(await judge('g1b', 'read committed', { mutant: 'dirty-snapshot' })).toContain('G1b');
    expect(await judge('p4', 'repeatable read', { mutant: 'no-first-updater-wins' })).toContain(
      'lost-update',
    );
    expect(await judge('g2-item', 'serializable', { mutant: 'ssi-no-rw-tracking' })).toEqual(['G2-item']);
  });

  it('a SKIP LOCKED claim reads only the row it returns: distinct claims are no write skew', async () => {
    const run = await mvcc.runScript(mvcc.experiments.skipLocked, 'repeatable read');
    expect(judgeScript(mvcc.experiments.skipLocked, run).found).toEqual([]);
  });

  it('judges the claims’ scripts too: FOR UPDATE stops write skew on existing rows but not a phantom', async () => {
    const found = async (script: mvcc.Script, level: mvcc.IsolationLevel) =>
      judgeScript(script, await mvcc.runScript(script, level)).found;
    const { doctors, doctorsForUpdate, bookingPhantom, oversell } = mvcc.experiments;
    expect(await found(doctors, 'repeatable read')).toEqual(['G2-item']);
    expect(await found(doctors, 'serializable')).toEqual([]);
    expect(await found(doctorsForUpdate, 'repeatable read')).toEqual([]);
    expect(await found(bookingPhantom, 'repeatable read')).toEqual(['G2-item']);
    expect(await found(bookingPhantom, 'serializable')).toEqual([]);
    expect(await found(oversell, 'read committed')).toContain('lost-update');
  });
});
