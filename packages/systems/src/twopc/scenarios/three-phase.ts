/**
 * A3 claim: three-phase commit is still not non-blocking under partitions. One 3PC transaction, and a
 * partition {coordinator, p1} | {p2, p3} that starts at a swept moment of the protocol and lasts
 * `partitionMs`. Two termination rules for the participants cut off from their coordinator:
 *
 * - Skeen's (`assume-crashed`): decide from the peers you hear, taking the silent for crashed. When the cut
 *   falls after p1 got PRECOMMIT but before p2 and p3 did, the coordinator's side commits and the other side,
 *   hearing only "prepared", aborts: the transaction splits.
 * - `wait`: adopt only an outcome a peer already holds, else keep asking the coordinator: never splits,
 *   but blocks for as long as the partition lasts.
 *
 * 2PC under the same cuts is shown beside them for reference. Each cut is one run; the verdict counts them.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { round } from '../stats';
import { blockedMs, maxOf, oneTransaction } from './support';

interface Tally {
  trials: number;
  split: number;
  blocked: number;
  clean: number;
  longestBlockedMs: number;
}

const partitionMs = 2_000;

function cut(
  seed: number,
  offsetMs: number,
  overrides: Record<string, unknown>,
): {
  split: boolean;
  blockedMs: number;
} {
  const cluster = oneTransaction(seed, { latencyMs: 5, jitterMs: 10, ...overrides }, { checked: false });
  const { world } = cluster;
  world.runUntilCondition(() => cluster.observer.txs.size > 0, 1_000);
  world.runFor(offsetMs);
  world.network.partition([
    [cluster.coordinator, 'p1'],
    ['p2', 'p3'],
  ]);
  world.runFor(partitionMs);
  world.network.heal();
  world.runFor(3_000);
  const longest = maxOf(Object.values(blockedMs(cluster)));
  return { split: cluster.observer.split.size > 0, blockedMs: Number.isFinite(longest) ? longest : 0 };
}

function sweep(seed: number, offsets: readonly number[], overrides: Record<string, unknown>): Tally {
  const tally: Tally = { trials: 0, split: 0, blocked: 0, clean: 0, longestBlockedMs: 0 };
  for (const offset of offsets) {
    const r = cut(seed, offset, overrides);
    tally.trials++;
    tally.longestBlockedMs = Math.max(tally.longestBlockedMs, r.blockedMs);
    if (r.split) tally.split++;
    else if (r.blockedMs >= 0.9 * partitionMs) tally.blocked++;
    else tally.clean++;
  }
  return tally;
}

export const threePhaseScenario: Scenario = {
  id: 'three-phase-commit-partition',
  title: 'Three-phase commit under a partition: it splits or it blocks',
  claim: 'Three-phase commit is still not non-blocking under partitions.',
  expected: 'holds',
  rows: ['A3'],
  run(context): ScenarioResult {
    const step = context.quick ? 3 : 1;
    const offsets: number[] = [];
    for (let o = 0; o < 60; o += step) offsets.push(o);
    const skeen = sweep(context.seed, offsets, { protocol: '3pc', termination: 'assume-crashed' });
    const waiting = sweep(context.seed, offsets, { protocol: '3pc', termination: 'wait' });
    const twoPc = sweep(context.seed, offsets, { protocol: '2pc' });
    const holds = skeen.split > 0 && waiting.split === 0 && waiting.blocked > 0;
    const row = (name: string, t: Tally) => [
      name,
      t.trials,
      t.split,
      t.blocked,
      t.clean,
      round(t.longestBlockedMs),
    ];
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `A ${partitionMs} ms partition {co, p1} | {p2, p3} at ${offsets.length} moments of a 3PC transaction: with Skeen's ` +
        `termination rule ${skeen.split} cuts split the outcome (p1 committed, p2 and p3 aborted); with the waiting rule ` +
        `none split, but in ${waiting.blocked} cuts participants stayed blocked for the whole partition (longest ` +
        `${round(waiting.longestBlockedMs)} ms). 2PC: ${twoPc.blocked} blocked, ${twoPc.split} split.`,
      measurements: {
        cuts: offsets.length,
        partitionMs,
        skeenSplits: skeen.split,
        skeenBlocked: skeen.blocked,
        waitSplits: waiting.split,
        waitBlocked: waiting.blocked,
        waitLongestBlockedMs: round(waiting.longestBlockedMs),
        twoPcBlocked: twoPc.blocked,
        twoPcSplits: twoPc.split,
      },
      tables: [
        {
          title: `Partition {co, p1} | {p2, p3} for ${partitionMs} ms, started 0–60 ms after BEGIN`,
          columns: ['protocol', 'cuts', 'split', 'blocked ≥ 90% of it', 'neither', 'longest in doubt (ms)'],
          rows: [
            row("3PC, Skeen's rule (silent = crashed)", skeen),
            row('3PC, wait for an outcome', waiting),
            row('2PC', twoPc),
          ],
        },
      ],
    };
  },
};
