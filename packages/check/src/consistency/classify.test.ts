import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { History } from '../history';
import { classifyHistory, type LadderModel } from './classify';
import { historyFromRows, type RegisterRow } from './hand-built';

type Row = RegisterRow;
const history = historyFromRows;

function verdict(h: History, model: LadderModel, settleMs = 0) {
  return classifyHistory(h, { settleMs }).verdicts.find((v) => v.model === model);
}

describe('the consistency ladder: each history satisfies one model and breaks the next stronger', () => {
  it('linearizable', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'read', 'x', '1', 2, 3],
    ]);
    expect(classifyHistory(h).strongest).toBe('linearizable');
  });

  it('sequential, not linearizable: a stale read after the write completed', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'read', 'x', null, 2, 3],
    ]);
    const c = classifyHistory(h);
    expect(c.strongest).toBe('sequential');
    expect(c.verdicts[0]).toMatchObject({ model: 'linearizable', holds: false, operations: [1] });
  });

  it('causal, not sequential: two readers see two concurrent writes in opposite orders', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'write', 'x', '2', 0, 1],
      ['r', 'read', 'x', '1', 2, 3],
      ['r', 'read', 'x', '2', 4, 5],
      ['s', 'read', 'x', '2', 2, 3],
      ['s', 'read', 'x', '1', 4, 5],
    ]);
    const c = classifyHistory(h);
    expect(c.strongest).toBe('causal');
    expect(verdict(h, 'sequential')?.counterexample).toMatch(/no order can place/);
  });

  it('PRAM, not causal: a reply seen before the message it answers', () => {
    const h = history([
      ['p', 'write', 'x', 'question', 0, 1],
      ['q', 'read', 'x', 'question', 2, 3],
      ['q', 'write', 'y', 'answer', 4, 5],
      ['s', 'read', 'y', 'answer', 6, 7],
      ['s', 'read', 'x', null, 8, 9],
    ]);
    const c = classifyHistory(h);
    expect(c.strongest).toBe('PRAM');
    expect(verdict(h, 'causal')).toMatchObject({ holds: false, operations: [0, 4] });
    expect(verdict(h, 'causal')?.counterexample).toMatch(/^WriteCOInitRead/);
  });

  it('the session guarantees per key, not PRAM: one session’s writes seen out of order', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['p', 'write', 'y', '1', 2, 3],
      ['q', 'read', 'y', '1', 4, 5],
      ['q', 'read', 'x', null, 6, 7],
    ]);
    const c = classifyHistory(h);
    expect(verdict(h, 'PRAM')?.holds).toBe(false);
    // Reads of one key each are always some prefix: consistent prefix holds, but only vacuously.
    expect(verdict(h, 'consistent-prefix')).toMatchObject({ holds: true, vacuous: true });
    expect(c.strongest).toBe('read-your-writes + monotonic-reads + monotonic-writes + writes-follow-reads');
  });

  it('eventual, not read-your-writes: a session misses its own write, then everyone converges', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['p', 'read', 'x', null, 2, 3],
      ['q', 'read', 'x', '1', 10, 11],
      ['p', 'read', 'x', '1', 12, 13],
    ]);
    const c = classifyHistory(h, { settleMs: 5 });
    expect(verdict(h, 'read-your-writes', 5)).toMatchObject({ holds: false, operations: [0, 1] });
    expect(c.strongest).toBe('monotonic-reads + monotonic-writes + writes-follow-reads');
    expect(verdict(h, 'eventual', 5)?.holds).toBe(true);
  });

  it('not even eventual: two replicas answer differently long after the last write', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'write', 'x', '2', 0, 1],
      ['r', 'read', 'x', '1', 100, 101],
      ['s', 'read', 'x', '2', 100, 101],
    ]);
    expect(verdict(h, 'eventual')).toMatchObject({ holds: false, operations: [2, 3] });
    // Still causal: the two writes were concurrent.
    expect(verdict(h, 'causal')?.holds).toBe(true);
  });

  it('a read of a value nobody wrote is the thin-air pattern', () => {
    const h = history([['p', 'read', 'x', 'ghost', 0, 1]]);
    expect(verdict(h, 'causal')?.counterexample).toMatch(/^ThinAirRead/);
    expect(classifyHistory(h).strongest).toBe(
      'read-your-writes + monotonic-reads + monotonic-writes + writes-follow-reads',
    );
  });

  it('a causal cycle: each session reads the other’s later write', () => {
    const h = history([
      ['p', 'read', 'x', '1', 0, 1],
      ['p', 'write', 'y', '1', 2, 3],
      ['q', 'read', 'y', '1', 0, 1],
      ['q', 'write', 'x', '1', 2, 3],
    ]);
    expect(verdict(h, 'causal')?.counterexample).toMatch(/^CyclicCO/);
  });

  it('refuses a value written twice to one key, with the operations named', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'write', 'x', '1', 0, 1],
    ]);
    expect(() => classifyHistory(h)).toThrow(/written to x twice \(operations 0 and 1\)/);
  });
});

describe('properties', () => {
  /**
   * Writers append to one global order; each reader sees a prefix of it that only grows (a replica
   * applying the log in order). Such histories are sequentially consistent; a reader whose prefix
   * shrinks breaks monotonic reads, so it is not.
   */
  const run = (steps: readonly { reader: number; advance: number; key: number }[], shrink: boolean) => {
    const rows: Row[] = [];
    const log: { key: string; value: string }[] = [];
    let t = 0;
    for (let i = 0; i < 12; i++) {
      const key = `k${i % 2}`;
      log.push({ key, value: `w${i}` });
      rows.push([`writer${i % 2}`, 'write', key, `w${i}`, t, t + 1]);
      t += 2;
    }
    const seen = [0, 0, 0];
    steps.forEach((s, i) => {
      seen[s.reader] = Math.min(log.length, (seen[s.reader] as number) + s.advance);
      let prefix = seen[s.reader] as number;
      if (shrink && i === steps.length - 1) prefix = 0;
      const key = `k${s.key}`;
      let value: string | null = null;
      for (let j = 0; j < prefix; j++)
        if ((log[j] as { key: string }).key === key) value = (log[j] as { value: string }).value;
      rows.push([`reader${s.reader}`, 'read', key, value, t, t + 1]);
      t += 2;
    });
    return history(rows);
  };
  const steps = fc.array(
    fc.record({
      reader: fc.integer({ min: 0, max: 2 }),
      advance: fc.integer({ min: 0, max: 3 }),
      key: fc.integer({ min: 0, max: 1 }),
    }),
    { minLength: 1, maxLength: 25 },
  );

  it('readers of growing prefixes of one write order: sequentially consistent', () => {
    fc.assert(
      fc.property(steps, (s) => {
        expect(verdict(run(s, false), 'sequential')?.holds).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('a stronger model that holds implies every weaker one in the report', () => {
    fc.assert(
      fc.property(steps, fc.boolean(), (s, shrink) => {
        const c = classifyHistory(run(s, shrink));
        const at = (m: LadderModel) => c.verdicts.find((v) => v.model === m)?.holds;
        if (at('linearizable') === true) expect(at('sequential')).toBe(true);
        if (at('sequential') === true) expect(at('causal')).toBe(true);
        if (at('causal') === true) expect([at('PRAM'), at('writes-follow-reads')]).toEqual([true, true]);
        if (at('PRAM') === true)
          expect([at('read-your-writes'), at('monotonic-reads')]).toEqual([true, true]);
        // Monotonic reads broken means no single order exists either.
        if (at('monotonic-reads') === false) expect(at('sequential')).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});
