/**
 * How one fuzz seed of the quorum store runs: a random configuration (conflict mode, levels, read
 * repair, strict or sloppy quorums) under the standard nemesis — partitions, crashes, pauses, clock
 * faults, loss — then a heal and a quiet phase in which anti-entropy and handoff must converge every
 * key's replicas. The invariants are checked at every event; convergence once the run is over.
 *
 * There is no linearizability check here: no setting of this store is linearizable under these
 * faults (the `quorum-*` scenarios show each way it breaks), so a history check would fail every seed.
 */
import { Rng } from '@dslab/sim';
import type { FuzzSpec } from '../kit';
import { standardNemesis } from '../kit';
import {
  CONVERGENCE_CHECK,
  convergenceProblem,
  quorumParams,
  settle,
  type QuorumCluster,
  type QuorumParams,
} from './cluster';
import type { QuorumMutant } from './messages';
import { conflictModes, type ConflictMode } from './versions';

/** After the final heal: gossip must see every node again (failAfterMs), then hints and anti-entropy run. */
export const CONVERGE_MS = 8_000;

/** Each mutant's first catching seed, measured with `dslab fuzz quorum --mutant <name> --stop-on-first` and pinned. */
const mutants: FuzzSpec<QuorumParams, QuorumCluster>['mutants'] = [
  {
    name: 'repair-overwrites',
    breaks:
      'read repair sends the first reply it got to every replica that differs, which installs it without merging',
    seed: 0,
    caughtBy: 'read repair never moves a replica back',
  },
  {
    name: 'handoff-wrong-node',
    breaks: "a stand-in hands a hint to the key's first preferred node instead of the node the hint names",
    seed: 0,
    caughtBy: 'hints go only to the node they were meant for',
  },
  {
    name: 'dvv-merge-drops-dot',
    breaks:
      'sync treats a later dot of the same server as covering an earlier one, as a per-server vector would',
    seed: 0,
    caughtBy: 'a DVV merge never drops an undominated dot',
  },
  {
    name: 'hints-keyed-by-node',
    breaks: "a stand-in keeps one hint per node, so a second key's write folds into the first key's hint",
    seed: 1,
    caughtBy: 'every value read was written to that key',
  },
  {
    name: 'merkle-off-by-one',
    breaks: "the tree walk's child loop stops one short and never descends into an inner node's last child",
    seed: 1,
    caughtBy: CONVERGENCE_CHECK,
  },
];

/** The mode a mutant needs to show (its bug lives in that mode's code). */
const modeFor: Partial<Record<QuorumMutant, ConflictMode>> = {
  'dvv-merge-drops-dot': 'dvv',
  'hints-keyed-by-node': 'lww',
  'repair-overwrites': 'lww',
};

export function fuzzParams(seed: number, mutant: string | undefined): QuorumParams {
  const rng = new Rng(seed).fork('quorum-params');
  const pick = <T>(items: readonly T[]): T => items[rng.int(items.length)] as T;
  const m = mutant as QuorumMutant | undefined;
  const conflict = (m && modeFor[m]) ?? pick(conflictModes);
  const readLevel = pick(['one', 'quorum', 'all'] as const);
  const writeLevel = pick(['one', 'quorum', 'all'] as const);
  const readRepair =
    m === 'repair-overwrites' ? 'async' : pick(['async', 'async', 'blocking', 'off'] as const);
  return quorumParams.parse({
    nodes: 5,
    replicas: 3,
    conflict,
    readLevel,
    writeLevel,
    sloppy: m === 'handoff-wrong-node' || m === 'hints-keyed-by-node' ? true : rng.next() < 0.75,
    readRepair,
    antiEntropyMs: 300,
    clients: 4,
    opsPerSecond: 160,
    keys: 6,
    durationMs: 3_000,
    ...(m ? { mutant: m } : {}),
  });
}

export const quorumFuzz: FuzzSpec<QuorumParams, QuorumCluster> = {
  mutants,
  params: fuzzParams,
  nemesis: ({ world, nodes }, seed, params) =>
    standardNemesis(world, seed, nodes, {
      startMs: 200,
      endMs: params.durationMs - 200,
      meanIntervalMs: 200,
      maxDurationMs: 800,
    }),
  drive: (cluster, params) => {
    cluster.world.runFor(params.durationMs);
    cluster.phase = 'stop';
    settle(cluster, CONVERGE_MS, 100);
    return undefined;
  },
  finalChecks: [{ name: CONVERGENCE_CHECK, check: convergenceProblem }],
};
