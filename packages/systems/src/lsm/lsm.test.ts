import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LsmTree, type Compaction } from './lsm';
import { lsmSystem } from './index';

describe('LSM tree', () => {
  it.each<Compaction>(['leveled', 'size-tiered', 'none'])(
    '%s: reads always return the latest write, deletes included, across flushes and compactions',
    (compaction) => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.string({ maxLength: 6 }), { nil: null })),
            { maxLength: 400 },
          ),
          (writes) => {
            const lsm = new LsmTree({ compaction, memtableEntries: 8, fanout: 3, tierSize: 3, l0Trigger: 2 });
            const reference = new Map<string, string>();
            for (const [k, value] of writes) {
              const key = `k${String(k).padStart(3, '0')}`;
              if (value === null) {
                lsm.delete(key);
                reference.delete(key);
              } else {
                lsm.put(key, value);
                reference.set(key, value);
              }
            }
            for (let k = 0; k <= 40; k++) {
              const key = `k${String(k).padStart(3, '0')}`;
              expect(lsm.get(key)).toBe(reference.get(key));
            }
          },
        ),
      );
    },
  );

  it('a crash loses the memtable and the WAL brings it back', () => {
    const lsm = new LsmTree({ memtableEntries: 100 });
    for (let i = 0; i < 250; i++) lsm.put(`k${i}`, `v${i}`);
    expect(lsm.crashAndRecover()).toBe(50);
    for (let i = 0; i < 250; i++) expect(lsm.get(`k${i}`)).toBe(`v${i}`);
  });
});

describe('LSM scenarios', () => {
  it.each(lsmSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s gives its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 1, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );
});
