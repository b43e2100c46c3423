/**
 * How one fuzz seed runs: transfers through 2PC with the outcome in the coordinator's log (most seeds)
 * or in a Raft group, or through 3PC with the waiting termination rule, under the standard nemesis —
 * crashes (coordinator, participants, group members), partitions, pauses, clock faults, loss and
 * duplication — then a heal and a quiet phase in which everything in doubt must be resolved.
 * Atomicity and "no unilateral decision" are checked after every event; the rest once it is over.
 * (3PC with Skeen's rule splits under partitions by design: the `three-phase-commit` scenario shows it,
 * so it is not fuzzed.)
 */
import { Rng } from '@dslab/sim';
import { standardNemesis, type FuzzSpec } from '../kit';
import { twoPcParams, type TwoPcCluster, type TwoPcParams } from './cluster';
import { conservation, locksReleased, settle, unresolved } from './checks';
import type { TwoPcMutant } from './types';

const FUZZ_MS = 4_000;

/** Each mutant's first catching seed, measured with `dslab fuzz twopc --mutant <name> --stop-on-first` and pinned. */
const mutants: FuzzSpec<TwoPcParams, TwoPcCluster>['mutants'] = [
  {
    name: 'forget-decision-log',
    breaks: 'the coordinator restarts without reading its log, so a logged COMMIT becomes a presumed abort',
    seed: 18,
    caughtBy: 'atomicity',
  },
  {
    name: 'abort-after-yes-on-timeout',
    breaks: 'a participant that voted YES aborts on its own when the outcome is slow to come',
    seed: 0,
    caughtBy: 'no unilateral decision',
  },
  {
    name: 'apply-at-prepare',
    breaks: 'a participant writes its rows at PREPARE and does not undo them when the transaction aborts',
    seed: 0,
    caughtBy: 'conservation',
  },
  {
    name: 'keep-locks-after-abort',
    breaks: "a participant keeps an aborted transaction's row locks",
    seed: 0,
    caughtBy: 'locks released',
  },
  {
    name: 'never-inquire',
    breaks: 'a prepared participant never asks about the outcome, so a lost ABORT leaves it blocked',
    seed: 1,
    caughtBy: 'liveness',
  },
];

/** The mode a mutant's bug lives in (the others would route around it). */
const coordinatorOnly: readonly TwoPcMutant[] = ['forget-decision-log', 'never-inquire'];

export function fuzzParams(seed: number, mutant: string | undefined): TwoPcParams {
  const rng = new Rng(seed).fork('twopc-params');
  const m = mutant as TwoPcMutant | undefined;
  const roll = rng.int(6);
  const mode =
    m !== undefined && coordinatorOnly.includes(m)
      ? { protocol: '2pc', decisions: 'coordinator' }
      : roll < 3
        ? { protocol: '2pc', decisions: 'coordinator' }
        : roll < 5
          ? { protocol: '2pc', decisions: 'raft' }
          : { protocol: '3pc', termination: 'wait' };
  return twoPcParams.parse({
    ...mode,
    participants: 3 + rng.int(2),
    width: 2 + rng.int(2),
    rows: 3 + rng.int(6),
    txIntervalMs: 20 + rng.int(40),
    loss: 0,
    durationMs: FUZZ_MS,
    ...(m !== undefined ? { mutant: m } : {}),
  });
}

export const twoPcFuzz: FuzzSpec<TwoPcParams, TwoPcCluster> = {
  mutants,
  params: fuzzParams,
  nemesis: (cluster, seed, params) =>
    standardNemesis(cluster.world, seed, [cluster.coordinator, ...cluster.participants, ...cluster.group], {
      startMs: 200,
      endMs: params.durationMs - 500,
      meanIntervalMs: 250,
      maxDurationMs: 800,
      maxDown: 2,
    }),
  drive: (cluster, params) => {
    cluster.world.runUntil(params.durationMs);
    settle(cluster);
    return unresolved(cluster);
  },
  finalChecks: [
    { name: 'locks released', check: locksReleased },
    { name: 'conservation', check: conservation },
  ],
};
