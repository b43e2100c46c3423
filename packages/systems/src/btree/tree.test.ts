import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPlusTree, compareKeys, type Key } from './tree';
import { btreeSystem } from './index';

describe('B+tree', () => {
  it('matches a sorted map under random inserts and deletes, with its structure valid after every step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 60 })), { maxLength: 300 }),
        (fanout, ops) => {
          const tree = new BPlusTree<number>(fanout);
          const reference = new Map<number, number>();
          for (const [insert, k] of ops) {
            if (insert) {
              tree.insert([k], k * 10);
              reference.set(k, k * 10);
            } else {
              expect(tree.delete([k]).deleted).toBe(reference.delete(k));
            }
            tree.validate();
          }
          const expected = [...reference.keys()].sort((a, b) => a - b);
          expect(tree.range(undefined, undefined).rows.map(([key]) => key[0])).toEqual(expected);
          for (const k of expected) expect(tree.get([k]).value).toBe(k * 10);
          expect(tree.size).toBe(expected.length);
        },
      ),
    );
  });

  it('a point lookup reads one page per level; a range scan adds one leaf per leaf of results', () => {
    const tree = new BPlusTree<number>(4);
    for (let i = 0; i < 1_000; i++) tree.insert([i], i);
    expect(tree.get([500]).report.pages).toHaveLength(tree.height);
    const scan = tree.range([100], [199]);
    expect(scan.rows).toHaveLength(100);
    expect(scan.pages.length).toBeGreaterThan(tree.height);
    expect(scan.pages.length).toBeLessThanOrEqual(tree.height + Math.ceil(100 / 2));
  });

  it('reports splits on insert and merges or borrows on delete', () => {
    const tree = new BPlusTree<string>(3);
    const splits = [1, 2, 3, 4, 5].flatMap((i) => tree.insert([i], `v${i}`).splits);
    expect(splits.length).toBeGreaterThan(0);
    const changes = [1, 2, 3].flatMap((i) => {
      const r = tree.delete([i]);
      return [...r.merges, ...r.borrows];
    });
    expect(changes.length).toBeGreaterThan(0);
    tree.validate();
  });

  it('compares composite keys column by column, numbers before strings', () => {
    const keys: Key[] = [[2, 'b'], [1, 'z'], [2, 'a'], ['x'], [1]];
    expect([...keys].sort(compareKeys)).toEqual([[1], [1, 'z'], [2, 'a'], [2, 'b'], ['x']]);
    expect(() => new BPlusTree(2)).toThrow(/fan-out/);
  });
});

describe('B+tree scenarios', () => {
  it.each(btreeSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s gives its expected verdict',
    async (_id, scenario) => {
      const result = await scenario.run({ seed: 1, quick: true });
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );
});
