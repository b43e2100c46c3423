/**
 * E1's PostgreSQL claims, measured with EXPLAIN (ANALYZE, BUFFERS) on a PostgreSQL 15 this file starts
 * (usePostgres: a fresh data directory, a free loopback port, autovacuum off so that only the test
 * decides when pages become all-visible), and the B+tree's own figures beside PostgreSQL's: height,
 * pages read per lookup, index pages after sequential and random inserts. Skips with a message when
 * PostgreSQL is not installed. The figures are in README.md.
 */
import { describe, expect, it } from 'vitest';
import { usePostgres, type PostgresClient } from '@dslab/runtime/testing';
import { Rng } from '@dslab/sim';
import { BPlusTree, postgresBigintLayout } from './tree';

// Commits wait for their WAL here (the harness turns that off for speed): VACUUM can mark a page
// all-visible only once the commit that wrote its rows is flushed, so without it the visibility map
// right after a load depends on the WAL writer's timing.
const postgres = usePostgres({ settings: { autovacuum: 'off', synchronous_commit: 'on' } });

/** One node of a JSON plan, with the fields these tests read. */
interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Index Name'?: string;
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows': number;
  readonly 'Heap Fetches'?: number;
  readonly 'Shared Hit Blocks': number;
  readonly 'Shared Read Blocks': number;
  readonly Plans?: readonly PlanNode[];
}

async function explain(client: PostgresClient, sql: string): Promise<PlanNode> {
  const result = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
  );
  const plan = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error(`no plan for ${sql}`);
  return plan;
}

/** Every node of a plan, depth first. */
function nodes(plan: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const stack = [plan];
  while (stack.length > 0) {
    const node = stack.pop() as PlanNode;
    out.push(node);
    stack.push(...(node.Plans ?? []));
  }
  return out;
}

const pagesTouched = (plan: PlanNode) => plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
const types = (plan: PlanNode) => nodes(plan).map((n) => n['Node Type']);
const indexes = (plan: PlanNode) => nodes(plan).flatMap((n) => (n['Index Name'] ? [n['Index Name']] : []));

