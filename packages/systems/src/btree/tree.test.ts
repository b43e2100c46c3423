import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BPlusTree,
  compareKeys,
  layoutEntriesPerPage,
  postgresBigintLayout,
  type Key,
  type PageLayout,
} from './tree';
import { btreeSystem } from './index';
import { terabyteHeightExperiment } from './scenarios';

/** A layout whose pages hold exactly `entries` entries of 20 bytes after a 40-byte header. */
const tinyLayout = (entries: number): PageLayout => ({
  ...postgresBigintLayout,
  pageBytes: 40 + 20 * entries,
});

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

  it('with a page layout: leaves hold every entry that fits, inner pages as many children, checked in bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 9 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 80 })), { maxLength: 300 }),
        (entries, ops) => {
          const tree = new BPlusTree<number>(tinyLayout(entries));
          expect(tree.maxLeafKeys).toBe(entries);
          expect(tree.fanout).toBe(entries);
          const reference = new Map<number, number>();
          for (const [insert, k] of ops) {
            if (insert) {
              tree.insert([k], k);
              reference.set(k, k);
            } else expect(tree.delete([k]).deleted).toBe(reference.delete(k));
            tree.validate();
          }
          const shape = tree.shape();
          expect(shape.fullestPageBytes ?? 0).toBeLessThanOrEqual(40 + 20 * entries);
          expect(tree.range(undefined, undefined).rows.map(([key]) => key[0])).toEqual(
            [...reference.keys()].sort((a, b) => a - b),
          );
        },
      ),
    );
  });

  it('a PostgreSQL bigint index page holds 407 entries: (8,192 − 40) / (align8(8 + 8) + 4)', () => {
    expect(layoutEntriesPerPage(postgresBigintLayout)).toBe(407);
    const tree = new BPlusTree<number>(postgresBigintLayout);
    for (let i = 0; i < 407; i++) tree.insert([i], i);
    expect(tree.height).toBe(1);
    tree.insert([407], 407);
    expect(tree.height).toBe(2);
    expect(tree.shape().fullestPageBytes).toBeLessThanOrEqual(8_192);
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
  it('height-vs-fanout derives the terabyte height from the fan-out measured on trees built with 8 KB pages', async () => {
    const scenario = btreeSystem.scenarios.find((s) => s.id === 'height-vs-fanout')!;
    const result = await scenario.run({ seed: 1, quick: true });
    const m = result.measurements;
    expect(m.entriesPerPage).toBe(407);
    // Random inserts leave pages about ln 2 ≈ 69 % full (Yao 1978): measured, not assumed.
    expect(m.measuredInnerFanout).toBeGreaterThan(0.6 * 407);
    expect(m.measuredInnerFanout).toBeLessThan(0.8 * 407);
    expect(m.measuredKeysPerLeaf).toBeGreaterThan(0.6 * 407);
    expect(m.measuredKeysPerLeaf).toBeLessThan(0.8 * 407);
    expect(m.terabyteLevels).toBeGreaterThanOrEqual(3);
    expect(m.terabyteLevels).toBeLessThanOrEqual(4);
  });

  it('the terabyte verdict can fail: 1 KB pages give a fan-out in the tens and 6 levels', () => {
    const small = terabyteHeightExperiment(1, [1_000, 10_000, 100_000], {
      ...postgresBigintLayout,
      pageBytes: 1_024,
    });
    expect(small.entriesPerPage).toBe(49);
    expect(small.terabyteLevels).toBeGreaterThan(4);
    expect(small.verdict).toBe('fails');
  });

  it('the README names every scenario the system ships, and no scenario id that does not exist', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const ids = btreeSystem.scenarios.map((s) => s.id);
    for (const id of ids) expect(readme, id).toContain(id);
    const named = [...readme.matchAll(/`([a-z0-9.]+(?:-[a-z0-9.]+){2,})`/g)].map((m) => m[1]);
    expect(named.filter((id) => !ids.includes(id as string))).toEqual([]);
  });

  // Every scenario's verdict in quick mode at seed 1 is asserted by registry.test.ts.
});

describe('B+tree split rules', () => {
  it('rightmost-fillfactor packs appended leaves to 90% where half splits leave them half empty', () => {
    const half = new BPlusTree<number>(101);
    const packed = new BPlusTree<number>(101, { splitRule: 'rightmost-fillfactor' });
    for (let i = 0; i < 20_000; i++) {
      half.insert([i], i);
      packed.insert([i], i);
    }
    half.validate();
    packed.validate();
    expect(half.shape().keysPerLeaf / half.maxLeafKeys).toBeLessThan(0.55);
    expect(packed.shape().keysPerLeaf / packed.maxLeafKeys).toBeGreaterThan(0.88);
    for (let i = 0; i < 20_000; i += 997) expect(packed.get([i]).value).toBe(i);
  });

  it('keeps every invariant under random inserts and deletes with the rightmost-fillfactor rule', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 400 })), { maxLength: 600 }),
        (steps) => {
          const tree = new BPlusTree<number>(5, { splitRule: 'rightmost-fillfactor' });
          const model = new Map<number, number>();
          for (const [insert, key] of steps) {
            if (insert) {
              tree.insert([key], key);
              model.set(key, key);
            } else {
              tree.delete([key]);
              model.delete(key);
            }
          }
          tree.validate();
          for (const [key] of model) expect(tree.get([key]).value).toBe(key);
        },
      ),
      { numRuns: 200 },
    );
  });
});
