/** CLAIMS B1 (fails): "Synchronous replication means zero replica lag." */
import type { Scenario, ScenarioResult } from '../../contract';
import { commitLevels, type CommitLevel } from '../messages';
import { build, commitLatencies, missedOwnWrite, probeReadAfterWrite, quantile, round } from './support';

interface LevelResult {
  readonly level: CommitLevel;
  readonly probes: number;
  readonly missed: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
}

/**
 * One level: background sessions commit 200 times a second while reporting queries on the synchronous
 * standby n2 hold its replay for 200 ms of every second (a query conflicting with replay waits up to
 * max_standby_streaming_delay); a probe session commits at `level` and, the moment the commit returns,
 * reads the key on n2.
 */
function measure(level: CommitLevel, seed: number, probes: number): LevelResult {
  const durationMs = 200 + probes * 40;
  const cluster = build(
    {
      syncCount: 1,
      syncMethod: 'first',
      commitLevel: level,
      clients: 5,
      opsPerSecond: 200,
      readFraction: 0,
      keys: 8,
      slowReplayFactor: 1,
      timeoutMs: 2_000,
      durationMs,
    },
    seed,
    { scripted: (i) => i === 4 },
  );
  for (let at = 300; at < durationMs; at += 1_000)
    cluster.world.at(at, 'reporting query on n2', () => cluster.node('n2').holdReplay(200));
  let missed = 0;
  let done = 0;
  probeReadAfterWrite(
    cluster,
    'c5',
    { via: 'n2', level, startMs: 200, gapMs: 25, count: probes, key: 'probe' },
    (p) => {
      done++;
      if (missedOwnWrite(p)) missed++;
    },
  );
  cluster.world.runFor(durationMs + 1_000);
  const latencies = commitLatencies(cluster, 200);
  return {
    level,
    probes: done,
    missed,
    latencyP50: quantile(latencies, 0.5),
    latencyP99: quantile(latencies, 0.99),
  };
}

export const syncNotZeroLag: Scenario = {
  id: 'sync-commit-is-not-zero-lag',
  title: 'synchronous_commit = on waits for the standby’s flush, not its replay',
  claim:
    'Synchronous replication means zero replica lag: once a commit returns, the synchronous standby shows it.',
  expected: 'fails',
  corrected:
    'With synchronous_commit = on (or remote_write) the commit returns once the standby has flushed (or written) the WAL, ' +
    'not replayed it; a read on the standby right after the commit can still miss it. Only remote_apply waits for replay, ' +
    'and pays for it in commit latency.',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const probes = quick ? 60 : 300;
    const results = commitLevels.map((level) => measure(level, seed, probes));
    const of = (level: CommitLevel) => results.find((r) => r.level === level) as LevelResult;
    const on = of('on');
    const apply = of('remote_apply');
    const fails = on.missed > 0 && apply.missed === 0;
    return {
      observed: fails ? 'fails' : apply.missed > 0 ? 'partly' : 'holds',
      summary:
        `With FIRST 1 (n2) and synchronous_commit = on, ${on.missed} of ${on.probes} reads on n2 issued the moment the commit returned missed it ` +
        `(commit p50 ${round(on.latencyP50, 2)} ms). With remote_apply, ${apply.missed} of ${apply.probes} missed (commit p50 ${round(apply.latencyP50, 2)} ms).`,
      measurements: Object.fromEntries(
        results.flatMap((r) => [
          [`${r.level}.missed`, r.missed],
          [`${r.level}.probes`, r.probes],
          [`${r.level}.commitP50Ms`, round(r.latencyP50, 2)],
        ]),
      ),
      tables: [
        {
          title: 'Read on the synchronous standby the moment the commit returns',
          columns: [
            'synchronous_commit',
            'waits for',
            'probes',
            'reads that missed the commit',
            'commit p50 ms',
            'commit p99 ms',
          ],
          rows: results.map((r) => [
            r.level,
            {
              off: 'nothing (WAL writer flushes later)',
              local: 'local flush',
              remote_write: 'standby write',
              on: 'standby flush',
              remote_apply: 'standby replay',
            }[r.level],
            r.probes,
            r.missed,
            round(r.latencyP50, 2),
            round(r.latencyP99, 2),
          ]),
        },
      ],
      ...(fails ? { counterexample: { level: 'on', missed: on.missed, probes: on.probes } } : {}),
    };
  },
};
