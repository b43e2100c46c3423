/**
 * CLAIMS B4, measured on runs of this system and judged by the consistency classifier of
 * `@dslab/check`: linearizability (reads on the primary) and sequential consistency without real time
 * (reporting sessions that each stick to one standby).
 */
import { classifyHistory } from '@dslab/check';
import type { Scenario, ScenarioResult } from '../../contract';
import type { ReadPolicy } from '../client';
import {
  buildReplicationCluster,
  finalVersions,
  replicationParams,
  type ReplicationCluster,
} from '../cluster';

interface Classified {
  readonly linearizable: boolean | 'unknown';
  readonly sequential: boolean | 'unknown';
  readonly strongest: string;
  readonly counterexample: string | undefined;
  readonly operations: number;
  /** Reads that began after a newer write of their key had completed, and returned an older value. */
  readonly staleAfterCompletion: number;
  readonly hash: string;
}

/**
 * Four sessions on two keys for 1.5 s while a long query holds n3's replay back 600 ms; c1 and c2
 * write (and read where `writerReads` says), c3 and c4 only read where `readerReads` says.
 */
function classifyRun(seed: number, writerReads: ReadPolicy, readerReads: ReadPolicy): Classified {
  const params = replicationParams.parse({
    clients: 4,
    readers: 2,
    opsPerSecond: 100,
    keys: 2,
    durationMs: 1_500,
  });
  const cluster: ReplicationCluster = buildReplicationCluster(params, seed, {
    readPolicyOf: (i) => (i < 2 ? writerReads : readerReads),
  });
  cluster.world.at(300, 'long query on n3', () => cluster.node('n3').holdReplay(600));
  cluster.world.runFor(params.durationMs);
  cluster.phase = 'stop';
  cluster.world.runFor(1_500);
  const versions = finalVersions(cluster);
  const history = cluster.recorder.history();
  const c = classifyHistory(history, {
    versionOf: (_key, value) => (typeof value === 'string' ? versions.get(value) : undefined),
  });
  const at = (model: string) => c.verdicts.find((v) => v.model === model);
  let stale = 0;
  for (const read of history) {
    if (read.f !== 'read' || read.outcome !== 'ok') continue;
    const key = (read.input as string[])[0] as string;
    let newest = 0;
    for (const w of history)
      if (w.f === 'write' && w.outcome === 'ok' && w.ret < read.call && (w.input as string[])[0] === key)
        newest = Math.max(newest, versions.get((w.input as string[])[1] as string) ?? 0);
    const seen = typeof read.output === 'string' ? (versions.get(read.output) ?? 0) : 0;
    if (seen < newest) stale++;
  }
  return {
    linearizable: at('linearizable')?.holds ?? 'unknown',
    sequential: at('sequential')?.holds ?? 'unknown',
    strongest: c.strongest,
    counterexample: at('linearizable')?.counterexample,
    operations: history.length,
    staleAfterCompletion: stale,
    hash: cluster.world.traceHash().slice(0, 6),
  };
}

function table(title: string, runs: readonly Classified[]) {
  return {
    title,
    columns: [
      'run',
      'operations',
      'stale after a completed write',
      'linearizable',
      'sequential',
      'strongest',
    ],
    rows: runs.map((r, i) => [
      i + 1,
      r.operations,
      r.staleAfterCompletion,
      String(r.linearizable),
      String(r.sequential),
      r.strongest,
    ]),
  };
}

export const linearizableReads: Scenario = {
  id: 'linearizable-primary-reads',
  title: 'Linearizability: a completed write is seen by every later read',
  claim:
    'Linearizability: once a write completes, every read that starts later sees it (or something newer).',
  expected: 'holds',
  rows: ['B4'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 2 : 6;
    const primary = Array.from({ length: runs }, (_, i) => classifyRun(seed * 100 + i, 'primary', 'primary'));
    const standby = Array.from({ length: runs }, (_, i) =>
      classifyRun(seed * 100 + i, 'primary', 'round-robin'),
    );
    const stalePrimary = primary.reduce((n, r) => n + r.staleAfterCompletion, 0);
    const staleStandby = standby.reduce((n, r) => n + r.staleAfterCompletion, 0);
    const holds =
      primary.every((r) => r.linearizable === true) &&
      stalePrimary === 0 &&
      standby.every((r) => r.linearizable === false) &&
      staleStandby > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Reading on the primary, ${primary.filter((r) => r.linearizable === true).length} of ${runs} runs were linearizable and no read that began after a write completed returned an older value. ` +
        `The same workload with the reporting sessions on the standbys: ${staleStandby} such reads, and ${standby.filter((r) => r.linearizable === false).length} of ${runs} runs not linearizable (first: ${standby[0]?.counterexample ?? '—'}).`,
      measurements: {
        runs,
        primaryLinearizable: primary.filter((r) => r.linearizable === true).length,
        primaryStaleAfterCompletion: stalePrimary,
        standbyNotLinearizable: standby.filter((r) => r.linearizable === false).length,
        standbyStaleAfterCompletion: staleStandby,
      },
      tables: [
        table('Every session reads on the primary', primary),
        table('Reporting sessions read round-robin on the standbys', standby),
      ],
      traceHash: primary.map((r) => r.hash).join('') + standby.map((r) => r.hash).join(''),
    };
  },
};

export const sequentialNotRealTime: Scenario = {
  id: 'sequential-not-real-time',
  title: 'Sequential consistency: one order everyone agrees on, not real time',
  claim: 'Sequential consistency: one order agreed by all, not necessarily real time.',
  expected: 'holds',
  rows: ['B4'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 2 : 6;
    const sticky = Array.from({ length: runs }, (_, i) => classifyRun(seed * 100 + i, 'primary', 'sticky'));
    const stale = sticky.reduce((n, r) => n + r.staleAfterCompletion, 0);
    const holds = sticky.every((r) => r.sequential === true && r.linearizable === false) && stale > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Writers reading on the primary and reporting sessions each stuck to one standby (n3 held back 600 ms): ${sticky.filter((r) => r.sequential === true).length} of ${runs} runs sequentially consistent — ` +
        `one order of every operation explains what each session saw — and ${sticky.filter((r) => r.linearizable === false).length} not linearizable: ${stale} reads began after a newer write had completed and returned the older value.`,
      measurements: {
        runs,
        sequential: sticky.filter((r) => r.sequential === true).length,
        notLinearizable: sticky.filter((r) => r.linearizable === false).length,
        staleAfterCompletion: stale,
      },
      tables: [table('Reporting sessions stuck to one standby each', sticky)],
      traceHash: sticky.map((r) => r.hash).join(''),
    };
  },
};
