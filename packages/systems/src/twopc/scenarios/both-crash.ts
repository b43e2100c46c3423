/**
 * A3 claim, partly: "if the coordinator and a participant both crash, nobody knows the outcome". The
 * coordinator forces COMMIT; only p1's copy of the decision gets through (the links to p2 and p3 are cut
 * for that moment); then the coordinator and p1 crash together. p2 and p3 are in doubt and nobody they can
 * reach knows: they are blocked, which is the true half. But the outcome is not lost: the coordinator's log
 * has COMMIT and p1's log has its commit, so once the coordinator restarts every participant commits.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { round } from '../stats';
import {
  afterTrace,
  blockedMs,
  minOf,
  oneTransaction,
  outcomes,
  runUntilResolved,
  theTransaction,
} from './support';

export const bothCrashScenario: Scenario = {
  id: 'coordinator-and-participant-crash',
  title: 'Coordinator and a participant crash: blocked, not lost',
  claim: 'If coordinator and a participant both crash, nobody knows the outcome.',
  expected: 'partly',
  corrected:
    'The survivors cannot know while both are down — they are blocked, holding locks — but the outcome is not ' +
    "lost: it is in the coordinator's forced log (and in the crashed participant's), and recovery delivers it.",
  rows: ['A3'],
  run(context): ScenarioResult {
    const downMs = context.quick ? 1_500 : 5_000;
    const cluster = oneTransaction(context.seed);
    const { world } = cluster;
    const co = cluster.coordinator;
    // All votes in: cut the coordinator off from p2 and p3 so only p1 hears the decision.
    world.runUntilCondition(() => {
      const record = cluster.observer.txs.values().next().value;
      if (!record) return false;
      for (const p of record.at.values()) if (p.preparedAt === undefined) return false;
      return true;
    }, 2_000);
    world.network.blockOneWay(co, 'p2');
    world.network.blockOneWay(co, 'p3');
    let crashedAt = 0;
    let survivorsLockedDuringOutage = 0;
    afterTrace(
      world,
      'p1',
      'resolved',
      () => {
        world.crash(co);
        world.crash('p1');
        world.network.heal();
        crashedAt = world.now();
        world.after(downMs / 2, 'sample', () => {
          survivorsLockedDuringOutage =
            (cluster.participantNode('p2')?.lockCount ?? 0) + (cluster.participantNode('p3')?.lockCount ?? 0);
        });
        world.after(downMs, 'restart', () => {
          world.restart(co);
          world.restart('p1');
        });
      },
      (data) => data['outcome'] === 'commit',
    );
    const resolved = runUntilResolved(cluster, downMs + 8_000);
    const blocked = blockedMs(cluster);
    const survivorsBlocked = minOf([blocked['p2'] ?? 0, blocked['p3'] ?? 0]);
    const outcome = outcomes(cluster);
    const allCommitted = Object.values(outcome).every((o) => o === 'commit');
    const recovered = cluster.coordinatorNode()?.snapshot().recovered ?? 0;
    const tx = theTransaction(cluster);
    const blockedWhileDown = survivorsBlocked >= 0.9 * downMs && survivorsLockedDuringOutage === 2;
    const notLost = resolved && allCommitted && recovered === 1 && tx.answer === 'commit';
    return {
      observed: blockedWhileDown && notLost ? 'partly' : blockedWhileDown ? 'holds' : 'fails',
      summary:
        `The coordinator and p1 (the only participant that had heard COMMIT) crashed ${round(crashedAt)} ms in, for ` +
        `${downMs} ms: p2 and p3 stayed in doubt ≥ ${round(survivorsBlocked)} ms holding ${survivorsLockedDuringOutage} row locks — ` +
        `nobody reachable knew. The restarted coordinator recovered ${recovered} COMMIT from its log and every ` +
        `participant committed: blocked, not lost.`,
      measurements: {
        downMs,
        survivorsBlockedMs: round(survivorsBlocked),
        survivorsLockedDuringOutage,
        recoveredFromLog: recovered,
        committed: Object.values(outcome).filter((o) => o === 'commit').length,
      },
      tables: [
        {
          title: 'Each participant',
          columns: ['participant', 'in doubt (ms)', 'outcome'],
          rows: Object.keys(blocked).map((id) => [id, round(blocked[id] ?? 0), outcome[id] ?? '—']),
        },
      ],
      counterexample: { blockedParticipants: ['p2', 'p3'], whileDown: ['co', 'p1'], downMs },
      traceHash: world.traceHash(),
    };
  },
};
