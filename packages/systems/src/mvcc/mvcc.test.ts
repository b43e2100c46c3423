import { describe, expect, it } from 'vitest';
import { anomalyTests, TEST_TABLE } from './anomalies';
import { EngineTarget, runAnomalyTest } from './driver';
import { buildMvccWorld, mvccParams } from './cluster';
import { DirectEngine, suiteDifferences } from './scenarios/e3';
import { and, append, cmp, eq, isIn, mod, col, stmt, toSql } from './statements';
import { mvccMutants } from './types';
import { checkListAppend, listRows, LISTS, startListAppend } from './workload';
import { XidSpace } from './xid';

function db(options: ConstructorParameters<typeof DirectEngine>[0] = {}): DirectEngine {
  const d = new DirectEngine(options);
  d.engine.createTable(TEST_TABLE, [
    { id: 1, value: 10 },
    { id: 2, value: 20 },
  ]);
  for (const s of ['a', 'b', 'c']) d.session(s);
  return d;
}

describe('statements render as PostgreSQL SQL', () => {
  it('renders every kind', () => {
    expect(toSql(stmt.begin('repeatable read'))).toBe('begin isolation level repeatable read');
    expect(toSql(stmt.select('test', cmp(mod(col('value'), 3), '=', 0)))).toBe(
      'select * from test where value % 3 = 0',
    );
    expect(
      toSql(
        stmt.select('jobs', eq('status', 0), {
          orderBy: 'id',
          limit: 1,
          lock: 'update',
          waitPolicy: 'skip locked',
        }),
      ),
    ).toBe('select * from jobs where status = 0 order by id limit 1 for update skip locked');
    expect(toSql(stmt.update('lists', { value: append('value', 7) }, eq('id', 1)))).toBe(
      'update lists set value = array_append(value, 7) where id = 1',
    );
    expect(toSql(stmt.select('test', and(isIn('id', [1, 2]), cmp('value', '>', 5))))).toBe(
      'select * from test where (id in (1, 2)) and (value > 5)',
    );
    expect(toSql(stmt.advisory('pg_try_advisory_xact_lock', 42))).toBe(
      'select pg_try_advisory_xact_lock(42) as result',
    );
  });
});

describe('transaction ids', () => {
  it('compare modulo the space: half behind is the past, half ahead the future', () => {
    const space = new XidSpace(2 ** 16);
    expect(space.precedes(3, 100)).toBe(true);
    expect(space.precedes(100, 3)).toBe(false);
    // 3 is 32,770 ids behind 32,773 when counting forward past wrap … and so appears ahead of it.
    expect(space.precedes(3, 3 + 2 ** 15 + 10)).toBe(false);
    expect(space.next(2 ** 16 - 1)).toBe(3);
  });
});

describe('the engine', () => {
  it('READ COMMITTED re-checks the WHERE on the newest version after waiting (EvalPlanQual)', () => {
    const d = db();
    d.run('a', stmt.begin('read committed'));
    d.run('b', stmt.begin('read committed'));
    d.run('a', stmt.update('test', { value: add10() }));
    expect(d.run('b', stmt.delete('test', eq('value', 20)))).toBeUndefined(); // waits for a
    d.run('a', stmt.commit());
    expect(d.result('b')?.rowCount).toBe(0); // row 2 is now 30: no longer matches
  });

  it('NOWAIT fails at once and SKIP LOCKED skips a locked row', () => {
    const d = db();
    d.run('a', stmt.begin());
    d.run('a', stmt.select('test', eq('id', 1), { lock: 'update' }));
    expect(
      d.run('b', stmt.select('test', eq('id', 1), { lock: 'update', waitPolicy: 'nowait' }))?.error?.code,
    ).toBe('55P03');
    expect(
      d.run('c', stmt.select('test', undefined, { lock: 'update', waitPolicy: 'skip locked' }))?.rows,
    ).toEqual([{ id: 2, value: 20 }]);
  });

  it('lock_timeout cancels a waiting statement with 55P03', () => {
    const d = db();
    d.run('a', stmt.begin());
    d.run('a', stmt.update('test', { value: 11 }, eq('id', 1)));
    d.run('b', stmt.lockTimeout(50));
    expect(d.run('b', stmt.update('test', { value: 12 }, eq('id', 1)))).toBeUndefined();
    d.advance(49);
    expect(d.result('b')).toBeUndefined();
    d.advance(2);
    expect(d.result('b')?.error?.code).toBe('55P03');
  });

  it('finds a deadlock after deadlock_timeout and aborts the waiter whose check found it', () => {
    const d = db({ deadlockTimeoutMs: 100 });
    d.run('a', stmt.begin());
    d.run('b', stmt.begin());
    d.run('a', stmt.update('test', { value: 11 }, eq('id', 1)));
    d.run('b', stmt.update('test', { value: 21 }, eq('id', 2)));
    d.run('a', stmt.update('test', { value: 12 }, eq('id', 2)));
    d.advance(50);
    d.run('b', stmt.update('test', { value: 22 }, eq('id', 1)));
    expect(d.engine.findCycle('b')).toEqual(['b', 'a']);
    d.advance(60); // a's check (at 100 ms) finds the cycle b closed
    expect(d.result('a')?.error?.code).toBe('40P01');
    expect(d.result('b')?.rowCount).toBe(1);
  });

  it('VACUUM removes what an aborted transaction wrote and what no snapshot can see', () => {
    const d = db();
    d.run('a', stmt.begin());
    d.run('a', stmt.insert('test', { id: 3, value: 30 }));
    d.run('a', stmt.rollback());
    d.run('b', stmt.update('test', { value: 11 }, eq('id', 1)));
    const report = d.engine.vacuum('test', false);
    expect(report.removed).toBe(2);
    expect(d.engine.committedRows('test')).toEqual([
      { id: 2, value: 20 },
      { id: 1, value: 11 },
    ]);
  });

  it('a failed block answers 25P02 until it ends, and COMMIT then rolls back', () => {
    const d = db();
    d.run('a', stmt.begin());
    expect(d.run('a', stmt.insert('test', { id: 1, value: 0 }))?.error?.code).toBe('23505');
    expect(d.run('a', stmt.select('test'))?.error?.code).toBe('25P02');
    expect(d.run('a', stmt.commit())?.tag).toBe('ROLLBACK');
  });
});

