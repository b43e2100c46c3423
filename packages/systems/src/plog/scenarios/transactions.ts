/** Transactions: read_committed consumers skip aborted records; read_uncommitted ones process them. */
import type { Scenario } from '../../contract';
import { checkRun, drainCluster, type PlogCluster } from '../cluster';
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

export const transactionScenarios: readonly Scenario[] = [readCommitted, transactionTimeout];
