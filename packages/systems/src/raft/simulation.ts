/** Raft on the kit: how its world is built, measured, drawn, judged and fuzzed. */
import { kvModel } from '@dslab/check';
import type { FuzzOptions, FuzzOutcome } from '../contract';
import { fuzzSeed, type SimulationSpec } from '../kit';
import { buildRaftCluster, type RaftCluster, type RaftParams } from './cluster';
import { raftFuzz } from './fuzz';
import { raftDetail, raftMetrics, raftNodeCards } from './live';

export const raftSimulation: SimulationSpec<RaftParams, RaftCluster> = {
  systemId: 'raft',
  build: (params, seed, trace) => buildRaftCluster(params, seed, { trace }),
  durationMs: (params) => params.durationMs,
  metrics: raftMetrics,
  history: {
    of: (cluster) => cluster.recorder.history(),
    judge: { model: () => kvModel(null), maxStates: 300_000 },
  },
  nodes: raftNodeCards,
  detail: raftDetail,
  liveChecks: (cluster) => ({ 'raft safety': cluster.safety.report() }),
  fuzz: raftFuzz,
};

/** One fuzz seed of Raft (what `dslab fuzz raft` runs per seed). */
export function fuzzRaft(seed: number, options: FuzzOptions = {}): FuzzOutcome {
  return fuzzSeed(raftSimulation, seed, options);
}
