/** Transactions: read_committed consumers skip aborted records; read_uncommitted ones process them. */
import { catchViolation } from '@dslab/sim';
import type { Scenario } from '../../contract';
import { buildPlogCluster, checkRun, drainCluster, plogParams, type PlogCluster } from '../cluster';
import { runCluster } from './support';

function outcome(cluster: PlogCluster) {
  const drained = drainCluster(cluster, 10_000);
  let aborted = 0;
  let abortedProcessed = 0;
  let committed = 0;
  let committedMissed = 0;
  for (const op of cluster.recorder.history()) {
    if (op.type !== 'send') continue;
    const processed = (cluster.effects.get(op.value) ?? 0) > 0;
    if (op.outcome === 'aborted') {
      aborted++;
      if (processed) abortedProcessed++;
    } else if (op.outcome === 'ok') {
      committed++;
      if (!processed) committedMissed++;
    }
  }
  const result = checkRun(cluster);
  return {
    drained,
    aborted,
    abortedProcessed,
    committed,
    committedMissed,
    valid: result.valid,
    abortedReads: result.counts['aborted-read'],
  };
}

export const readCommitted: Scenario = {
  id: 'read-committed',
  title: 'read_committed consumers never process a record of an aborted transaction',
  claim:
    'A read_committed consumer skips aborted transactions’ records; a read_uncommitted one processes them.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_000 : 3_000;
    const common = {
      partitions: 3,
      producers: 2,
      consumers: 2,
      transactional: true,
      transactionRecords: 10,
      abortShare: 0.3,
      durationMs: ms,
    };
    const committedRun = outcome(runCluster({ ...common, isolation: 'read_committed' }, seed, ms));
    const uncommittedRun = outcome(runCluster({ ...common, isolation: 'read_uncommitted' }, seed, ms));
    const holds =
      committedRun.drained &&
      committedRun.valid &&
      committedRun.aborted > 0 &&
      committedRun.abortedProcessed === 0 &&
      committedRun.committedMissed === 0 &&
      uncommittedRun.abortedProcessed > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Transactions of 10 records, 30 % aborted: read_committed processed ${committedRun.abortedProcessed} of ${committedRun.aborted} aborted records and missed ${committedRun.committedMissed} of ${committedRun.committed} committed ones (log checker: ${committedRun.valid ? 'no findings' : 'findings'}); ` +
        `read_uncommitted processed ${uncommittedRun.abortedProcessed} of ${uncommittedRun.aborted} aborted records.`,
      measurements: {
        readCommittedAbortedProcessed: committedRun.abortedProcessed,
        readCommittedAborted: committedRun.aborted,
        readCommittedCommittedMissed: committedRun.committedMissed,
        readCommittedCheckerAbortedReads: committedRun.abortedReads,
        readUncommittedAbortedProcessed: uncommittedRun.abortedProcessed,
        readUncommittedAborted: uncommittedRun.aborted,
      },
    };
  },
};

export const transactionTimeout: Scenario = {
  id: 'transaction-timeout',
  title:
    'A producer that dies inside a transaction stalls read_committed consumers until the transaction times out',
  claim:
    'An open transaction holds back the last stable offset of its partitions: read_committed consumers wait behind it, for everyone’s records, until the coordinator aborts it at transaction.timeout.ms.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const measure = (transactionTimeoutMs: number) => {
      const cluster = runCluster(
        {
          partitions: 2,
          producers: 2,
          consumers: 1,
          transactional: true,
          abortShare: 0,
          isolation: 'read_committed',
          transactionTimeoutMs,
          durationMs: ms,
        },
        seed,
        0,
      );
      // p1 dies mid-transaction and stays down; p2 keeps committing transactions.
      cluster.world.at(ms / 3, 'crash p1', () => cluster.world.crash('p1'));
      cluster.world.runFor(ms);
      cluster.stopProducers();
      cluster.world.runFor(1_000);
      let committed = 0;
      let unprocessed = 0;
      for (const op of cluster.recorder.history()) {
        if (op.type !== 'send' || op.process !== 'p2' || op.outcome !== 'ok') continue;
        committed++;
        if ((cluster.effects.get(op.value) ?? 0) === 0) unprocessed++;
      }
      return { committed, unprocessed, timedOut: cluster.coordinator().timedOut };
    };
    const withTimeout = measure(300);
    const without = measure(600_000);
    const holds = without.unprocessed > 0 && withTimeout.unprocessed === 0 && withTimeout.timedOut > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `p1 crashed inside a transaction. With transaction.timeout.ms = 300 the coordinator aborted it (${withTimeout.timedOut} timed out) and the read_committed consumer processed all but ${withTimeout.unprocessed} of p2's ${withTimeout.committed} committed records; ` +
        `with a timeout longer than the run, ${without.unprocessed} of p2's ${without.committed} committed records were never processed: stuck behind the open transaction.`,
      measurements: {
        timeoutUnprocessed: withTimeout.unprocessed,
        timeoutCommitted: withTimeout.committed,
        timedOut: withTimeout.timedOut,
        noTimeoutUnprocessed: without.unprocessed,
        noTimeoutCommitted: without.committed,
      },
    };
  },
};

