/**
 * A3 claim: a coordinator that crashes after PREPARE leaves the participants blocked, holding their row
 * locks. One transfer across three participants; the coordinator dies the moment the third participant
 * has voted YES (the votes are still on the wire) and stays down for `downMs`. We measure how long each
 * participant stays in doubt and how many rows stay locked while it is down, then what the restarted
 * coordinator's log says (no COMMIT record: presumed abort).
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { round } from '../stats';
import {
  blockedMs,
  locksHeld,
  minOf,
  oneTransaction,
  outcomes,
  runUntilResolved,
  theTransaction,
} from './support';

export const coordinatorCrashScenario: Scenario = {
  id: 'coordinator-crash-blocks',
  title: 'A coordinator crash after PREPARE blocks the participants, locks held',
  claim: 'A coordinator crash after PREPARE leaves participants blocked holding locks.',
  expected: 'holds',
  rows: ['A3'],
  run(context): ScenarioResult {
    const downMs = context.quick ? 1_500 : 5_000;
    const cluster = oneTransaction(context.seed);
    const { world, observer } = cluster;
    const allPrepared = world.runUntilCondition(() => {
      const record = observer.txs.values().next().value;
      if (!record) return false;
      for (const p of record.at.values()) if (p.preparedAt === undefined) return false;
      return true;
    }, 2_000);
    if (!allPrepared) throw new Error('coordinator-crash-blocks: the participants never all prepared');
    world.crash(cluster.coordinator);
    const crashedAt = world.now();
    world.runFor(downMs / 2);
    const lockedMidOutage = locksHeld(cluster);
    const inDoubtMidOutage = observer.inDoubt().length;
    let inquiries = 0;
    const stop = world.onTrace((e) => {
      if (e.kind === 'node' && e.name === 'inquire') inquiries++;
    });
    world.runFor(downMs / 2);
    stop();
    world.restart(cluster.coordinator);
    const resolved = runUntilResolved(cluster, 5_000);
    const blocked = blockedMs(cluster);
    const shortest = minOf(Object.values(blocked));
    const outcome = outcomes(cluster);
    const tx = theTransaction(cluster);
    const allAborted = Object.values(outcome).every((o) => o === 'abort');
    const holds =
      resolved && shortest >= 0.9 * downMs && lockedMidOutage === tx.participants.length && allAborted;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `The coordinator crashed ${round(crashedAt)} ms in, with all ${tx.participants.length} participants prepared, ` +
        `and stayed down ${downMs} ms: every participant stayed in doubt at least ${round(shortest)} ms, ` +
        `${lockedMidOutage} rows stayed locked mid-outage and ${inquiries} inquiries went unanswered. ` +
        `Restarted, its log had no COMMIT record, so presumed abort rolled all of them back.`,
      measurements: {
        downMs,
        shortestBlockedMs: round(shortest),
        lockedRowsMidOutage: lockedMidOutage,
        inDoubtMidOutage,
        unansweredInquiries: inquiries,
        aborted: Object.values(outcome).filter((o) => o === 'abort').length,
      },
      tables: [
        {
          title: 'Each participant (the coordinator down from the last YES vote)',
          columns: ['participant', 'in doubt (ms)', 'outcome'],
          rows: Object.keys(blocked).map((id) => [id, round(blocked[id] ?? 0), outcome[id] ?? '—']),
        },
      ],
      traceHash: world.traceHash(),
    };
  },
};
