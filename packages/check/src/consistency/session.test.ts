import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { History } from '../history';
import { brokenGuarantees, checkSessionGuarantees } from './session';
import { historyFromRows } from './hand-built';

/** Ops: [process, f, key, value, call, ret]; values are `v<n>`, whose version is n. */
const history = historyFromRows;

const byNumber = {
  versionOf: (_key: string, value: unknown) =>
    typeof value === 'string' ? Number(value.slice(1)) : undefined,
};

describe('session guarantees', () => {
  it('read your writes: a read after the session’s own write returns it or something newer', () => {
    const bad = history([
      ['a', 'write', 'x', 'v2', 0, 1],
      ['a', 'read', 'x', 'v1', 2, 3],
    ]);
    expect(brokenGuarantees(checkSessionGuarantees(bad, byNumber))).toEqual(['read-your-writes']);
    const good = history([
      ['a', 'write', 'x', 'v2', 0, 1],
      ['a', 'read', 'x', 'v3', 2, 3],
    ]);
    expect(brokenGuarantees(checkSessionGuarantees(good, byNumber))).toEqual([]);
  });

  it('monotonic reads: a later read never returns an older version', () => {
    const bad = history([
      ['b', 'read', 'x', 'v2', 0, 1],
      ['b', 'read', 'x', 'v1', 2, 3],
      ['c', 'read', 'x', 'v1', 4, 5], // another session may be behind: not a violation
    ]);
    const result = checkSessionGuarantees(bad, byNumber);
    expect(brokenGuarantees(result)).toEqual(['monotonic-reads']);
    expect(result.violations[0]).toMatchObject({ process: 'b', earlier: 0, later: 1 });
  });

  it('monotonic writes and writes follow reads, per key', () => {
    const mw = history([
      ['a', 'write', 'x', 'v5', 0, 1],
      ['a', 'write', 'x', 'v4', 2, 3],
    ]);
    expect(brokenGuarantees(checkSessionGuarantees(mw, byNumber))).toEqual(['monotonic-writes']);
    const wfr = history([
      ['a', 'read', 'x', 'v5', 0, 1],
      ['a', 'write', 'x', 'v4', 2, 3],
    ]);
    expect(brokenGuarantees(checkSessionGuarantees(wfr, byNumber))).toEqual(['writes-follow-reads']);
  });

  it('the initial null is version 0, and unknown values are counted, not judged', () => {
    const h = history([
      ['a', 'write', 'x', 'v1', 0, 1],
      ['a', 'read', 'x', null, 2, 3],
      ['a', 'read', 'x', 'lost', 4, 5],
    ]);
    const result = checkSessionGuarantees(h, {
      versionOf: (_k, v) => (v === 'lost' ? undefined : byNumber.versionOf(_k, v)),
    });
    expect(result.counts['read-your-writes']).toBe(1);
    expect(result.unknownReads).toBe(1);
  });

  it('rejects operations it cannot judge', () => {
    const h: History = [
      {
        id: 0,
        process: 'a',
        f: 'cas',
        input: ['x', [1, 2]],
        output: undefined,
        outcome: 'ok',
        call: 0,
        ret: 1,
      },
    ];
    expect(() => checkSessionGuarantees(h, byNumber)).toThrow(/only read and write/);
  });

  it('a single copy of the register, used sequentially, never breaks any guarantee', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            p: fc.constantFrom('a', 'b', 'c'),
            write: fc.boolean(),
            key: fc.constantFrom('x', 'y'),
          }),
          {
            maxLength: 60,
          },
        ),
        (steps) => {
          const state = new Map<string, string | null>();
          let n = 0;
          const ops: [string, 'read' | 'write', string, string | null, number, number][] = steps.map(
            (s, i) => {
              if (s.write) {
                const value = `v${++n}`;
                state.set(s.key, value);
                return [s.p, 'write', s.key, value, 2 * i, 2 * i + 1];
              }
              return [s.p, 'read', s.key, state.get(s.key) ?? null, 2 * i, 2 * i + 1];
            },
          );
          expect(brokenGuarantees(checkSessionGuarantees(history(ops), byNumber))).toEqual([]);
        },
      ),
    );
  });
});