/**
 * Records a producer appended to a partition after the partition had seen a newer epoch of the same
 * producer id (a record or a marker): a fenced instance's writes, read off the leaders' logs.
 */
export function zombieAppends(cluster: PlogCluster): string[] {
  const values: string[] = [];
  for (const state of cluster.controller().snapshot().partitions) {
    const leader = state.leader;
    if (leader === undefined || !cluster.world.isUp(leader)) continue;
    const [topic, partition] = [
      state.id.slice(0, state.id.lastIndexOf('/')),
      Number(state.id.split('/').pop()),
    ];
    const newest = new Map<number, number>();
    for (const record of cluster.broker(leader).log(topic, partition)?.all() ?? []) {
      if (record.producerId === undefined) continue;
      const epoch = record.producerEpoch ?? 0;
      const seen = newest.get(record.producerId) ?? -1;
      if (record.control === undefined && epoch < seen && record.value !== null) values.push(record.value);
      if (epoch > seen) newest.set(record.producerId, epoch);
    }
  }
  return values;
}

const TAKEOVERS = 3;

export const zombieFencing: Scenario = {
  id: 'zombie-fencing',
  title: 'A zombie producer is fenced by its successor’s epoch',
  claim:
    'When a new instance takes over a transactional id, the coordinator bumps the producer epoch and aborts the open transaction; brokers then refuse the old instance’s late batches (KIP-98). Without that fencing the zombie’s records land after the abort marker and the next commit exposes them to read_committed consumers.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_200 : 3_000;
    const measure = (fenced: boolean) => {
      // Three times, the instance holding transactional id t1 is cut off just before a new instance with
      // that id starts (the orchestrator took it for dead) and comes back 150 ms later with batches of
      // its old transaction still to send.
      const params = plogParams.parse({
        partitions: 2,
        producers: 1,
        consumers: 1,
        transactional: true,
        // Long transactions: most of the time the holder has batches of an open transaction on their way.
        transactionRecords: 50,
        abortShare: 0,
        zombies: TAKEOVERS,
        isolation: 'read_committed',
        durationMs: ms,
        ...(fenced ? {} : { mutant: 'no-epoch-fencing' }),
      });
      const cluster = buildPlogCluster(params, seed);
      for (let k = 0; k < TAKEOVERS; k++) {
        // The same times buildPlogCluster starts the successors at.
        const takeover = ms * (0.25 + (0.5 * k) / TAKEOVERS);
        const holder = k === 0 ? 'p1' : `p1z${k}`;
        const others = () => cluster.world.nodeIds().filter((id) => id !== holder);
        cluster.world.at(takeover - 20, `isolate ${holder}`, () =>
          cluster.world.network.partition([[holder], others()]),
        );
        cluster.world.at(takeover + 130, 'heal', () => cluster.world.network.heal());
      }
      const violation = catchViolation(() => cluster.world.runFor(ms));
      if (violation) throw violation;
      const drained = drainCluster(cluster, 10_000);
      const result = checkRun(cluster, drained);
      const zombie = zombieAppends(cluster);
      let abortedProcessed = 0;
      for (const op of cluster.recorder.history())
        if (op.type === 'send' && op.outcome === 'aborted' && (cluster.effects.get(op.value) ?? 0) > 0)
          abortedProcessed++;
      return {
        drained,
        zombieAppends: zombie.length,
        zombieProcessed: zombie.filter((v) => (cluster.effects.get(v) ?? 0) > 0).length,
        refused: cluster.producers.reduce((n, id) => n + cluster.producer(id).stats.fenced, 0),
        abortedReads: result.counts['aborted-read'],
        abortedProcessed,
        valid: result.valid,
      };
    };
    const withFencing = measure(true);
    const without = measure(false);
    const holds =
      withFencing.drained &&
      withFencing.valid &&
      withFencing.refused > 0 &&
      withFencing.zombieAppends === 0 &&
      without.zombieAppends > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Three takeovers of a transactional id, each old instance cut off across its successor's start. With epoch fencing: ${withFencing.zombieAppends} zombie appends, ${withFencing.refused} fenced requests, ${withFencing.abortedProcessed} aborted records processed (log checker: ${withFencing.valid ? 'no findings' : 'findings'}); ` +
        `without fencing: ${without.zombieAppends} zombie appends, ${without.zombieProcessed} of them processed by the read_committed consumer once a later commit marker closed them (the zombie's EndTxn was refused, so to it their outcome is unknown and the checker cannot call them aborted: ${without.abortedReads} aborted reads).`,
      measurements: {
        fencedZombieAppends: withFencing.zombieAppends,
        fencedRefusals: withFencing.refused,
        fencedAbortedProcessed: withFencing.abortedProcessed,
        unfencedZombieAppends: without.zombieAppends,
        unfencedZombieProcessed: without.zombieProcessed,
        unfencedAbortedProcessed: without.abortedProcessed,
        unfencedAbortedReads: without.abortedReads,
      },
    };
  },
};

export const transactionScenarios: readonly Scenario[] = [readCommitted, transactionTimeout, zombieFencing];
