import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TimerTable } from './timer-table';

describe('TimerTable', () => {
  it('answers like a Map under any sequence of sets, deletes and drains', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 1, max: 2 ** 40 }) }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const table = new TimerTable<string>();
        const model = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'set') {
            if (model.has(o.id)) continue; // ids are unique while live
            table.set(o.id, `t${o.id}`);
            model.set(o.id, `t${o.id}`);
          } else if (o.kind === 'delete') {
            const ids = [...model.keys()];
            const id = ids.length > 0 ? (ids[o.pick % ids.length] as number) : o.pick + 1;
            expect(table.delete(id)).toBe(model.get(id));
            model.delete(id);
          } else {
            const seen: string[] = [];
            table.drain((item) => seen.push(item));
            expect(seen.sort()).toEqual([...model.values()].sort());
            model.clear();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [id, item] of model) expect(table.get(id)).toBe(item);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('stays small when timers are set and cleared forever', () => {
    const table = new TimerTable<number>();
    for (let id = 1; id <= 100_000; id++) {
      table.set(id, id);
      if (id > 3) table.delete(id - 3);
    }
    expect(table.size).toBe(3);
    expect((table as unknown as { ids: Float64Array }).ids.length).toBe(8);
  });
});
