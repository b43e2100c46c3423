/**
 * Random interleavings of two sessions on the `test` table, for differential testing against
 * PostgreSQL: each session begins at the level of the run, runs a few random statements, and commits
 * or rolls back. Scripts whose run on the engine ends in a deadlock or leaves a session blocked are
 * not used (their timing on a real server is not part of the script).
 */
import { Rng } from '@dslab/sim';
import type { Script, Step } from './anomalies';
import { add, cmp, col, eq, mod, stmt, type Statement } from './statements';

function randomStatement(rng: Rng): Statement {
  const id = 1 + rng.int(4);
  const value = 10 * (1 + rng.int(4));
  switch (rng.int(10)) {
    case 0:
      return stmt.select('test');
    case 1:
      return stmt.select('test', eq('id', id));
    case 2:
      return stmt.select('test', cmp(mod(col('value'), 20), '=', 0));
    case 3: {
      const policy = rng.int(3);
      return stmt.select('test', rng.next() < 0.7 ? eq('id', id) : cmp('value', '>', value), {
        lock: rng.next() < 0.5 ? 'update' : 'share',
        ...(policy === 1
          ? { waitPolicy: 'nowait' as const }
          : policy === 2
            ? { waitPolicy: 'skip locked' as const }
            : {}),
        ...(rng.next() < 0.3 ? { orderBy: 'id', limit: 1 } : {}),
      });
    }
    case 4:
      return stmt.update('test', { value }, eq('id', id), rng.next() < 0.3);
    case 5:
      return stmt.update('test', { value: add(col('value'), 1) }, cmp('value', '>', value));
    case 6:
      return stmt.delete('test', eq('id', id));
    case 7:
      return stmt.insert('test', { id: 2 + rng.int(4), value });
    case 8:
      return stmt.count('test', cmp('value', '>=', value));
    default:
      return stmt.select('test', cmp('value', '<', value));
  }
}

export function randomScript(seed: number, sessions = 2): Script {
  const rng = new Rng(seed).fork(sessions === 2 ? 'random-script' : `random-script-${sessions}`);
  const per = Array.from({ length: sessions }, () => 2 + rng.int(3));
  const queues: Statement[][] = per.map((n) => [
    rng.next() < 0.2 ? { kind: 'begin', readOnly: true } : stmt.begin(),
    ...Array.from({ length: n }, () => randomStatement(rng)),
    rng.next() < 0.8 ? stmt.commit() : stmt.rollback(),
  ]);
  const steps: Step[] = [];
  while (queues.some((q) => q.length > 0)) {
    const candidates = queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0);
    const i = candidates[rng.int(candidates.length)] as number;
    steps.push([i + 1, (queues[i] as Statement[]).shift() as Statement]);
  }
  return { id: `random-${seed}`, title: `random interleaving ${seed}`, steps };
}
