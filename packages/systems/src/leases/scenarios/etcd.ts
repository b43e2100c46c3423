/**
 * etcd locks: a lease plus a plain put is not a lock (the put overwrites, so every client "holds" it);
 * the transaction that creates the key only when its create revision is 0 is, and the key's revision is
 * the fencing token that lets the storage refuse a paused holder's late write.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { FIGURE_COLUMNS, figureRow, prefixed, runLocks } from './common';

export const etcdPutIsNotALock: Scenario = {
  id: 'etcd-put-is-not-a-lock',
  title: 'An etcd lease with a plain put, against a compare on create revision',
  claim: 'An etcd lease plus `put /lock holder --lease=…` is a lock.',
  expected: 'fails',
  corrected:
    'A plain put overwrites whoever holds the key, so several clients believe they hold it at once. Create the key only if its create revision is 0 (a transaction, or the lock API that does it), and use its revision as a fencing token the storage checks, since a paused holder still outlives its lease.',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 4_000 : 20_000;
    const base = { clients: 3, ttlMs: 300, gcPauseMs: 0, durationMs, fence: 'none' } as const;
    const put = runLocks({ ...base, protocol: 'etcd-put' }, seed).figures;
    const txn = runLocks({ ...base, protocol: 'etcd-txn' }, seed).figures;
    const paused = {
      ...base,
      protocol: 'etcd-txn',
      gcPauseMs: 600,
      gcEveryMs: 1_500,
      durationMs: quick ? 6_000 : 30_000,
    } as const;
    const txnPausedPlain = runLocks(paused, seed).figures;
    const txnPausedFenced = runLocks({ ...paused, fence: 'max-seen' }, seed).figures;
    const putBroken = put.maxBelievers >= 2;
    const txnSound =
      txn.maxBelievers === 1 && txnPausedFenced.corrupted === 0 && txnPausedPlain.corrupted > 0;
    return {
      // The claim fails when the put lets two in; the corrected statement must hold for the verdict to stand.
      observed: putBroken ? (txnSound ? 'fails' : 'partly') : 'holds',
      summary:
        `Lease + plain put: up to ${put.maxBelievers} clients held "the lock" at once (${put.overlapMs} ms), ${put.corrupted} corrupting writes. ` +
        `Create-revision transaction: ${txn.maxBelievers} at a time; with GC pauses its holders still overlap, ${txnPausedPlain.corrupted} corrupting writes without tokens and ${txnPausedFenced.corrupted} with the revision as token (${txnPausedFenced.refused} refused)` +
        (txnSound ? '.' : ' — the corrected statement did not hold on this run.'),
      measurements: {
        ...prefixed('put', put),
        ...prefixed('txn', txn),
        ...prefixed('txn-paused-unfenced', txnPausedPlain),
        ...prefixed('txn-paused-fenced', txnPausedFenced),
      },
      tables: [
        {
          title: 'etcd-like server, 3 clients, lease TTL 300 ms',
          columns: FIGURE_COLUMNS,
          rows: [
            figureRow('lease + put', put),
            figureRow('lease + txn on create revision', txn),
            figureRow('txn, GC pauses, storage ignores tokens', txnPausedPlain),
            figureRow('txn, GC pauses, revision as fencing token', txnPausedFenced),
          ],
        },
      ],
      counterexample: { protocol: 'lease + put', holdersAtOnce: put.maxBelievers, overlapMs: put.overlapMs },
      traceHash: put.traceHash,
    };
  },
};
