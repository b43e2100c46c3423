/**
 * Backup (after the classic TestBackup): a deposed leader comes back holding a long tail of entries that
 * never committed, and the new leader must find where their logs agree. The same run is made twice —
 * with fast back-off (the follower's refusal names its conflicting term) and with the basic algorithm
 * (one entry back per refusal) — counting the conflicting entries really present when the network heals
 * and the AppendEntries round trips each needed to repair the follower.
 */
import { catchViolation } from '@dslab/sim';
import type { Scenario, ScenarioResult, Verdict } from '../../contract';
import type { RaftNode } from '../node';
import type { RaftMessage } from '../types';
import { inject, scriptedCluster, waitForLeader } from './harness';

const LOST_WRITES = 50;
const GOOD_WRITES = 50;

export interface Repair {
  /** Entries of the old leader that the new leader's log does not hold, at heal time. */
  readonly conflictingEntries: number;
  /** Distinct terms among them. */
  readonly conflictingTerms: number;
  /** AppendEntries the new leader sent the old one between the heal and the repair. */
  readonly appends: number;
  /** …of which the old leader refused (a heartbeat's refusal of a probe already in flight included). */
  readonly refusals: number;
  /**
   * Round trips spent looking for where the logs agree: refusals naming distinct resume points. Each
   * needs the answer to the one before, so they add up in time; duplicate refusals run alongside.
   */
  readonly roundTrips: number;
  readonly repairMs: number;
  readonly repaired: boolean;
  readonly problem: string | undefined;
  readonly hash: string;
}

function conflictsBetween(stale: RaftNode, leader: RaftNode): { entries: number; terms: number } {
  const terms = new Set<number>();
  let entries = 0;
  for (let i = stale.log.snapshotIndex + 1; i <= stale.log.lastIndex; i++) {
    const term = stale.log.term(i) as number;
    if (i > leader.log.snapshotIndex && leader.log.term(i) !== term) {
      entries++;
      terms.add(term);
    }
  }
  return { entries, terms: terms.size };
}

export function runBackup(seed: number, fastBackoff: boolean): Repair {
  const cluster = scriptedCluster({ nodes: 5, fastBackoff }, seed, { logMatchingEvery: 1 });
  const { world } = cluster;
  let conflicts = { entries: 0, terms: 0 };
  let appends = 0;
  let refusals = 0;
  const resumePoints = new Set<number>();
  let repairMs = 0;
  let repaired = false;
  const problem = catchViolation(() => {
    const old = (waitForLeader(cluster) as RaftNode).id;
    const others = cluster.servers.filter((id) => id !== old);
    // Cut the leader off alone and hand it writes it can never commit: they stay in its log only.
    world.network.partition([[old], others]);
    for (let seq = 1; seq <= LOST_WRITES; seq++)
      inject(cluster, old, 'c1', { f: 'put', key: 'x', value: `lost${seq}` }, seq);
    const next = waitForLeader(cluster, 5_000, others) as RaftNode;
    const lastGood = 100 + GOOD_WRITES - 1;
    for (let seq = 100; seq <= lastGood; seq++)
      inject(cluster, next.id, 'c1', { f: 'put', key: 'x', value: `good${seq}` }, seq);
    world.runFor(500);
    const stale = world.node<RaftNode>(old);
    conflicts = conflictsBetween(stale, next);
    const stop = world.onTrace((event) => {
      if (event.kind !== 'send') return;
      const msg = event.msg as RaftMessage;
      if (event.from === next.id && event.to === old && msg.type === 'append') appends++;
      if (event.from === old && event.to === next.id && msg.type === 'append-reply' && !msg.success) {
        refusals++;
        resumePoints.add(msg.conflictIndex);
      }
    });
    world.network.heal();
    const healedAt = world.now();
    const done = () => world.node<RaftNode>(old).machine.read('x').value === `good${lastGood}`;
    repaired = world.runUntilCondition(done, 5_000);
    repairMs = world.now() - healedAt;
    stop();
  })?.message;
  return {
    conflictingEntries: conflicts.entries,
    conflictingTerms: conflicts.terms,
    appends,
    refusals,
    roundTrips: resumePoints.size,
    repairMs,
    repaired,
    problem: problem ?? cluster.safety.report(),
    hash: cluster.world.traceHash(),
  };
}

/**
 * The verdict from the two runs: it holds when a long conflicting tail was really there, both runs
 * repaired the follower safely, fast back-off needed about one round trip per conflicting term, one entry
 * at a time needed one per conflicting entry, and the difference is at least fivefold.
 */
export function judgeBackup(fast: Repair, slow: Repair): Verdict {
  const conflicting = fast.conflictingEntries;
  const longTail = conflicting >= LOST_WRITES / 2;
  const fastIsPerTerm = fast.roundTrips <= fast.conflictingTerms + 1;
  const slowIsPerEntry = slow.roundTrips >= conflicting;
  const ok =
    fast.problem === undefined &&
    slow.problem === undefined &&
    fast.repaired &&
    slow.repaired &&
    longTail &&
    fastIsPerTerm &&
    slowIsPerEntry &&
    fast.roundTrips * 5 <= slow.roundTrips;
  return ok ? 'holds' : 'fails';
}

export const backup: Scenario = {
  id: 'backup',
  title: 'Backup',
  claim:
    'A follower far behind, with a long conflicting tail, is brought back fast (fast back-off, not one entry per round trip).',
  expected: 'holds',
  rows: ['A1'],
  run({ seed }): ScenarioResult {
    const fast = runBackup(seed, true);
    const slow = runBackup(seed, false);
    const conflicting = fast.conflictingEntries;
    const problem = fast.problem ?? slow.problem;
    return {
      observed: judgeBackup(fast, slow),
      summary:
        `At the heal the old leader held ${conflicting} conflicting entries (${fast.conflictingTerms} term${fast.conflictingTerms === 1 ? '' : 's'}). ` +
        `Fast back-off repaired it in ${fast.roundTrips} back-off round trip${fast.roundTrips === 1 ? '' : 's'} (${fast.refusals} refused, ${fast.appends} AppendEntries sent) and ${fast.repairMs.toFixed(0)} ms; ` +
        `one entry at a time took ${slow.roundTrips} round trips (${slow.refusals} refused, ${slow.appends} sent) and ${slow.repairMs.toFixed(0)} ms.` +
        (fast.repaired && slow.repaired ? '' : ' A follower was not repaired within 5 s.') +
        (problem ? ` Safety: ${problem}` : ''),
      measurements: {
        conflictingEntries: conflicting,
        conflictingTerms: fast.conflictingTerms,
        fastRoundTrips: fast.roundTrips,
        fastRefusals: fast.refusals,
        fastAppends: fast.appends,
        fastRepairMs: fast.repairMs,
        oneEntryRoundTrips: slow.roundTrips,
        oneEntryRefusals: slow.refusals,
        oneEntryAppends: slow.appends,
        oneEntryRepairMs: slow.repairMs,
      },
      tables: [
        {
          title: `Repairing a returning leader's conflicting tail (5 nodes, ${LOST_WRITES} writes it could not commit)`,
          columns: [
            'back-off',
            'conflicting entries',
            'back-off round trips',
            'refused AppendEntries',
            'AppendEntries sent',
            'repair (ms)',
          ],
          rows: [fast, slow].map((r, i) => [
            i === 0 ? 'fast (per term)' : 'one entry',
            r.conflictingEntries,
            r.roundTrips,
            r.refusals,
            r.appends,
            Number(r.repairMs.toFixed(1)),
          ]),
        },
      ],
      traceHash: fast.hash + slow.hash,
    };
  },
};
