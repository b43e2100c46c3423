/**
 * A3 claim, fails: "if a participant crashes after voting YES, the coordinator times out and rolls back".
 * Two runs of the same transfer. In the first, p2 crashes before its YES gets out: the coordinator's vote
 * timeout aborts, as the claim says. In the second, p2 crashes just after its YES left: every vote is YES,
 * the coordinator forces COMMIT and must keep resending it; p2 restarts, finds its `prepared` record,
 * takes its locks back and commits. Rolling p2 back would break atomicity.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { round } from '../stats';
import { twoPcParams } from '../cluster';
import {
  ONE_TRANSFER,
  afterTrace,
  blockedMs,
  oneTransaction,
  outcomes,
  runUntilResolved,
  theTransaction,
} from './support';

interface Trial {
  readonly outcome: Record<string, string>;
  readonly answer: string;
  readonly resends: number;
  readonly p2InDoubtMs: number;
  readonly p2Row: number | undefined;
  readonly traceHash: string;
}

function trial(seed: number, voteGetsOut: boolean, downMs: number): Trial {
  const cluster = oneTransaction(seed);
  const { world } = cluster;
  // "Before its vote gets out": p2's messages to the coordinator are cut until it has crashed.
  if (!voteGetsOut) world.network.blockOneWay('p2', cluster.coordinator);
  afterTrace(world, 'p2', 'vote-yes', () => {
    world.crash('p2');
    world.network.heal();
    world.after(downMs, 'restart p2', () => world.restart('p2'));
  });
  let commitsToP2 = 0;
  world.onTrace((e) => {
    if (e.kind !== 'send' || e.from !== cluster.coordinator || e.to !== 'p2') return;
    const msg = e.msg as { type?: string; outcome?: string };
    if (msg.type === 'decision' && msg.outcome === 'commit') commitsToP2++;
  });
  runUntilResolved(cluster, downMs + 5_000);
  const p2 = cluster.participantNode('p2')?.snapshot();
  return {
    outcome: outcomes(cluster),
    answer: theTransaction(cluster).answer ?? '—',
    resends: Math.max(0, commitsToP2 - 1),
    p2InDoubtMs: blockedMs(cluster)['p2'] ?? 0,
    p2Row: p2?.rows.find(([key]) => key === 'a0')?.[1],
    traceHash: world.traceHash(),
  };
}

export const participantCrashScenario: Scenario = {
  id: 'participant-crash-after-yes',
  title: 'A participant that crashed after voting YES is driven to commit',
  claim: 'If a participant crashes after voting YES, the coordinator times out and rolls back.',
  expected: 'fails',
  corrected:
    'Only a vote that never arrived lets the coordinator abort. Once every YES is in, the decision may already ' +
    'be COMMIT: the coordinator keeps resending it, and the participant, on restart, finds its prepared ' +
    'record, re-takes its locks and commits.',
  rows: ['A3'],
  run(context): ScenarioResult {
    const downMs = context.quick ? 1_000 : 3_000;
    const lost = trial(context.seed, false, downMs);
    const out = trial(context.seed, true, downMs);
    const committedEverywhere = Object.values(out.outcome).every((o) => o === 'commit');
    const claimHeldWhereVoteLost = Object.values(lost.outcome).every((o) => o === 'abort');
    // The claim fails when a participant that crashed after YES ends committed (its row has the credit).
    const credit = ONE_TRANSFER.find((leg) => leg.participant === 'p2')?.ops[0]?.add ?? 0;
    const credited = twoPcParams.parse({}).initialRow + credit;
    const fails = committedEverywhere && out.p2Row === credited && out.resends > 0;
    return {
      observed: fails ? 'fails' : 'holds',
      summary:
        `p2 crashed for ${downMs} ms. Before its YES got out: ${lost.answer} (the vote timeout), as claimed. ` +
        `After its YES left: the coordinator answered ${out.answer}, resent COMMIT ${out.resends} times, and p2 came back ` +
        `from its log and committed after ${round(out.p2InDoubtMs)} ms in doubt (its row ${out.p2Row ?? '—'}, ` +
        `credited) — no rollback.`,
      measurements: {
        downMs,
        voteLostAborted: claimHeldWhereVoteLost ? 1 : 0,
        afterYesCommitted: committedEverywhere ? 1 : 0,
        commitResends: out.resends,
        p2InDoubtMs: round(out.p2InDoubtMs),
        p2RowAfter: out.p2Row ?? -1,
      },
      tables: [
        {
          title: 'p2 crashes around its YES vote',
          columns: ['case', 'answer', 'p1', 'p2', 'p3', 'COMMIT resends', 'p2 in doubt (ms)'],
          rows: [
            [
              'crash before the YES gets out',
              lost.answer,
              lost.outcome['p1'] ?? '—',
              lost.outcome['p2'] ?? '—',
              lost.outcome['p3'] ?? '—',
              lost.resends,
              round(lost.p2InDoubtMs),
            ],
            [
              'crash after the YES left',
              out.answer,
              out.outcome['p1'] ?? '—',
              out.outcome['p2'] ?? '—',
              out.outcome['p3'] ?? '—',
              out.resends,
              round(out.p2InDoubtMs),
            ],
          ],
        },
      ],
      counterexample: { p2Crashed: 'after its YES left', outcomes: out.outcome, commitResends: out.resends },
      traceHash: out.traceHash,
    };
  },
};
