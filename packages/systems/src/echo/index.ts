/** The echo system: the kernel's end-to-end demo (catalog N1). */
import {
  InvariantViolation,
  Rng,
  applyFaultSchedule,
  randomFaultSchedule,
  type Env,
  type Message,
  type NodeFactory,
} from '@dslab/sim';
import { fuzzOutcome } from '../fuzz-outcome';
import type {
  FuzzOptions,
  FuzzOutcome,
  LiveNodeView,
  LiveRun,
  RunSummary,
  SystemDefinition,
} from '../contract';
import { EchoNode, type EchoMessage } from './node';
import { buildEchoWorld, echoParams, echoTotals, nodeIds, type EchoParams } from './cluster';
import { echoScenarios } from './scenarios';

export const echoMutants = ['wrong-reply'] as const;

function fuzzOnce(seed: number, options: FuzzOptions = {}): FuzzOutcome {
  const params = echoParams.parse({
    nodes: 5,
    durationMs: 3_000,
    jitterMs: 20,
    mutantWrongReply: options.mutant === 'wrong-reply',
  });
  if (options.mutant !== undefined && !(echoMutants as readonly string[]).includes(options.mutant)) {
    throw new Error(`unknown echo mutant '${options.mutant}' (known: ${echoMutants.join(', ')})`);
  }
  const world = buildEchoWorld(params, seed, options.recordTrace ? 'record' : 'hash');
  const schedule = randomFaultSchedule(new Rng(seed).fork('nemesis'), nodeIds(params.nodes), {
    startMs: 200,
    endMs: params.durationMs - 500,
    meanIntervalMs: 150,
    maxDurationMs: 600,
  });
  applyFaultSchedule(world, schedule);
  return fuzzOutcome(world, seed, () => {
    world.runFor(params.durationMs);
    return undefined;
  });
}

export const echoSystem: SystemDefinition<EchoParams> = {
  id: 'echo',
  title: 'Echo (kernel demo)',
  rows: ['N1'],
  summary:
    'Nodes ping random peers and answer pings over a simulated network. The smallest system that exercises ' +
    'timers, messages, loss, partitions and crashes, and a first measurement: what loss does to a request and its reply.',
  params: echoParams,
  scenarios: echoScenarios,
  run(params, seed): RunSummary {
    const world = buildEchoWorld(params, seed);
    let violation: string | undefined;
    try {
      world.runFor(params.durationMs);
    } catch (error) {
      if (!(error instanceof InvariantViolation)) throw error;
      violation = error.message;
    }
    const totals = echoTotals(world);
    return {
      seed,
      traceHash: world.traceHash(),
      events: world.stats.events,
      virtualMs: world.now(),
      metrics: {
        sent: totals.sent,
        answered: totals.answered,
        timedOut: totals.timedOut,
        meanRttMs: totals.meanRttMs,
        messages: world.stats.sent,
        dropped: world.stats.dropped,
      },
      checks: { invariants: violation },
    };
  },
  fuzz: { mutants: echoMutants, run: fuzzOnce },
  serve(params, members): NodeFactory<Message> {
    const factory = (env: Env<EchoMessage>) =>
      new EchoNode(env, {
        peers: members,
        intervalMs: params.intervalMs,
        timeoutMs: params.timeoutMs,
        maxPings: params.maxPings,
        mutantWrongReply: params.mutantWrongReply,
      });
    return factory as unknown as NodeFactory<Message>;
  },
  live(params, seed): LiveRun {
    const world = buildEchoWorld(params, seed);
    return {
      world,
      view: () => ({
        nodes: world.nodeIds().map((id): LiveNodeView => {
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
        }),
        metrics: { ...echoTotals(world), messages: world.stats.sent, dropped: world.stats.dropped },
        checks: {},
      }),
    };
  },
};
