/** The echo system: the kernel's end-to-end demo (catalog N1). */
import type { Env, Message, NodeFactory, World } from '@dslab/sim';
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import { EchoNode, type EchoMessage } from './node';
import { buildEchoWorld, echoConfig, echoParams, echoTotals, nodeIds, type EchoParams } from './cluster';
import { echoScenarios } from './scenarios';

export { echoMutants } from './node';

interface EchoCluster {
  readonly world: World;
}

function nodeCards(world: World): LiveNodeView[] {
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    const snapshot = up ? world.node<EchoNode>(id).snapshot() : undefined;
    return {
      id,
      up,
      paused: up && world.isPaused(id),
      facts: snapshot
        ? {
            sent: snapshot.sent,
            answered: snapshot.answered,
            'timed out': snapshot.timedOut,
            'mean RTT ms': Number(snapshot.meanRttMs.toFixed(2)),
          }
        : {},
    };
  });
}

export const echoSimulation: SimulationSpec<EchoParams, EchoCluster> = {
  systemId: 'echo',
  build: (params, seed, trace) => ({ world: buildEchoWorld(params, seed, trace) }),
  durationMs: (params) => params.durationMs,
  metrics: ({ world }) => ({
    ...echoTotals(world),
    messages: world.stats.sent,
    dropped: world.stats.dropped,
  }),
  nodes: ({ world }) => nodeCards(world),
  fuzz: {
    mutants: [
      {
        name: 'wrong-reply',
        breaks: 'a node answers a ping with a request number that was never asked',
        seed: 0,
        caughtBy: 'no unexpected replies',
      },
      {
        name: 'count-late-reply',
        breaks: 'a reply that arrives after its request timed out is counted as answered too',
        seed: 0,
        caughtBy: 'every request accounted for',
      },
    ],
    params: (_seed, mutant) =>
      echoParams.parse({ nodes: 5, durationMs: 3_000, jitterMs: 20, ...(mutant ? { mutant } : {}) }),
    nemesis: ({ world }, seed, params) =>
      standardNemesis(world, seed, nodeIds(params.nodes), {
        startMs: 200,
        endMs: params.durationMs - 500,
        meanIntervalMs: 150,
        maxDurationMs: 600,
      }),
    drive: ({ world }, params) => {
      world.runFor(params.durationMs);
      return undefined;
    },
    finalChecks: [],
  },
};

export const echoSystem: SystemDefinition<EchoParams> = {
  id: 'echo',
  title: 'Echo (kernel demo)',
  rows: ['N1'],
  summary:
    'Nodes ping random peers and answer pings over a simulated network. The smallest system that exercises ' +
    'timers, messages, loss, partitions and crashes, and a first measurement: what loss does to a request and its reply.',
  params: echoParams,
  scenarios: echoScenarios,
  ...simulatedSystem(echoSimulation),
  serve(params, members): NodeFactory<Message> {
    const factory = (env: Env<EchoMessage>) => new EchoNode(env, echoConfig(params, members));
    return factory as unknown as NodeFactory<Message>;
  },
};
