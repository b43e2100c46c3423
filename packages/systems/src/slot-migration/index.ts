/** Redis Cluster slots in motion: MOVED, ASK and live resharding with checked clients (catalog D2). */
import { kvModel } from '@dslab/check';
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  FINAL_PHASE_MS,
  buildSlotCluster,
  driveSlotCluster,
  failedFinalReads,
  misplacedKeys,
  slotParams,
  type SlotCluster,
  type SlotParams,
} from './cluster';
import type { SlotClient } from './client';
import type { SlotNodeSnapshot } from './node';
import { slotScenarios, stressParams } from './scenarios';

function nodeCards(cluster: SlotCluster): LiveNodeView[] {
  const { world } = cluster;
  return [
    ...cluster.nodes.map((id): LiveNodeView => {
      const up = world.isUp(id);
      if (!up) return { id, up, paused: false, role: 'crashed', facts: {} };
      const s: SlotNodeSnapshot = cluster.node(id).snapshot();
      return {
        id,
        up,
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
  ];
}

export const slotSimulation: SimulationSpec<SlotParams, SlotCluster> = {
  systemId: 'slot-migration',
  build: buildSlotCluster,
  durationMs: (params) => params.durationMs,
  metrics: (cluster) => ({
    migrations: cluster.migrations.length,
    operations: cluster.recorder.size,
    messages: cluster.world.stats.sent,
    dropped: cluster.world.stats.dropped,
  }),
  history: {
    of: (cluster) => cluster.recorder.history(),
    judge: { model: () => kvModel(null), maxStates: 1_000_000 },
  },
  nodes: nodeCards,
  fuzz: {
    mutants: [
      {
        name: 'delete-before-ack',
        breaks: 'the source deletes a migrated key before the target has acknowledged it',
        seed: 0,
        caughtBy: 'linearizable',
      },
    ],
    params: (_seed, mutant) => slotParams.parse({ ...stressParams, ...(mutant ? { mutant } : {}) }),
    // Masters keep their keys in memory only (as Redis without persistence), so a crash is data loss by
    // design, not a bug to find. Redis speaks over TCP, which never duplicates a command: the link
    // faults (duplication, loss) would test a transport Redis does not have. So the nemesis partitions
    // and pauses nodes and clients; timeouts, redirects and resends all happen under it.
    nemesis: (cluster, seed, params) =>
      standardNemesis(cluster.world, seed, [...cluster.nodes, ...cluster.clients], {
        startMs: 200,
        endMs: params.durationMs - 500,
        meanIntervalMs: 300,
        maxDurationMs: 400,
        families: ['partition', 'pause'],
      }),
    drive: (cluster, params) => {
      driveSlotCluster(cluster, params.durationMs);
      const failed = failedFinalReads(cluster, params.durationMs);
      return failed > 0
        ? `${failed} final reads failed within ${FINAL_PHASE_MS} ms of the healed cluster`
        : undefined;
    },
    finalChecks: [
      'linearizable',
      {
        name: 'placement',
        check: (cluster) => {
          const misplaced = misplacedKeys(cluster);
          return misplaced > 0 ? `${misplaced} keys on a node that does not own their slot` : undefined;
        },
      },
    ],
  },
};

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
  ...simulatedSystem(slotSimulation),
};
