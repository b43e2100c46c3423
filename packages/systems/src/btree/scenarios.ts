/** B+tree claims (CLAIMS.md E1), measured on trees built here. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { BPlusTree } from './tree';

function build(fanout: number, rows: number, seed: number): BPlusTree<number> {
  const tree = new BPlusTree<number>(fanout);
  const order = new Rng(seed).shuffle(Array.from({ length: rows }, (_, i) => i));
  for (const k of order) tree.insert([k], k);
  return tree;
}

export const heightVsFanout: Scenario = {
  id: 'height-vs-fanout',
  title: 'Height grows as log_b(N); range scans follow the leaves',
  claim:
    'Height ≈ log_b(N); with fan-out in the hundreds, 3–4 levels cover a terabyte table; range scans follow leaf links: O(log N + K).',
  expected: 'holds',
  rows: ['E1'],
  run({ seed, quick }): ScenarioResult {
    const sizes = quick ? [1_000, 10_000, 50_000] : [1_000, 10_000, 100_000, 1_000_000];
    const rows: (string | number)[][] = [];
    let worstGap = 0;
    let fill256 = 0;
    for (const fanout of [4, 16, 64, 256]) {
      for (const n of sizes) {
        const tree = build(fanout, n, seed);
        tree.validate();
        // Inserted in random order, pages end about 70% full: the effective fan-out is what counts.
        const effective = (tree.pageCount - 1) / Math.max(1, tree.pageCount - tree.leafCount);
        const leafFill = n / tree.leafCount;
        const predicted = 1 + Math.ceil(Math.log(tree.leafCount) / Math.log(effective) - 1e-9);
        worstGap = Math.max(worstGap, Math.abs(tree.height - predicted));
        if (fanout === 256) fill256 = leafFill;
        rows.push([
          fanout,
          n,
          tree.height,
          predicted,
          Number(effective.toFixed(1)),
          Number(leafFill.toFixed(1)),
        ]);
      }
    }
    // A terabyte table of 1 KB rows is 10⁹ keys: the height at fan-out 256 with the fill measured above.
    const billion = 1 + Math.ceil(Math.log(1e9 / fill256) / Math.log(256 * (fill256 / 255)));
    const scanTree = build(64, quick ? 50_000 : 200_000, seed + 1);
    const k = 5_000;
    const scan = scanTree.range([1_000], [1_000 + k - 1]);
    const leavesNeeded = Math.ceil(k / ((quick ? 50_000 : 200_000) / scanTree.leafCount));
    return {
      observed:
        worstGap <= 1 && billion <= 5 && scan.pages.length <= scanTree.height + leavesNeeded + 1
          ? 'holds'
          : 'fails',
      summary:
        `Every tree's height is within ${worstGap} of 1 + ⌈log_f(leaves)⌉ with its measured fan-out f; at fan-out 256 (leaves ${((fill256 / 255) * 100).toFixed(0)}% full) 10⁹ keys need ${billion} levels. ` +
        `A range of ${k} rows read ${scan.pages.length} pages: ${scanTree.height} to descend plus the leaves along the links.`,
      measurements: {
        worstHeightGap: worstGap,
        levelsForBillionKeysAtFanout256: billion,
        rangeScanPages: scan.pages.length,
        rangeScanRows: scan.rows.length,
      },
      tables: [
        {
          title: 'Height against fan-out and rows (random insertion order)',
          columns: [
            'fan-out',
            'rows',
            'height',
            '1 + ⌈log_f(leaves)⌉',
            'measured inner fan-out f',
            'keys per leaf',
          ],
          rows,
        },
      ],
    };
  },
};

export const leftmostPrefix: Scenario = {
  id: 'composite-leftmost-prefix',
  title: 'A composite index (a, b, c) and predicates on b alone',
  claim: 'A composite index (a, b, c) is useless for predicates on b or c alone.',
  expected: 'partly',
  corrected:
    'It cannot seek on b: the rows with b = 3 are spread over every a. It can still be scanned whole (every leaf), or skip-scanned with one seek per distinct a, which is much cheaper than the full scan when a has few distinct values.',
  rows: ['E1'],
  run({ quick }): ScenarioResult {
    const as = quick ? 30 : 100;
    const tree = new BPlusTree<number>(64);
    let id = 0;
    for (let a = 0; a < as; a++)
      for (let b = 0; b < 100; b++) for (let c = 0; c < 10; c++) tree.insert([a, b, c], id++);
    const END = '~'; // strings sort after numbers: [x, '~'] closes the prefix [x]
    const seekA = tree.range([7], [7, END]);
    const seekAB = tree.range([7, 3], [7, 3, END]);
    const full = tree.range(undefined, undefined);
    const fullMatches = full.rows.filter(([key]) => key[1] === 3).length;
    let skipPages = 0;
    let skipRows = 0;
    for (let a = 0; a < as; a++) {
      const part = tree.range([a, 3], [a, 3, END]);
      skipPages += part.pages.length;
      skipRows += part.rows.length;
    }
    const table: (string | number)[][] = [
      ['a = 7 (seek on the prefix)', seekA.rows.length, seekA.pages.length],
      ['a = 7 AND b = 3 (seek on the prefix)', seekAB.rows.length, seekAB.pages.length],
      ['b = 3, full index scan', fullMatches, full.pages.length],
      [`b = 3, skip scan (${as} seeks, one per a)`, skipRows, skipPages],
    ];
    const cannotSeek = full.pages.length > 10 * seekAB.pages.length;
    const stillUsable = fullMatches === skipRows && skipRows === as * 10;
    return {
      observed: cannotSeek && stillUsable ? 'partly' : 'holds',
      summary: `On ${id.toLocaleString('en-US')} rows, a = 7 AND b = 3 read ${seekAB.pages.length} pages; b = 3 alone cannot seek: a full index scan read ${full.pages.length} pages, a skip scan ${skipPages}, both finding the same ${skipRows} rows.`,
      measurements: {
        rows: id,
        seekPrefixPages: seekAB.pages.length,
        fullScanPages: full.pages.length,
        skipScanPages: skipPages,
      },
      tables: [
        {
          title: 'Index (a, b, c), fan-out 64: pages read per predicate',
          columns: ['predicate', 'rows', 'pages read'],
          rows: table,
        },
      ],
    };
  },
};

export const indexWriteCost: Scenario = {
  id: 'index-write-cost',
  title: 'Every index is written on every insert',
  claim: 'Each extra index adds write cost.',
  expected: 'holds',
  rows: ['E1'],
  run({ seed, quick }): ScenarioResult {
    const rows = quick ? 20_000 : 200_000;
    const rng = new Rng(seed);
    // A table (id primary key) with up to four secondary indexes on random columns.
    const data = Array.from({ length: rows }, (_, id) => ({
      id,
      email: `user${rng.int(1e9)}@example.org`,
      city: rng.int(5_000),
      created: rng.int(1e9),
      score: rng.int(1e6),
    }));
    const table: (string | number)[][] = [];
    const pagesPerRow: number[] = [];
    for (let indexes = 0; indexes <= 4; indexes++) {
      const trees = Array.from({ length: 1 + indexes }, () => new BPlusTree<number>(128));
      let pages = 0;
      let splits = 0;
      for (const row of data) {
        const keys = [
          [row.id],
          [row.email, row.id],
          [row.city, row.id],
          [row.created, row.id],
          [row.score, row.id],
        ];
        for (let t = 0; t < trees.length; t++) {
          const report = (trees[t] as BPlusTree<number>).insert(keys[t] as (string | number)[], row.id);
          pages += report.pages.length + report.splits.length * 2; // read the path, write the split pages
          splits += report.splits.length;
        }
      }
      pagesPerRow.push(pages / rows);
      table.push([indexes, Number((pages / rows).toFixed(2)), splits]);
    }
    const base = pagesPerRow[0] as number;
    const increments = pagesPerRow.slice(1).map((p, i) => p - (pagesPerRow[i] as number));
    return {
      observed: increments.every((d) => d > 0.5 * base) ? 'holds' : 'fails',
      summary: `Inserting ${rows.toLocaleString('en-US')} rows touched ${base.toFixed(1)} pages per row with only the primary key and ${(pagesPerRow[4] as number).toFixed(1)} with four secondary indexes: each index adds its own descent and its own splits to every write.`,
      measurements: { pagesPerRowNoIndex: base, pagesPerRowFourIndexes: pagesPerRow[4] as number },
      tables: [
        {
          title: 'Pages touched per inserted row (fan-out 128)',
          columns: ['secondary indexes', 'pages per row', 'page splits'],
          rows: table,
        },
      ],
    };
  },
};

export const btreeScenarios: readonly Scenario[] = [heightVsFanout, leftmostPrefix, indexWriteCost];
