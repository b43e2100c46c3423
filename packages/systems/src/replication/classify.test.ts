// Runs of the replication system classified by the consistency ladder of `@dslab/check` (catalog B4).
import { describe, expect, it } from 'vitest';
import { classifyHistory, type History } from '@dslab/check';
import {
  buildReplicationCluster,
  finalVersions,
  replicationParams,
  type ReplicationCluster,
} from './cluster';
import type { ReadPolicy } from './client';
import { buildQuorumCluster, quorumParams } from '../quorum';

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
    const params = quorumParams.parse({
      conflict: 'lww',
      readLevel: level,
      writeLevel: level,
      sloppy: false,
      readRepair: level === 'one' ? 'off' : 'blocking',
      clients: 4,
      keys: 1,
      opsPerSecond: 400,
      durationMs: 1_500,
    });
    // A shared network's tail: median 3 ms, 1 in 100 messages slower than 40 ms.
    const cluster = buildQuorumCluster(params, seed, {
      network: { latency: { kind: 'long-tail', median: 3, p99: 40 } },
    });
    cluster.world.runFor(params.durationMs);
    cluster.phase = 'stop';
    cluster.world.runFor(1_000);
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
