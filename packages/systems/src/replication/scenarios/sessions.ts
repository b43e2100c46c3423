/**
 * CLAIMS B1, session guarantees on replicas: reading from the primary for a fixed window after a write
 * (fails), carrying the commit LSN as a session token (holds), round-robin against sticky replicas
 * (holds). Each run's history is judged by the session checker of `@dslab/check`.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import type { ReadPolicy } from '../client';
import { sessionCheck, type ReplicationCluster } from '../cluster';
import { build, quantile, round } from './support';

interface PolicyRun {
  readonly policy: ReadPolicy;
  readonly reads: number;
  readonly readYourWrites: number;
  readonly monotonicReads: number;
  readonly readP50: number;
  readonly readP99: number;
  readonly readErrors: number;
  readonly firstViolation: string | undefined;
  readonly hash: string;
}

/**
 * Six sessions, each writing or reading one of two keys every ~300 ms, against asynchronous standbys
 * that long queries hold back: `holds` lists [node, from ms, for ms].
 */
function runPolicy(
  policy: ReadPolicy,
  seed: number,
  durationMs: number,
  holds: readonly (readonly [string, number, number])[],
  extra: { lsnWaitMs?: number; windowMs?: number } = {},
): PolicyRun {
  const cluster: ReplicationCluster = build(
    {
      syncCount: 0,
      readPolicy: policy,
      clients: 6,
      opsPerSecond: 20,
      keys: 2,
      readFraction: 0.75,
      durationMs,
      windowMs: extra.windowMs ?? 1_000,
      lsnWaitMs: extra.lsnWaitMs ?? 1_000,
      timeoutMs: (extra.lsnWaitMs ?? 1_000) + 500,
    },
    seed,
  );
  for (const [node, at, ms] of holds)
    cluster.world.at(at, `long query on ${node}`, () => cluster.node(node).holdReplay(ms));
  cluster.world.runFor(durationMs);
  cluster.phase = 'stop';
  cluster.world.runFor(3_000);
  const result = sessionCheck(cluster);
  const reads = cluster.clients.flatMap((id) => cluster.client(id).log.filter((op) => op.f === 'read'));
  const latencies = reads.filter((op) => op.outcome === 'ok').map((op) => op.ret - op.call);
  return {
    policy,
    reads: reads.length,
    readYourWrites: result.counts['read-your-writes'],
    monotonicReads: result.counts['monotonic-reads'],
    readP50: quantile(latencies, 0.5),
    readP99: quantile(latencies, 0.99),
    readErrors: reads.filter((op) => op.outcome !== 'ok').length,
    firstViolation: result.violations[0]?.detail,
    hash: cluster.world.traceHash().slice(0, 8),
  };
}

function table(title: string, runs: readonly PolicyRun[]) {
  return {
    title,
    columns: [
      'reads',
      'policy',
      'read-your-writes broken',
      'monotonic reads broken',
      'read p50 ms',
      'read p99 ms',
      'reads failed',
    ],
    rows: runs.map((r) => [
      r.reads,
      r.policy,
      r.readYourWrites,
      r.monotonicReads,
      round(r.readP50, 2),
      round(r.readP99, 1),
      r.readErrors,
    ]),
  };
}

/** Both standbys run a 2.5 s query twice, so their lag exceeds a 1 s window. */
function laggingHolds(durationMs: number): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let at = 800; at < durationMs - 500; at += 3_000) out.push(['n2', at, 2_500], ['n3', at + 200, 2_500]);
  return out;
}

