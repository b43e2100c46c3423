// Runs of the replication system classified by the consistency ladder of `@dslab/check` (catalog B4).
import { describe, expect, it } from 'vitest';
import { classifyHistory, type Classification, type History, type Operation } from '@dslab/check';
import type { NodeId } from '@dslab/sim';
import {
  buildReplicationCluster,
  finalVersions,
  replicationParams,
  type ReplicationCluster,
} from './cluster';
import type { ClientOp, ReadPolicy } from './client';
import { runOneKey } from '../quorum/one-key-run';

function run(
  policy: ReadPolicy,
  extra: Record<string, unknown>,
  lag: boolean,
  policyOf?: (index: number) => ReadPolicy,
): ReplicationCluster {
  const params = replicationParams.parse({
    clients: 4,
    opsPerSecond: 100,
    keys: 2,
    durationMs: 1_500,
    readPolicy: policy,
    ...extra,
  });
  const cluster = buildReplicationCluster(params, 11, policyOf ? { readPolicyOf: policyOf } : {});
  // n3 runs a long query: its replay falls 600 ms behind n2's.
  if (lag) cluster.world.at(300, 'long query on n3', () => cluster.node('n3').holdReplay(600));
  cluster.world.runFor(params.durationMs);
  cluster.phase = 'stop';
  cluster.world.runFor(1_500);
  return cluster;
}

function classify(cluster: ReplicationCluster, history: History = cluster.recorder.history()) {
  const versions = finalVersions(cluster);
  return classifyHistory(history, {
    versionOf: (_key, value) => (typeof value === 'string' ? versions.get(value) : undefined),
    settleMs: 500,
  });
}

describe('replication runs on the consistency ladder', () => {
  it('reads from the primary are linearizable', () => {
    const c = classify(run('primary', { syncCount: 1, commitLevel: 'on' }, false));
    expect(c.strongest).toBe('linearizable');
  });

  it('reporting sessions that stick to a lagging standby are sequential, not linearizable', () => {
    // c1 and c2 write and read their own writes on the primary; c3 and c4 only read, each on one standby.
    const c = classify(run('sticky', { readers: 2 }, true, (i) => (i < 2 ? 'primary' : 'sticky')));
    expect(c.verdicts[0]?.holds).toBe(false);
    expect(c.strongest).toBe('sequential');
  });

  it('round-robin reads over standbys with different lag break monotonic reads; LSN tokens keep them', () => {
    const roundRobin = classify(run('round-robin', {}, true));
    const at = (m: string) => roundRobin.verdicts.find((v) => v.model === m);
    expect(at('linearizable')?.holds).toBe(false);
    expect(at('monotonic-reads')?.holds).toBe(false);
    expect(at('monotonic-reads')?.counterexample).toMatch(/is older than the earlier/);
    const token = classify(run('lsn-wait', {}, true));
    const tokenAt = (m: string) => token.verdicts.find((v) => v.model === m)?.holds;
    expect(tokenAt('read-your-writes')).toBe(true);
    expect(tokenAt('monotonic-reads')).toBe(true);
  });
});

describe('quorum store runs on the ladder (catalog B2 histories)', () => {
  const quorumRun = (level: 'one' | 'quorum', seed: number) => {
    const cluster = runOneKey({ conflict: 'lww', level, seed, durationMs: 1_500 });
    // A small search budget: PRAM on these histories may come out unknown; the first two rungs do not.
    return classifyHistory(cluster.recorder.history(), { maxStates: 20_000 });
  };

  it('W = R = 1 (W + R ≤ N) returns stale reads no single order explains', () => {
    for (const seed of [1, 2]) {
      const c = quorumRun('one', seed);
      expect(c.verdicts[0]?.holds).toBe(false);
      expect(c.verdicts[1]?.holds).toBe(false);
    }
  });

  it('strict QUORUM with blocking read repair and no faults is linearizable', () => {
    for (const seed of [1, 2, 3]) expect(quorumRun('quorum', seed).strongest).toBe('linearizable');
  });
});

