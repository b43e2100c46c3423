// Consistent prefix, snapshot reads of several keys, and reads of siblings on the consistency ladder.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { History, Operation } from '../history';
import { classifyHistory, type ClassifyOptions, type LadderModel } from './classify';

/** A write `[p, 'write', key, value]`, or a read `[p, 'read', output, input?]` of any shape. */
type Row =
  | readonly [string, 'write', string, unknown, number, number]
  | readonly [string, 'read', unknown, unknown, number, number];

function history(rows: readonly Row[]): History {
  return rows.map(([process, f, a, b, call, ret], id): Operation => ({
    id,
    process,
    f,
    input: f === 'write' ? [a, b] : b,
    output: f === 'read' ? a : undefined,
    outcome: 'ok',
    call,
    ret,
  }));
}

const at = (h: History, model: LadderModel, options: ClassifyOptions = {}) =>
  classifyHistory(h, options).verdicts.find((v) => v.model === model);

describe('consistent prefix', () => {
  it('holds, though not sequential: a reader whose snapshots go back to an older prefix', () => {
    const h = history([
      ['p', 'write', 'q', 'question', 0, 1],
      ['p', 'write', 'a', 'answer', 2, 3],
      ['r', 'read', { q: 'question', a: 'answer' }, null, 4, 5],
      ['r', 'read', { q: 'question', a: null }, null, 6, 7],
    ]);
    const c = classifyHistory(h);
    expect(at(h, 'consistent-prefix')?.holds).toBe(true);
    expect(at(h, 'sequential')?.holds).toBe(false);
    // Independent of the session guarantees: every snapshot is a prefix, yet reads went back in time.
    expect(at(h, 'monotonic-reads')?.holds).toBe(false);
    expect(c.maximal).toContain('consistent-prefix');
  });

  it('breaks when a snapshot shows the answer without the question', () => {
    const h = history([
      ['p', 'write', 'q', 'question', 0, 1],
      ['p', 'write', 'a', 'answer', 2, 3],
      ['r', 'read', { q: null, a: 'answer' }, null, 4, 5],
    ]);
    const v = at(h, 'consistent-prefix');
    expect(v).toMatchObject({ holds: false, operations: [2, 0, 1] });
    expect(v?.counterexample).toMatch(/shows p write a="answer".* but not p write q="question"/);
    // One snapshot is one operation for causality too: the answer's past holds the question.
    expect(at(h, 'causal')?.counterexample).toMatch(/^WriteCOInitRead/);
    // Read one key at a time, the same values are a prefix each: only a snapshot can tell.
    const apart = history([
      ['p', 'write', 'q', 'question', 0, 1],
      ['p', 'write', 'a', 'answer', 2, 3],
      ['r', 'read', 'answer', ['a'], 4, 5],
      ['r', 'read', null, ['q'], 6, 7],
    ]);
    expect(at(apart, 'consistent-prefix')).toMatchObject({ holds: true, vacuous: true });
    expect(at(apart, 'causal')?.holds).toBe(false);
  });

  it('breaks, while causal holds, when two readers see two independent writes in opposite orders', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['q', 'write', 'y', '1', 0, 1],
      ['r', 'read', { x: '1', y: null }, null, 2, 3],
      ['s', 'read', { x: null, y: '1' }, null, 2, 3],
    ]);
    const c = classifyHistory(h);
    const v = at(h, 'consistent-prefix');
    expect(v).toMatchObject({ holds: false, operations: [2, 3] });
    expect(v?.counterexample).toMatch(/cannot both be prefixes of one order/);
    expect(c.strongest).toBe('causal');
    expect(c.maximal).toEqual(['causal']);
  });

  it('linearizability with snapshots: the search keeps real time', () => {
    const fresh = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['p', 'write', 'y', '1', 2, 3],
      ['r', 'read', { x: '1', y: '1' }, null, 4, 5],
    ]);
    expect(classifyHistory(fresh).strongest).toBe('linearizable');
    const stale = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['p', 'write', 'y', '1', 2, 3],
      ['r', 'read', { x: '1', y: null }, null, 4, 5],
    ]);
    const c = classifyHistory(stale);
    expect(c.strongest).toBe('sequential');
    // After x=1, neither y=1 (the snapshot still needs y unset) nor the snapshot (y=1 returned before it began) can come next.
    expect(c.verdicts[0]).toMatchObject({ holds: false, operations: [1, 2] });
    expect(c.verdicts[0]?.counterexample).toMatch(/p write y="1".*; r read \{x="1", y=null\}/);
  });

  it('a snapshot read of one key is an ordinary read', () => {
    const h = history([
      ['p', 'write', 'x', '1', 0, 1],
      ['r', 'read', { x: '1' }, undefined, 2, 3],
    ]);
    expect(classifyHistory(h).strongest).toBe('linearizable');
  });
});

