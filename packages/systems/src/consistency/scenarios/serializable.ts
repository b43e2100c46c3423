/**
 * CLAIMS B4 (holds): "Serializability has no real-time order; strict serializability has both: a replica
 * serving an old but consistent snapshot is serializable and not strict." Measured on the replication
 * system (leader–follower with a WAL): one writer on the primary moves two registers forward, each step a
 * read-modify-write (it is the only writer, so what it read on the primary is what it overwrites);
 * reporting sessions read both registers in one snapshot on a standby whose replay a long query holds
 * back. The transactional checker (Elle's method on Adya's definitions) judges the same history under
 * both models.
 */
import { TxnRecorder, checkTransactions, type MicroOp, type TxnCheckResult } from '@dslab/check';
import type { Scenario, ScenarioResult } from '../../contract';
import { buildReplicationCluster, replicationParams } from '../../replication/cluster';
import { loop } from './support';

interface SnapshotRun {
  readonly transactions: number;
  readonly snapshotReads: number;
  readonly serializable: TxnCheckResult;
  readonly strict: TxnCheckResult;
  readonly hash: string;
}

const READERS = 3;

function runStandbySnapshots(seed: number, durationMs: number): SnapshotRun {
  const params = replicationParams.parse({ clients: READERS + 1, readers: READERS, durationMs });
  const cluster = buildReplicationCluster(params, seed, { scripted: true, readPolicyOf: () => 'primary' });
  const { world } = cluster;
  const txns = new TxnRecorder();
  const writer = cluster.client('c1');
  let step = 0;
  loop(world, 10, durationMs, 5, (next) => {
    const key = step++ % 2 === 0 ? 'x' : 'y';
    const value = `${key}${step}`;
    const t = txns.invoke(
      'writer',
      [
        { f: 'r', key, value: null },
        { f: 'w', key, value },
      ],
      world.now(),
    );
    writer.read(key, (read) => {
      if (read.outcome !== 'ok') {
        txns.fail(t, world.now());
        return next();
      }
      writer.write(key, value, (write) => {
        const ops: MicroOp[] = [
          { f: 'r', key, value: read.value ?? null },
          { f: 'w', key, value },
        ];
        if (write.outcome === 'ok') txns.ok(t, ops, world.now());
        else if (write.outcome === 'fail') txns.fail(t, world.now());
        else txns.info(t, world.now());
        next();
      });
    });
  });
  // A long report on n3 holds its replay back: its snapshots are consistent, and old.
  world.at(150, 'long query on n3', () => cluster.node('n3').holdReplay(durationMs));
  let snapshotReads = 0;
  for (let i = 0; i < READERS; i++) {
    const reader = cluster.client(`c${i + 2}`);
    const process = `report-${i + 1}`;
    loop(world, 20 + i * 7, durationMs, 15, (next) => {
      const t = txns.invoke(
        process,
        [
          { f: 'r', key: 'x', value: null },
          { f: 'r', key: 'y', value: null },
        ],
        world.now(),
      );
      reader.read(
        'x',
        (op) => {
          if (op.outcome === 'ok') {
            snapshotReads++;
            txns.ok(
              t,
              [
                { f: 'r', key: 'x', value: op.value ?? null },
                { f: 'r', key: 'y', value: op.also?.[0] ?? null },
              ],
              world.now(),
            );
          } else txns.fail(t, world.now());
          next();
        },
        'n3',
        ['y'],
      );
    });
  }
  world.runFor(durationMs + 300);
  const history = txns.history();
  return {
    transactions: history.length,
    snapshotReads,
    serializable: checkTransactions(history, { model: 'rw-register', consistency: 'serializable' }),
    strict: checkTransactions(history, { model: 'rw-register', consistency: 'strict-serializable' }),
    hash: world.traceHash().slice(0, 8),
  };
}

export const serializableNotStrict: Scenario = {
  id: 'serializable-not-strict',
  title: 'A stale but consistent standby snapshot: serializable, not strict',
  claim:
    'Serializability has no real-time order; strict serializability has both: a replica serving an old but consistent ' +
    'snapshot is serializable and not strict.',
  expected: 'holds',
  rows: ['B4'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 1 : 4;
    const durationMs = quick ? 400 : 1_000;
    const results = Array.from({ length: runs }, (_, i) => runStandbySnapshots(seed * 100 + i, durationMs));
    const serializable = results.filter((r) => r.serializable.valid).length;
    const notStrict = results.filter((r) => !r.strict.valid).length;
    const realtime = results.reduce((n, r) => n + (r.strict.counts['G-single-realtime'] ?? 0), 0);
    const cycle = results.find((r) => !r.strict.valid)?.strict.anomalies[0]?.cycle;
    const holds = serializable === runs && notStrict === runs;
    const anomalyTypes = [...new Set(results.flatMap((r) => Object.keys(r.strict.counts)))];
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${results.reduce((n, r) => n + r.transactions, 0)} transactions (${results.reduce((n, r) => n + r.snapshotReads, 0)} snapshot reads on a standby held back by a long query): ` +
        `${serializable} of ${runs} histories serializable, ${notStrict} of ${runs} not strict serializable ` +
        `(${anomalyTypes.join(', ') || 'no anomaly'}; ${realtime} G-single-realtime cycles: a report began after a write completed and read the value it overwrote).`,
      measurements: {
        runs,
        transactions: results.reduce((n, r) => n + r.transactions, 0),
        snapshotReads: results.reduce((n, r) => n + r.snapshotReads, 0),
        serializable,
        notStrictSerializable: notStrict,
        gSingleRealtime: realtime,
      },
      tables: [
        {
          title: 'Each run under both models',
          columns: ['run', 'transactions', 'serializable', 'strict serializable', 'anomalies under strict'],
          rows: results.map((r, i) => [
            i + 1,
            r.transactions,
            String(r.serializable.valid),
            String(r.strict.valid),
            Object.entries(r.strict.counts)
              .map(([k, v]) => `${k} ×${v}`)
              .join(', '),
          ]),
        },
      ],
      ...(cycle
        ? {
            counterexample: cycle.map(
              (e) =>
                `T${e.from} -${e.kind}${e.key !== undefined ? `(${String(e.key)})` : ''}-> T${e.to}: ${e.why}`,
            ),
          }
        : {}),
      traceHash: results.map((r) => r.hash).join(''),
    };
  },
};
