/**
 * Consistency models (catalog B4): a COPS-style causally consistent store with single-key and snapshot
 * reads, and the claims of B4 measured on it, on the replication system's standbys (as transactions) and
 * on the clocks system's hybrid logical and vector clocks.
 */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { CAUSAL_CHECK, CONVERGENCE_CHECK, causalProblem, convergenceProblem } from './checks';
import { buildCausalCluster, causalParams, type CausalCluster, type CausalParams } from './cluster';
import { consistencyScenarios } from './scenarios';

export { buildCausalCluster, causalParams, type CausalCluster, type CausalParams } from './cluster';
export { CausalReplica, causalMutants } from './replica';
export { CausalClient } from './client';
export { exampleHistories, versionsOf, type ExampleHistory } from './examples';

/** After the nemesis heals: resend rounds enough for every replica to receive every write. */
const SETTLE_MS = 1_500;

function nodeCards(cluster: CausalCluster): LiveNodeView[] {
  const { world } = cluster;
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    const paused = up && world.isPaused(id);
    if (cluster.replicas.includes(id)) {
      const s = up ? cluster.replica(id).snapshot() : undefined;
      return {
        id,
        up,
        paused,
        role: 'replica',
        facts: s
          ? {
              lamport: s.lamport,
              ...Object.fromEntries(Object.entries(s.visible).map(([k, v]) => [k, v.value])),
              'waiting for deps': s.pending,
              unacknowledged: s.unacked,
            }
          : {},
      };
    }
    const s = up ? cluster.client(id).snapshot() : undefined;
    return {
      id,
      up,
      paused,
      role: `client of ${cluster.replicaOf.get(id) ?? '?'}`,
      facts: s ? { session: s.session, 'in flight': s.inFlight } : {},
    };
  });
}

function metrics(cluster: CausalCluster): Record<string, number> {
  let applied = 0;
  let buffered = 0;
  let pending = 0;
  for (const id of cluster.replicas) {
    if (!cluster.world.isUp(id)) continue;
    const s = cluster.replica(id).snapshot();
    applied += s.applied;
    buffered += s.buffered;
    pending += s.pending;
  }
  return {
    operations: cluster.recorder.size,
    'remote writes applied': applied,
    'waited for a dependency': buffered,
    'waiting now': pending,
    messages: cluster.world.stats.sent,
  };
}

export const consistencySimulation: SimulationSpec<CausalParams, CausalCluster> = {
  systemId: 'consistency',
  build: (params, seed, trace) => buildCausalCluster(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics,
  nodes: nodeCards,
  liveChecks: (cluster) => ({ [CAUSAL_CHECK]: causalProblem(cluster) }),
  fuzz: {
    mutants: [
      {
        name: 'expose-before-deps',
        breaks: 'a replica makes a remote write visible as soon as it arrives, before its dependencies',
        seed: 2,
        caughtBy: CAUSAL_CHECK,
      },
      {
        name: 'last-arrival-wins',
        breaks: 'a replica shows whichever write of a key arrived last instead of the largest version',
        seed: 0,
        caughtBy: CONVERGENCE_CHECK,
      },
    ],
    params: (seed, mutant) =>
      causalParams.parse({
        replicas: 3,
        clients: 6,
        // Many keys and quick sessions: a write shown before its dependency is read by someone soon enough.
        keys: 6,
        thinkMs: 3,
        durationMs: 1_500,
        writeShare: 0.3,
        ...(mutant ? { mutant } : {}),
      }),
    // Replicas keep their state in memory (durability is not what this store is about): no crashes.
    nemesis: ({ world, replicas }, seed, params) =>
      standardNemesis(world, seed, replicas, {
        startMs: 200,
        endMs: params.durationMs - 300,
        meanIntervalMs: 200,
        maxDurationMs: 500,
        families: ['partition', 'pause', 'clock', 'link'],
      }),
    drive: (cluster, params) => {
      const { world } = cluster;
      world.runFor(params.durationMs);
      for (const id of cluster.clients) if (world.isUp(id)) cluster.client(id).stopped = true;
      // What the healed store must achieve is judged by the convergence check (a write stuck in a buffer shows there).
      world.runFor(SETTLE_MS);
      return undefined;
    },
    // Convergence first: a replica that shows the last arrival also reads back in time, which the causal check would see too.
    finalChecks: [
      { name: CONVERGENCE_CHECK, check: convergenceProblem },
      { name: CAUSAL_CHECK, check: causalProblem },
    ],
  },
};

export const consistencySystem: SystemDefinition<CausalParams> = {
  id: 'consistency',
  title: 'Consistency models',
  rows: ['B4'],
  view: 'consistency',
  summary:
    'A COPS-style causally consistent store (writes carry their dependencies; a replica shows a write only once they are visible) ' +
    'with single-key and causally consistent snapshot reads, its histories judged by the consistency classifier; ' +
    'serializable versus strict serializable on stale standby snapshots; hybrid logical versus vector clocks on concurrency.',
  params: causalParams,
  scenarios: consistencyScenarios,
  ...simulatedSystem(consistencySimulation),
};
