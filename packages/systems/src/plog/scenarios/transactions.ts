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

export const transactionScenarios: readonly Scenario[] = [readCommitted];
