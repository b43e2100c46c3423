/** Redis Cluster slots in motion: MOVED, ASK and live resharding with checked clients (catalog D2). */
import { checkLinearizable, kvModel } from '@dslab/check';
import { fuzzOutcome } from '../fuzz-outcome';
import type { FuzzOptions, FuzzOutcome, LiveNodeView, LiveRun, SystemDefinition } from '../contract';
import { buildSlotCluster, runSlotCluster, slotParams, type SlotCluster, type SlotParams } from './cluster';
import type { SlotClient } from './client';
import { slotMutants } from './messages';
import { slotScenarios, stressParams } from './scenarios';

function fuzzOnce(seed: number, options: FuzzOptions = {}): FuzzOutcome {
  const mutant = options.mutant;
  if (mutant !== undefined && !(slotMutants as readonly string[]).includes(mutant)) {
    throw new Error(`unknown slot-migration mutant '${mutant}' (known: ${slotMutants.join(', ')})`);
  }
  const params = slotParams.parse({ ...stressParams, ...(mutant ? { mutant } : {}) });
  const cluster = buildSlotCluster(params, seed, options.recordTrace ? 'record' : 'hash');
  return fuzzOutcome(cluster.world, seed, () => {
    const result = runSlotCluster(cluster, params.durationMs);
    if (result.check.verdict === 'not-linearizable')
      return 'linearizability: a client saw a lost write or a stale read';
    if (result.misplacedKeys > 0)
      return `placement: ${result.misplacedKeys} keys on a node that does not own their slot`;
    if (result.finalReadsFailed > 0) return `liveness: ${result.finalReadsFailed} final reads failed`;
    return undefined;
  });
}

export const slotMigrationSystem: SystemDefinition<SlotParams> = {
  id: 'slot-migration',
  title: 'Redis Cluster slots: MOVED, ASK and live resharding',
  rows: ['D2'],
  summary:
    'Masters own hash slots (CRC16 of the key or its {tag}, mod 16384) and move them key by key while clients keep ' +
    'reading and writing: MIGRATING on the source, IMPORTING on the target, ASK for keys already moved, MOVED once ' +
    'the slot has changed hands. Every client operation is recorded and checked for linearizability.',
  params: slotParams,
  scenarios: slotScenarios,
  fuzz: { mutants: slotMutants, run: fuzzOnce },
  live(params, seed): LiveRun {
    const cluster = buildSlotCluster(params, seed);
    const { world } = cluster;
    return {
      world,
      view: () => ({
        nodes: [
          ...cluster.nodes.map((id): LiveNodeView => {
            const node = cluster.node(id);
            const s = node.snapshot() as {
              keys: number;
              migrating: number[];
              importing: number[];
              served: number;
              moved: number;
              ask: number;
            };
            return {
              id,
              up: world.isUp(id),
              paused: world.isPaused(id),
              role: s.migrating.length > 0 ? 'migrating' : s.importing.length > 0 ? 'importing' : 'master',
              facts: {
                keys: s.keys,
                served: s.served,
                MOVED: s.moved,
                ASK: s.ask,
                migrating: s.migrating.join(',') || '—',
                importing: s.importing.join(',') || '—',
              },
            };
          }),
          ...cluster.clients.map((id): LiveNodeView => {
            const client = world.node<SlotClient>(id);
            return {
              id,
              up: true,
              paused: world.isPaused(id),
              role: 'client',
              facts: { done: client.completed, ...client.redirects },
            };
          }),
        ],
        metrics: { migrations: cluster.migrations.length, operations: cluster.recorder.size },
        checks: {},
      }),
      check: () => ({ verdicts: { linearizable: checkHistory(cluster) }, highlights: [] }),
    };
  },
};

/** The clients' history so far through the linearizability checker: undefined when it holds. */
function checkHistory(cluster: SlotCluster): string | undefined {
  const verdict = checkLinearizable(cluster.recorder.history(), kvModel(null), {
    maxStates: 500_000,
  }).verdict;
  return verdict === 'linearizable' ? undefined : `history is ${verdict}`;
}