export const primaryWindow: Scenario = {
  id: 'primary-window-read-your-writes',
  title: 'Reading from the primary for a fixed time after a write',
  claim:
    'Read-your-writes by reading from the primary for N seconds after a write (1 s here), and from replicas otherwise.',
  expected: 'fails',
  corrected:
    'A fixed window works only while replica lag stays under it, and lag has no bound (load, long queries, a slow disk). ' +
    'Carry the commit LSN in the session and read from a replica only once it has replayed it.',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 4_000 : 12_000;
    const calm = runPolicy('primary-after-write', seed, durationMs, []);
    const lagging = runPolicy('primary-after-write', seed, durationMs, laggingHolds(durationMs));
    const fails = lagging.readYourWrites > 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `With replicas a few ms behind, the 1 s window kept read-your-writes (${calm.readYourWrites} violations in ${calm.reads} reads). ` +
        `When long queries held the standbys' replay for 2.5 s, ${lagging.readYourWrites} reads in ${lagging.reads} missed the session's own earlier write ` +
        `(and ${lagging.monotonicReads} went back in time).`,
      measurements: {
        calmReads: calm.reads,
        calmReadYourWrites: calm.readYourWrites,
        laggingReads: lagging.reads,
        laggingReadYourWrites: lagging.readYourWrites,
        laggingMonotonicReads: lagging.monotonicReads,
      },
      tables: [table('Sessions reading from the primary for 1 s after each write', [calm, lagging])],
      ...(lagging.firstViolation ? { counterexample: lagging.firstViolation } : {}),
      traceHash: calm.hash + lagging.hash,
    };
  },
};

export const lsnToken: Scenario = {
  id: 'lsn-token-read-your-writes',
  title: 'Read-your-writes on replicas by waiting for the session’s LSN',
  claim:
    "Read-your-writes by carrying the write's LSN in the session and reading from a replica only once it has replayed that LSN (pg_last_wal_replay_lsn()).",
  expected: 'holds',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 4_000 : 12_000;
    const holds = laggingHolds(durationMs);
    const token = runPolicy('lsn-wait', seed, durationMs, holds, { lsnWaitMs: 3_000 });
    const plain = runPolicy('round-robin', seed, durationMs, holds);
    const ok = token.readYourWrites === 0 && token.monotonicReads === 0 && plain.readYourWrites > 0;
    return {
      observed: ok ? 'holds' : 'fails',
      summary:
        `Against the same lagging standbys, sessions carrying their LSN broke read-your-writes ${token.readYourWrites} times and monotonic reads ${token.monotonicReads} times in ${token.reads} reads; ` +
        `the price is waiting: read p50 ${round(token.readP50, 2)} ms, p99 ${round(token.readP99)} ms. Without the token the same reads broke read-your-writes ${plain.readYourWrites} times.`,
      measurements: {
        tokenReads: token.reads,
        tokenReadYourWrites: token.readYourWrites,
        tokenMonotonicReads: token.monotonicReads,
        tokenReadP99Ms: round(token.readP99),
        tokenReadErrors: token.readErrors,
        plainReadYourWrites: plain.readYourWrites,
      },
      tables: [table('Standbys held back by 2.5 s queries', [token, plain])],
      traceHash: token.hash + plain.hash,
    };
  },
};

export const roundRobinMonotonic: Scenario = {
  id: 'round-robin-monotonic-reads',
  title: 'Round-robin reads over replicas with different lag go back in time',
  claim:
    'Round-robin reads over replicas with different lag break monotonic reads (time goes backwards); sticky replicas fix it.',
  expected: 'holds',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 4_000 : 12_000;
    // Only n3 runs the long queries, so the two standbys stand at different points.
    const holds = laggingHolds(durationMs).filter(([node]) => node === 'n3');
    const roundRobin = runPolicy('round-robin', seed, durationMs, holds);
    const sticky = runPolicy('sticky', seed, durationMs, holds);
    const ok = roundRobin.monotonicReads > 0 && sticky.monotonicReads === 0;
    return {
      observed: ok ? 'holds' : 'fails',
      summary:
        `With n3 held back by long queries and n2 current, round-robin sessions saw time go backwards ${roundRobin.monotonicReads} times in ${roundRobin.reads} reads; ` +
        `sessions stuck to one standby, ${sticky.monotonicReads} times (they still miss their own writes on the lagging one: ${sticky.readYourWrites} read-your-writes violations).`,
      measurements: {
        roundRobinReads: roundRobin.reads,
        roundRobinMonotonicReads: roundRobin.monotonicReads,
        stickyReads: sticky.reads,
        stickyMonotonicReads: sticky.monotonicReads,
        stickyReadYourWrites: sticky.readYourWrites,
      },
      tables: [table('n3 held back by 2.5 s queries, n2 current', [roundRobin, sticky])],
      ...(roundRobin.firstViolation ? { counterexample: roundRobin.firstViolation } : {}),
      traceHash: roundRobin.hash + sticky.hash,
    };
  },
};
