/**
 * The commit decision replicated through consensus (Gray and Lamport, "Consensus on Transaction Commit"):
 * the outcome lives in a 3-member Raft KV group instead of the coordinator's log. The coordinator crashes at
 * the same two points as in the other scenarios — after PREPARE (votes on the wire), and right after the
 * group accepted COMMIT (its own COMMIT messages to the participants lost) — and stays down. Prepared
 * participants that hear nothing propose ABORT to the group; whichever proposal came first wins and
 * everybody adopts it. A third run takes two of the three members down with the coordinator: the group
 * itself then needs a majority, and the participants block.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { round } from '../stats';
import { afterTrace, blockedMs, maxOf, oneTransaction, outcomes, runUntilResolved } from './support';

interface Run {
  readonly outcome: string;
  readonly longestBlockedMs: number;
  readonly consistent: boolean;
}

/** The group has elected its first leader well before this (elections time out after 150–300 ms). */
const GROUP_READY_MS = 1_000;

function run(seed: number, when: 'after-prepare' | 'after-commit', groupDown: number, downMs: number): Run {
  const cluster = oneTransaction(seed, { decisions: 'raft' }, {}, GROUP_READY_MS);
  const { world } = cluster;
  let crashed = false;
  const crash = () => {
    crashed = true;
    world.crash(cluster.coordinator);
    for (const member of cluster.group.slice(0, groupDown)) world.crash(member);
    world.after(downMs, 'restart', () => {
      world.restart(cluster.coordinator);
      for (const member of cluster.group.slice(0, groupDown)) world.restart(member);
    });
  };
  world.runUntilCondition(() => {
    const record = cluster.observer.txs.values().next().value;
    if (!record) return false;
    for (const p of record.at.values()) if (p.preparedAt === undefined) return false;
    return true;
  }, GROUP_READY_MS + 3_000);
  if (when === 'after-commit') {
    // The coordinator's own COMMIT messages never arrive: the participants must get it from the group.
    for (const p of cluster.participants) world.network.blockOneWay(cluster.coordinator, p);
    afterTrace(
      world,
      cluster.coordinator,
      'decide',
      () => {
        crash();
        world.network.heal();
      },
      (d) => d['outcome'] === 'commit',
    );
  } else crash();
  runUntilResolved(cluster, GROUP_READY_MS + downMs + 6_000);
  if (!crashed) throw new Error(`decision-group-unblocks: the coordinator never reached ${when}`);
  const out = Object.values(outcomes(cluster));
  return {
    outcome: out.join('/'),
    longestBlockedMs: maxOf(Object.values(blockedMs(cluster))),
    consistent: out.every((o) => o === out[0] && o !== '—'),
  };
}

export const decisionGroupScenario: Scenario = {
  id: 'decision-group-unblocks',
  title: 'The decision held by a Raft group: no single point of blocking',
  claim:
    'Replicating the commit decision through consensus (Paxos Commit, a Raft-held outcome) removes the coordinator as a single point of blocking.',
  expected: 'holds',
  rows: ['A3'],
  run(context): ScenarioResult {
    const downMs = context.quick ? 2_000 : 5_000;
    const afterPrepare = run(context.seed, 'after-prepare', 0, downMs);
    const afterCommit = run(context.seed, 'after-commit', 0, downMs);
    const noMajority = run(context.seed, 'after-prepare', 2, downMs);
    const fast = Math.max(afterPrepare.longestBlockedMs, afterCommit.longestBlockedMs);
    const holds =
      afterPrepare.consistent &&
      afterCommit.consistent &&
      afterCommit.outcome.startsWith('commit') &&
      fast < 0.5 * downMs &&
      noMajority.longestBlockedMs >= 0.9 * downMs;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `With the coordinator down ${downMs} ms the participants asked the Raft group and were in doubt at most ` +
        `${round(afterPrepare.longestBlockedMs)} ms (crash after PREPARE: ${afterPrepare.outcome.split('/')[0]}) and ` +
        `${round(afterCommit.longestBlockedMs)} ms (crash after the group took COMMIT: ${afterCommit.outcome.split('/')[0]}). ` +
        `The price moves, it does not vanish: with 2 of 3 members down as well they blocked ${round(noMajority.longestBlockedMs)} ms.`,
      measurements: {
        downMs,
        afterPrepareBlockedMs: round(afterPrepare.longestBlockedMs),
        afterCommitBlockedMs: round(afterCommit.longestBlockedMs),
        noMajorityBlockedMs: round(noMajority.longestBlockedMs),
      },
      tables: [
        {
          title: `Coordinator down ${downMs} ms; the outcome in a 3-member Raft KV`,
          columns: ['crash', 'group members down', 'outcome (p1/p2/p3)', 'longest in doubt (ms)'],
          rows: [
            ['after PREPARE', 0, afterPrepare.outcome, round(afterPrepare.longestBlockedMs)],
            ['after the group took COMMIT', 0, afterCommit.outcome, round(afterCommit.longestBlockedMs)],
            ['after PREPARE', 2, noMajority.outcome, round(noMajority.longestBlockedMs)],
          ],
        },
      ],
    };
  },
};