describe('snapshot reads of several keys: consistent prefix (catalog B4)', () => {
  /**
   * c1 asks then answers, over and over (q-1, a-1, q-2, a-2, … on the primary, each write after the
   * last returned); n3 falls 600 ms behind n2. Two readers each take 40 snapshots of {q, a}: `oneStandby`
   * reads both keys in one query on one standby (alternating n2, n3); otherwise the reader fetches `a`
   * from the current n2 and then `q` from the lagging n3 and puts the two answers together, as a client
   * that sends each key to a different replica does. The history is built from the client's own
   * records: one operation per snapshot, invoked at the first request and returned at the last.
   */
  function snapshots(
    oneStandby: boolean,
    seed: number,
  ): { c: Classification; answerWithoutQuestion: number } {
    const params = replicationParams.parse({ clients: 3, readers: 2, keys: 2, durationMs: 2_000 });
    const cluster = buildReplicationCluster(params, seed, { scripted: true, readPolicyOf: () => 'primary' });
    const { world } = cluster;
    const ops: Operation[] = [];
    const record = (process: string, f: 'read' | 'write', input: unknown, output: unknown, op: ClientOp) =>
      ops.push({
        id: ops.length,
        process,
        f,
        input,
        output,
        outcome: op.outcome,
        call: op.call,
        ret: op.ret,
      });
    const writer = cluster.client('c1');
    let round = 0;
    const ask = () => {
      if (round >= 60) return;
      round++;
      const n = round;
      writer.write('q', `q-${n}`, (q) => {
        record('c1', 'write', ['q', `q-${n}`], undefined, q);
        writer.write('a', `a-${n}`, (a) => {
          record('c1', 'write', ['a', `a-${n}`], undefined, a);
          world.after(5, 'next question', ask);
        });
      });
    };
    world.at(20, 'c1 starts asking', ask);
    world.at(250, 'long query on n3', () => cluster.node('n3').holdReplay(600));
    let answerWithoutQuestion = 0;
    for (const [index, name] of ['c2', 'c3'].entries()) {
      const reader = cluster.client(name);
      let taken = 0;
      const next = () => {
        if (taken >= 40) return;
        taken++;
        const done = (output: { q: string | null; a: string | null }, first: ClientOp, last: ClientOp) => {
          ops.push({
            id: ops.length,
            process: name,
            f: 'read',
            input: null,
            output,
            outcome: first.outcome === 'ok' && last.outcome === 'ok' ? 'ok' : 'fail',
            call: first.call,
            ret: last.ret,
          });
          const number = (v: string | null) => (v === null ? 0 : Number(v.split('-')[1]));
          if (number(output.a) > number(output.q)) answerWithoutQuestion++;
          world.after(15, 'next snapshot', next);
        };
        if (oneStandby) {
          const via: NodeId = (taken + index) % 2 === 0 ? 'n2' : 'n3';
          reader.read('q', (op) => done({ q: op.value ?? null, a: op.also?.[0] ?? null }, op, op), via, [
            'a',
          ]);
        } else
          reader.read(
            'a',
            (a) => reader.read('q', (q) => done({ q: q.value ?? null, a: a.value ?? null }, a, q), 'n3'),
            'n2',
          );
      };
      world.at(300 + index * 7, `${name} starts reading`, next);
    }
    world.runFor(params.durationMs);
    world.runFor(1_500);
    const history: History = [...ops].sort((x, y) => x.call - y.call).map((op, id) => ({ ...op, id }));
    return { c: classifyHistory(history), answerWithoutQuestion };
  }
  const at = (c: Classification, model: string) => c.verdicts.find((v) => v.model === model);

  it('one query on one standby replaying in order is a prefix: consistent prefix holds, monotonic reads do not', () => {
    const { c, answerWithoutQuestion } = snapshots(true, 5);
    expect(answerWithoutQuestion).toBe(0);
    expect(at(c, 'consistent-prefix')?.holds).toBe(true);
    expect(at(c, 'sequential')?.holds).toBe(false);
    // Alternating between a current and a lagging standby goes back in time.
    expect(at(c, 'monotonic-reads')?.holds).toBe(false);
    expect(c.maximal).toContain('consistent-prefix');
  });

  it('each key from a different standby: the answer without its question, not consistent prefix', () => {
    const { c, answerWithoutQuestion } = snapshots(false, 5);
    expect(answerWithoutQuestion).toBeGreaterThan(0);
    const v = at(c, 'consistent-prefix');
    expect(v?.holds).toBe(false);
    expect(v?.counterexample).toMatch(
      /shows c1 write a="a-\d+".* but not c1 write q="q-\d+".*, which its session wrote first/,
    );
    expect(v?.operations).toHaveLength(3);
    // Each key alone came from one standby in order: the per-key session guarantees all hold.
    expect(at(c, 'monotonic-reads')?.holds).toBe(true);
    expect(at(c, 'read-your-writes')?.holds).toBe(true);
  });
});