describe('reads of siblings', () => {
  it('concurrent writes returned together: causal, and no serial-order model', () => {
    const h = history([
      ['p', 'write', 'x', 'a', 0, 1],
      ['q', 'write', 'x', 'b', 0, 1],
      ['r', 'read', { siblings: ['a', 'b'] }, ['x'], 2, 3],
      ['r', 'read', { siblings: ['b', 'a'] }, ['x'], 10, 11],
      ['s', 'read', { siblings: ['a', 'b'] }, ['x'], 10, 11],
    ]);
    const c = classifyHistory(h, { settleMs: 5 });
    for (const m of ['linearizable', 'sequential', 'PRAM', 'consistent-prefix'] as const) {
      expect(at(h, m)).toMatchObject({ holds: false, operations: [2] });
      expect(at(h, m)?.counterexample).toMatch(/returned 2 siblings of x/);
    }
    expect(at(h, 'causal')?.holds).toBe(true);
    // Siblings compare as sets for convergence.
    expect(at(h, 'eventual', { settleMs: 5 })?.holds).toBe(true);
    expect(c.strongest).toBe('causal');
    // Writes overlap in time and no version order is given: the session guarantees are unknown.
    expect(at(h, 'read-your-writes')?.holds).toBe('unknown');
  });

  it('a sibling its own context superseded is WriteCORead', () => {
    const h = history([
      ['p', 'write', 'x', 'a', 0, 1],
      ['q', 'read', 'a', ['x'], 2, 3],
      ['q', 'write', 'x', 'b', 4, 5],
      ['r', 'read', { siblings: ['a', 'b'] }, ['x'], 6, 7],
    ]);
    const v = at(h, 'causal');
    expect(v?.counterexample).toMatch(/^WriteCORead/);
    expect(v?.operations).toEqual([0, 2, 3]);
  });

  it('with a version order, a sibling read counts as its newest sibling', () => {
    const h = history([
      ['p', 'write', 'x', 'a', 0, 1],
      ['p', 'write', 'x', 'b', 2, 3],
      ['p', 'read', { siblings: ['a', 'b'] }, ['x'], 4, 5],
      ['p', 'read', 'a', ['x'], 6, 7],
    ]);
    const versionOf = (_k: string, v: unknown) => ({ a: 1, b: 2 })[v as 'a' | 'b'];
    const c = classifyHistory(h, { versionOf });
    expect(c.verdicts.find((v) => v.model === 'read-your-writes')?.holds).toBe(false);
    expect(c.verdicts.find((v) => v.model === 'monotonic-reads')).toMatchObject({
      holds: false,
      operations: [2, 3],
    });
  });

  it('siblingArrays reads array outputs as siblings (the quorum client records them so)', () => {
    const h = history([
      ['p', 'write', 'x', 'a', 0, 1],
      ['q', 'write', 'x', 'b', 0, 1],
      ['r', 'read', ['a', 'b'], ['x'], 2, 3],
    ]);
    expect(at(h, 'causal')?.counterexample).toMatch(/^ThinAirRead/);
    expect(at(h, 'causal', { siblingArrays: true })?.holds).toBe(true);
  });

  it('a snapshot may hold siblings of one of its keys', () => {
    const h = history([
      ['p', 'write', 'x', 'a', 0, 1],
      ['q', 'write', 'x', 'b', 0, 1],
      ['q', 'write', 'y', 'c', 2, 3],
      ['r', 'read', { x: { siblings: ['a', 'b'] }, y: 'c' }, null, 4, 5],
    ]);
    expect(at(h, 'causal')?.holds).toBe(true);
    expect(at(h, 'sequential')?.counterexample).toMatch(/r read \{x=\{"a", "b"\}, y="c"\}/);
  });
});