describe.skipIf(postgres.missing !== undefined)('E1 on PostgreSQL 15: EXPLAIN (ANALYZE, BUFFERS)', () => {
  it('fails: an int column compared with a string literal keeps its index (the literal is coerced)', async () => {
    const db = await postgres.connect();
    await db.query(`CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL, s text NOT NULL)`);
    await db.query(`INSERT INTO items SELECT i, i, i::text FROM generate_series(1, 100000) i`);
    await db.query(`CREATE INDEX items_n ON items (n)`);
    await db.query(`CREATE INDEX items_s ON items (s)`);
    await db.query(`VACUUM ANALYZE items`);
    const quoted = await explain(db, `SELECT * FROM items WHERE n = '123'`);
    expect(indexes(quoted)).toEqual(['items_n']);
    expect(quoted['Actual Rows']).toBe(1);
    const plain = await explain(db, `SELECT * FROM items WHERE n = 123`);
    expect(types(quoted)).toEqual(types(plain));
    // The other way round PostgreSQL does not silently scan: text = integer has no operator (42883).
    await expect(db.query(`SELECT * FROM items WHERE s = 123`)).rejects.toMatchObject({ code: '42883' });
    // The index is lost when the column itself is cast: every row is converted and compared.
    const castColumn = await explain(db, `SELECT * FROM items WHERE n::text = '123'`);
    expect(indexes(castColumn)).toEqual([]);
    expect(types(castColumn)).toContain('Seq Scan');
    expect(pagesTouched(castColumn)).toBeGreaterThan(50 * pagesTouched(quoted));
    console.log(
      `E1 coercion: n = '123' ${types(quoted).join('/')} on ${indexes(quoted).join()} touching ${pagesTouched(quoted)} pages; n::text = '123' ${types(castColumn).join('/')} touching ${pagesTouched(castColumn)} pages`,
    );
  });

  it('fails: a = 1 OR b = 1 uses both indexes (BitmapOr); UNION ALL returns the rows matching both twice', async () => {
    const db = await postgres.connect();
    await db.query(`CREATE TABLE ab (id bigint PRIMARY KEY, a int NOT NULL, b int NOT NULL, pad text)`);
    // a = 1 is every 2000th row, b = 1 every 1000th: each row with a = 1 also has b = 1.
    await db.query(
      `INSERT INTO ab SELECT i, i % 2000, i % 1000, repeat('x', 40) FROM generate_series(1, 200000) i`,
    );
    await db.query(`CREATE INDEX ab_a ON ab (a)`);
    await db.query(`CREATE INDEX ab_b ON ab (b)`);
    await db.query(`VACUUM ANALYZE ab`);
    const or = await explain(db, `SELECT * FROM ab WHERE a = 1 OR b = 1`);
    expect(types(or)).toContain('BitmapOr');
    expect(indexes(or).sort()).toEqual(['ab_a', 'ab_b']);
    const union = await explain(db, `SELECT * FROM ab WHERE a = 1 UNION ALL SELECT * FROM ab WHERE b = 1`);
    expect(or['Actual Rows']).toBe(200);
    expect(union['Actual Rows']).toBe(300);
    console.log(
      `E1 OR: ${types(or).join('/')} on ${indexes(or).join(', ')}: ${or['Actual Rows']} rows, ${pagesTouched(or)} pages; UNION ALL ${union['Actual Rows']} rows, ${pagesTouched(union)} pages`,
    );
  });

  it('fails: INCLUDE (total_cents) does not cover a query that also selects id; partly: a covering scan still reads the heap until VACUUM', async () => {
    const db = await postgres.connect();
    await db.query(
      `CREATE TABLE orders (id bigint PRIMARY KEY, user_id int NOT NULL, created_at timestamptz NOT NULL, total_cents int NOT NULL, pad text)`,
    );
    await db.query(
      `INSERT INTO orders SELECT i, i % 1000, timestamptz '2026-01-01' + i * interval '1 minute', i % 10000, repeat('x', 60) FROM generate_series(1, 100000) i`,
    );
    await db.query(`CREATE INDEX orders_user ON orders (user_id, created_at DESC) INCLUDE (total_cents)`);
    // ANALYZE only: statistics, but the visibility map is still empty.
    await db.query(`ANALYZE orders`);
    await db.query(`SET enable_seqscan = off`);
    await db.query(`SET enable_bitmapscan = off`);
    const covered = `SELECT created_at, total_cents FROM orders WHERE user_id = 42 ORDER BY created_at DESC`;
    const withId = `SELECT id, created_at, total_cents FROM orders WHERE user_id = 42 ORDER BY created_at DESC`;
    const before = nodes(await explain(db, covered)).find((n) => n['Node Type'] === 'Index Only Scan');
    expect(before?.['Heap Fetches']).toBe(100);
    await db.query(`VACUUM orders`);
    const after = nodes(await explain(db, covered)).find((n) => n['Node Type'] === 'Index Only Scan');
    expect(after?.['Heap Fetches']).toBe(0);
    const id = await explain(db, withId);
    expect(types(id)).toContain('Index Scan');
    expect(types(id)).not.toContain('Index Only Scan');
    // Writes clear the all-visible bits of the pages they touch: the heap is read again.
    await db.query(`UPDATE orders SET pad = 'y' WHERE user_id = 42 AND id % 5000 = 42`);
    const dirtied = nodes(await explain(db, covered)).find((n) => n['Node Type'] === 'Index Only Scan');
    expect(dirtied?.['Heap Fetches']).toBeGreaterThan(0);
    console.log(
      `E1 covering: ANALYZE only ${before?.['Heap Fetches']} heap fetches of 100 rows (${before ? pagesTouched(before) : 0} pages); after VACUUM ${after?.['Heap Fetches']} (${after ? pagesTouched(after) : 0} pages); selecting id: ${types(id).join('/')}, ${pagesTouched(id)} pages; after updating 20 of the rows ${dirtied?.['Heap Fetches']} heap fetches`,
    );
  });

  it('an index scan reads about one heap page per row: past rows ≈ table pages it loses to a sequential scan, and the planner switches to bitmap, then sequential scans', async () => {
    const db = await postgres.connect();
    await db.query(`CREATE TABLE scatter (id bigint PRIMARY KEY, v int NOT NULL, pad text)`);
    // v is spread over the table: the rows of one value lie about a thousand rows apart.
    await db.query(
      `INSERT INTO scatter SELECT i, (i * 7919) % 1000, repeat('x', 40) FROM generate_series(1, 200000) i`,
    );
    await db.query(`CREATE INDEX scatter_v ON scatter (v)`);
    await db.query(`VACUUM ANALYZE scatter`);
    const measured: { fraction: number; chosen: string; chosenPages: number; index: number; seq: number }[] =
      [];
    for (const below of [1, 10, 50, 200, 600]) {
      const sql = `SELECT * FROM scatter WHERE v < ${below}`;
      const plan = await explain(db, sql);
      const chosen = types(plan)
        .filter((t) => /Scan/.test(t))
        .join('/');
      await db.query(`SET enable_seqscan = off; SET enable_bitmapscan = off`);
      const index = await explain(db, sql);
      await db.query(
        `RESET enable_seqscan; RESET enable_bitmapscan; SET enable_indexscan = off; SET enable_bitmapscan = off`,
      );
      const seq = await explain(db, sql);
      await db.query(`RESET enable_indexscan; RESET enable_bitmapscan`);
      expect(types(index)).toContain('Index Scan');
      expect(types(seq)).toContain('Seq Scan');
      measured.push({
        fraction: below / 1000,
        chosen,
        chosenPages: pagesTouched(plan),
        index: pagesTouched(index),
        seq: pagesTouched(seq),
      });
    }
    console.log(`E1 selectivity: ${JSON.stringify(measured)}`);
    const fewest = measured[0] as (typeof measured)[number];
    const most = measured[measured.length - 1] as (typeof measured)[number];
    for (const m of measured) {
      // Scattered rows: a plain index scan visits a heap page for every row it returns.
      expect(m.index).toBeGreaterThanOrEqual(200_000 * m.fraction);
      // The planner's choice is never much worse than the better of the two forced plans.
      expect(m.chosenPages).toBeLessThanOrEqual(1.05 * Math.min(m.index, m.seq));
    }
    expect(fewest.index).toBeLessThan(fewest.seq);
    expect(fewest.chosen).toContain('Index Scan');
    expect(measured.some((m) => m.index > 4 * m.seq && m.chosen.includes('Bitmap'))).toBe(true);
    expect(most.chosen).toBe('Seq Scan');
  });

  it('holds: every secondary index adds its own pages to every insert', async () => {
    const db = await postgres.connect();
    const rows = 20_000;
    const columns = ['email', 'city', 'created', 'score'];
    const measured: { indexes: number; pagesPerRow: number; ms: number }[] = [];
    for (let indexes = 0; indexes <= columns.length; indexes++) {
      const table = `users_${indexes}`;
      await db.query(
        `CREATE TABLE ${table} (id bigint PRIMARY KEY, email text, city int, created bigint, score int)`,
      );
      for (const column of columns.slice(0, indexes))
        await db.query(`CREATE INDEX ${table}_${column} ON ${table} (${column})`);
      // The same pseudo-random rows for every table (hashes of the id).
      const plan = await explain(
        db,
        `INSERT INTO ${table} SELECT i, 'user' || (hashint4(i) & 2147483647) || '@example.org', abs(hashint4(i + 1)) % 5000, hashint8(i), abs(hashint4(i + 2)) % 1000000 FROM generate_series(1, ${rows}) i`,
      );
      const ms = (plan as PlanNode & { 'Actual Total Time': number })['Actual Total Time'];
      measured.push({ indexes, pagesPerRow: pagesTouched(plan) / rows, ms });
    }
    console.log(`E1 write cost: ${JSON.stringify(measured)}`);
    const base = (measured[0] as (typeof measured)[number]).pagesPerRow;
    for (let i = 1; i < measured.length; i++)
      expect(
        (measured[i] as (typeof measured)[number]).pagesPerRow -
          (measured[i - 1] as (typeof measured)[number]).pagesPerRow,
      ).toBeGreaterThan(0.5 * base);
  });

  it('partly: an index (a, b, c) cannot seek on b alone; it can only be read whole (PostgreSQL 15 has no skip scan)', async () => {
    const db = await postgres.connect();
    await db.query(`CREATE TABLE abc (id bigint PRIMARY KEY, a int, b int, c int, pad text)`);
    await db.query(
      `INSERT INTO abc SELECT i, i % 100, (i / 100) % 100, i % 7, repeat('x', 80) FROM generate_series(1, 100000) i`,
    );
    await db.query(`CREATE INDEX abc_a_b_c ON abc (a, b, c)`);
    await db.query(`VACUUM ANALYZE abc`);
    const size = await db.query<{ pages: string }>(`SELECT pg_relation_size('abc_a_b_c') / 8192 AS pages`);
    const indexPages = Number(size.rows[0]?.pages);
    const seek = await explain(db, `SELECT a, b, c FROM abc WHERE a = 7 AND b = 3`);
    const chosen = await explain(db, `SELECT a, b, c FROM abc WHERE b = 3`);
    await db.query(`SET enable_seqscan = off; SET enable_bitmapscan = off`);
    const whole = await explain(db, `SELECT a, b, c FROM abc WHERE b = 3`);
    await db.query(`RESET enable_seqscan; RESET enable_bitmapscan`);
    console.log(
      `E1 leftmost prefix: index of ${indexPages} pages; a = 7 AND b = 3: ${types(seek).join('/')}, ${pagesTouched(seek)} pages, ${seek['Actual Rows']} rows; b = 3: the planner chose ${types(chosen).join('/')} (${pagesTouched(chosen)} pages); on the index: ${types(whole).join('/')}, ${pagesTouched(whole)} pages, ${whole['Actual Rows']} rows, heap fetches ${nodes(
        whole,
      )
        .map((n) => n['Heap Fetches'])
        .join()}`,
    );
    expect(seek['Actual Rows']).toBe(10);
    expect(indexes(seek)).toEqual(['abc_a_b_c']);
    expect(pagesTouched(seek)).toBeLessThan(20);
    expect(chosen['Actual Rows']).toBe(1000);
    // No seek on b: the only way through the index is every leaf.
    expect(whole['Actual Rows']).toBe(1000);
    expect(indexes(whole)).toEqual(['abc_a_b_c']);
    expect(pagesTouched(whole)).toBeGreaterThan(0.9 * indexPages);
  });

  it('beside our B+tree: height, pages per lookup and index pages after sequential and random inserts', async () => {
    const rows = 300_000;
    const db = await postgres.connect();
    await db.query(`CREATE EXTENSION IF NOT EXISTS pageinspect`);
    const figures: Record<
      string,
      {
        pg: { height: number; pages: number; perLookup: number[] };
        ours: { height: number; pages: number; perLookup: number[] };
      }
    > = {};
    const coldLookup: Record<string, number> = {};
    const rng = new Rng(7);
    const probes = Array.from({ length: 5 }, () => 1 + Math.floor(rng.next() * rows));
    for (const order of ['sequential', 'random'] as const) {
      const table = `keys_${order}`;
      await db.query(`CREATE TABLE ${table} (k bigint NOT NULL, pad text)`);
      await db.query(`CREATE INDEX ${table}_k ON ${table} (k)`);
      await db.query(
        `INSERT INTO ${table} SELECT k, 'row' FROM generate_series(1, ${rows}) k ${order === 'random' ? 'ORDER BY md5(k::text)' : ''}`,
      );
      await db.query(`VACUUM ANALYZE ${table}`);
      const meta = await db.query<{ level: number }>(`SELECT level FROM bt_metap('${table}_k')`);
      const size = await db.query<{ pages: string }>(`SELECT pg_relation_size('${table}_k') / 8192 AS pages`);
      const perLookup: number[] = [];
      // A session's first lookup also reads the index's meta page to find the root (then cached).
      const first = await explain(db, `SELECT * FROM ${table} WHERE k = 1`);
      coldLookup[order] = pagesTouched(first) - 1;
      for (const k of probes) {
        const plan = await explain(db, `SELECT * FROM ${table} WHERE k = ${k}`);
        const scan = nodes(plan).find((n) => n['Index Name'] === `${table}_k`) as PlanNode;
        // The index pages on the way down, plus the one heap page holding the row.
        perLookup.push(pagesTouched(scan) - 1);
      }
      // The same keys in the same order into our tree, laid out as PostgreSQL lays out a bigint b-tree.
      const keys = Array.from({ length: rows }, (_, i) => i + 1);
      if (order === 'random') new Rng(11).shuffle(keys);
      const tree = new BPlusTree<number>(postgresBigintLayout, {
        splitRule: order === 'sequential' ? 'rightmost-fillfactor' : 'half',
      });
      for (const k of keys) tree.insert([k], k);
      const shape = tree.shape();
      figures[order] = {
        // bt_metap's level counts the levels above the leaves; the relation's pages include the meta page.
        pg: {
          height: Number(meta.rows[0]?.level ?? -1) + 1,
          pages: Number(size.rows[0]?.pages) - 1,
          perLookup,
        },
        ours: {
          height: shape.height,
          pages: shape.pagesPerLevel.reduce((a, b) => a + b, 0),
          perLookup: probes.map((k) => tree.get([k]).report.pages.length),
        },
      };
    }
    console.log(
      `E1 figures: ${JSON.stringify(figures)}; a session's first lookup: ${JSON.stringify(coldLookup)}`,
    );
    for (const order of ['sequential', 'random'] as const) {
      const { pg, ours } = figures[order] as (typeof figures)[string];
      expect(ours.height, order).toBe(pg.height);
      expect(
        pg.perLookup.every((n) => n === pg.height),
        order,
      ).toBe(true);
      expect(
        ours.perLookup.every((n) => n === ours.height),
        order,
      ).toBe(true);
      // Page counts within 10%: PostgreSQL's leaves also keep a high key, and its split point is chosen by free space.
      expect(Math.abs(ours.pages - pg.pages) / pg.pages, order).toBeLessThan(0.1);
    }
    const bloat = (f: { pages: number }, g: { pages: number }) => f.pages / g.pages;
    const pgBloat = bloat(figures.random!.pg, figures.sequential!.pg);
    const ourBloat = bloat(figures.random!.ours, figures.sequential!.ours);
    expect(pgBloat).toBeGreaterThan(1.2);
    expect(Math.abs(ourBloat - pgBloat) / pgBloat).toBeLessThan(0.1);
    console.log(
      `E1 beside the B+tree (${rows} keys): ${JSON.stringify(figures)}; random/sequential pages: PostgreSQL ${pgBloat.toFixed(2)}, ours ${ourBloat.toFixed(2)}`,
    );
  }, 120_000);
});