describe('the anomaly suite catches each mutant', () => {
  it.each(mvccMutants.map((m) => [m]))('%s differs from PostgreSQL somewhere', async (mutant) => {
    const differences = await suiteDifferences(mutant);
    console.log(`${mutant}: differs in ${differences.join(', ')}`);
    expect(differences.length).toBeGreaterThan(0);
  });

  it('the correct engine differs nowhere', async () => {
    for (const test of anomalyTests.slice(0, 3)) {
      const a = await runAnomalyTest(new EngineTarget(), test, 'serializable');
      const b = await runAnomalyTest(new EngineTarget({}, 9), test, 'serializable');
      expect(a).toEqual(b); // and the record does not depend on the seed
    }
    expect(await suiteDifferences(undefined as never)).toEqual([]);
  });
});

describe('list-append histories judged by the transactional checker', () => {
  function run(level: 'read committed' | 'repeatable read' | 'serializable', seed: number) {
    const params = mvccParams.parse({ sessions: 4, level, keys: 3, opsPerTxn: 3, durationMs: 1_500 });
    const cluster = buildMvccWorld(params, seed, 'off', [{ schema: LISTS, rows: listRows(3) }]);
    const { recorder, running } = startListAppend(cluster, seed, {
      level,
      keys: 3,
      opsPerTxn: 3,
      untilMs: params.durationMs,
    });
    cluster.world.runUntilCondition(() => running() === 0, 120_000);
    return recorder;
  }

  it('REPEATABLE READ lets write skew (G2-item) through and nothing snapshot isolation forbids', () => {
    let writeSkew = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const recorder = run('repeatable read', seed);
      expect(checkListAppend(recorder, 'repeatable read').valid).toBe(true);
      const asSerializable = checkListAppend(recorder, 'serializable');
      writeSkew += asSerializable.counts['G2-item'] ?? 0;
    }
    expect(writeSkew).toBeGreaterThan(0);
  });

  it('SERIALIZABLE lets nothing through', () => {
    let committed = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const recorder = run('serializable', seed);
      const result = checkListAppend(recorder, 'serializable');
      expect(result.valid, JSON.stringify(result.counts)).toBe(true);
      committed += result.stats.committed;
    }
    expect(committed).toBeGreaterThan(100);
  });

  it('READ COMMITTED lets through what snapshot isolation forbids, and nothing read committed forbids', () => {
    let beyond = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const recorder = run('read committed', seed);
      expect(checkListAppend(recorder, 'read committed').valid).toBe(true);
      const asSI = checkListAppend(recorder, 'repeatable read');
      beyond += asSI.forbidden.length;
    }
    expect(beyond).toBeGreaterThan(0);
  });
});

function add10() {
  return { op: '+' as const, left: col('value'), right: 10 };
}

describe('durability: the commit log on the simulated disk', () => {
  it('a crash keeps committed rows and loses what was in progress; sessions of the old life get 08006', () => {
    const params = mvccParams.parse({ sessions: 2, jitterMs: 0 });
    const cluster = buildMvccWorld(params, 3, 'hash', [{ schema: TEST_TABLE, rows: [{ id: 1, value: 10 }] }]);
    const results: string[] = [];
    const run = (client: string, statement: Parameters<ReturnType<typeof cluster.client>['submit']>[0]) => {
      cluster.client(client).submit(statement, (r) => results.push(`${client} ${r.error?.code ?? r.tag}`));
      cluster.world.runFor(20);
    };
    run('c1', stmt.insert('test', { id: 2, value: 20 })); // autocommit: durable
    run('c2', stmt.begin());
    run('c2', stmt.insert('test', { id: 3, value: 30 })); // never committed
    cluster.world.crash('db');
    cluster.world.runFor(10);
    cluster.world.restart('db');
    run('c2', stmt.commit()); // its session died with the server
    run('c1', stmt.select('test'));
    expect(results).toEqual(['c1 INSERT', 'c2 BEGIN', 'c2 INSERT', 'c2 08006', 'c1 08006']);
    run('c1', stmt.select('test'));
    expect(cluster.server().recovered).toBe(1);
    expect(cluster.client('c1').log.at(-1)?.result.rows).toEqual([
      { id: 1, value: 10 },
      { id: 2, value: 20 },
    ]);
  });
});