describe('history shapes: bad input is refused with the operation named', () => {
  const bad: [string, Row[]][] = [
    ['a snapshot read returned no key', [['r', 'read', {}, null, 0, 1]]],
    ['a read needs input \\[key\\]', [['r', 'read', 5, null, 0, 1]]],
    ['the siblings of x must be a list', [['r', 'read', { siblings: 'a' }, ['x'], 0, 1]]],
    ['a sibling of x is null', [['r', 'read', { siblings: ['a', null] }, ['x'], 0, 1]]],
    ['the siblings of x list "a" twice', [['r', 'read', { siblings: ['a', 'a'] }, ['x'], 0, 1]]],
    ['a snapshot read names an empty key', [['r', 'read', { '': 1 }, null, 0, 1]]],
    ['a write needs input \\[key, value\\]', [['p', 'write', 'x', undefined, 0, 1]]],
  ];
  for (const [message, rows] of bad)
    it(message.replace(/\\/g, ''), () => {
      expect(() => classifyHistory(history(rows))).toThrow(new RegExp(`operation 0 .*${message}`));
    });

  it('any input: a verdict or an Error naming the problem, never a crash of another kind', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.constantFrom('a', 'b', 'c'),
      fc.integer({ min: 0, max: 3 }),
      fc.array(fc.constantFrom('a', 'b', null, 'x'), { maxLength: 3 }),
      fc.record({ siblings: fc.anything({ maxDepth: 2 }) }),
      fc.dictionary(fc.constantFrom('x', 'y', '', 'siblings'), fc.anything({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.anything({ maxDepth: 3 }),
    );
    const op = fc.record({
      process: fc.constantFrom('p', 'q', 'r'),
      f: fc.constantFrom('read', 'write', 'read', 'cas'),
      input: fc.oneof(
        fc.constant(null),
        fc.tuple(fc.constantFrom('x', 'y'), value),
        fc.tuple(fc.constantFrom('x', 'y')),
        value,
      ),
      output: value,
      outcome: fc.constantFrom('ok', 'ok', 'info', 'fail'),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), fc.boolean(), (ops, siblingArrays) => {
        const h: History = ops.map((o, id) => ({
          ...o,
          id,
          call: id * 2,
          ret: o.outcome === 'info' ? Infinity : id * 2 + 1,
        })) as History;
        try {
          const c = classifyHistory(h, { siblingArrays, maxStates: 2_000 });
          expect(c.verdicts).toHaveLength(10);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).constructor).toBe(Error);
          expect((error as Error).message).toMatch(/^(consistency|causal check|session check)/);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('properties of consistent prefix', () => {
  /**
   * Two writers append to one global order in turn; readers take snapshots of some keys, each at a
   * prefix of that order that may grow or shrink (replicas that apply the log in order, read at any
   * position). Always consistent prefix; and when no reader's prefix ever shrinks, sequential too.
   */
  const steps = fc.array(
    fc.record({
      reader: fc.integer({ min: 0, max: 2 }),
      prefix: fc.integer({ min: 0, max: 9 }),
      keys: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 20 },
  );
  it('readers of prefixes of one write order are always consistent-prefix', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 2, max: 3 }), (reads, keyCount) => {
        const rows: Row[] = [];
        const log: { key: string; value: string }[] = [];
        for (let i = 0; i < 9; i++) {
          const key = `k${i % keyCount}`;
          log.push({ key, value: `w${i}` });
          rows.push([`writer${i % 2}`, 'write', key, `w${i}`, i * 2, i * 2 + 1]);
        }
        let t = 100;
        const last = [0, 0, 0];
        let monotone = true;
        for (const r of reads) {
          if (r.prefix < (last[r.reader] as number)) monotone = false;
          last[r.reader] = r.prefix;
          const state: Record<string, string | null> = {};
          for (let k = 0; k < Math.min(r.keys, keyCount); k++) state[`k${k}`] = null;
          for (let j = 0; j < r.prefix; j++) {
            const w = log[j] as { key: string; value: string };
            if (w.key in state) state[w.key] = w.value;
          }
          rows.push([`reader${r.reader}`, 'read', state, null, t, t + 1]);
          t += 2;
        }
        const c = classifyHistory(history(rows));
        expect(c.verdicts.find((v) => v.model === 'consistent-prefix')?.holds).toBe(true);
        if (monotone) expect(c.verdicts.find((v) => v.model === 'sequential')?.holds).toBe(true);
      }),
      { numRuns: 80 },
    );
  });
});

describe('consistent prefix at scale', () => {
  /** 600 writes of four keys by four writers, then 600 snapshots of all four keys at pseudo-random prefixes. */
  function large(bad: boolean): History {
    const ops: Operation[] = [];
    const log: { key: string; value: string }[] = [];
    const size = 600;
    for (let i = 0; i < size; i++) {
      const key = `k${i % 4}`;
      log.push({ key, value: `w${i}` });
      ops.push({
        id: ops.length,
        process: `writer${i % 4}`,
        f: 'write',
        input: [key, `w${i}`],
        output: undefined,
        outcome: 'ok',
        call: i * 2,
        ret: i * 2 + 1,
      });
    }
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let r = 0; r < size; r++) {
      const prefix = Math.floor(random() * size);
      const state: Record<string, string | null> = { k0: null, k1: null, k2: null, k3: null };
      for (let j = 0; j < prefix; j++) {
        const w = log[j] as { key: string; value: string };
        state[w.key] = w.value;
      }
      // The last snapshot loses k0's value: no single order has both it and the snapshots before it.
      if (bad && r === size - 1) state.k0 = null;
      const t = 2 * size + 2 * r;
      ops.push({
        id: ops.length,
        process: `reader${r % 5}`,
        f: 'read',
        input: null,
        output: state,
        outcome: 'ok',
        call: t,
        ret: t + 1,
      });
    }
    return ops;
  }

  it('600 writes and 600 snapshots: decided, and a bad snapshot shrunk to a pair', () => {
    expect(at(large(false), 'consistent-prefix')).toMatchObject({ holds: true });
    const v = at(large(true), 'consistent-prefix');
    expect(v?.holds).toBe(false);
    expect(v?.operations).toHaveLength(2);
    expect(v?.operations).toContain(1199);
    expect(v?.counterexample).toMatch(/cannot both be prefixes of one order/);
  });
});
