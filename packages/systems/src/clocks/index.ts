/** Clocks (catalog C1): physical clocks under NTP, last-write-wins, Lamport, vector and hybrid logical clocks, TrueTime. */
import type { LiveNodeView, SystemDefinition } from '../contract';
import { simulatedSystem, standardNemesis, type SimulationSpec } from '../kit';
import {
  buildClockWorld,
  clockParams,
  divergence,
  REFERENCE,
  type ClockCluster,
  type ClockParams,
} from './cluster';
import { CONVERGENCE_CHECK } from './invariants';
import type { ClockNode } from './node';
import { clockScenarios } from './scenarios';
import { liveDetail } from './view-detail';

export { clockMutants, ClockNode, type StampEvent } from './node';
export { compareVectors, VectorClock } from './vector';
export { HybridLogicalClock } from './hlc';
export { LamportClock } from './lamport';
export type { ClockLiveDetail, ClockEventDetail, ClockNodeDetail } from './view-detail';

/** After the nemesis heals: gossip rounds enough for every member to hear every value. */
const SETTLE_MS = 2_000;

function formatVector(vector: Readonly<Record<string, number>>): string {
  return Object.entries(vector)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `${id}:${n}`)
    .join(' ');
}

function nodeCards({ world }: ClockCluster): LiveNodeView[] {
  return world.nodeIds().map((id): LiveNodeView => {
    const up = world.isUp(id);
    const s = up ? world.node<ClockNode>(id).snapshot() : undefined;
    const last = s?.last;
    return {
      id,
      up,
      paused: up && world.isPaused(id),
      role: id === REFERENCE ? 'time reference' : 'member',
      facts: s
        ? {
            events: s.events,
            Lamport: last?.lamport ?? 0,
            vector: last ? formatVector(last.vector) : '',
            HLC: last ? `${last.hlc.l}.${last.hlc.c}` : '',
            'clock offset ms': Number(world.clock(id).offset().toFixed(2)),
            commits: s.commits,
          }
        : {},
    };
  });
}

export const clockSimulation: SimulationSpec<ClockParams, ClockCluster> = {
  systemId: 'clocks',
  build: (params, seed, trace) => buildClockWorld(params, seed, trace),
  durationMs: (params) => params.durationMs,
  metrics: ({ world, recorder }) => ({
    events: recorder.eventCount,
    messages: world.stats.sent,
    'ε measured ms': Number.isFinite(recorder.epsilonMs) ? recorder.epsilonMs : 0,
    'max l − pt ms': recorder.maxLMinusPt,
    'max HLC counter': recorder.maxCounter,
    commits: recorder.commitsDone,
    'mean commit wait ms': recorder.commitsDone > 0 ? recorder.waitSumMs / recorder.commitsDone : 0,
  }),
  nodes: nodeCards,
  detail: ({ world, recorder }) => liveDetail(world, recorder, REFERENCE),
  fuzz: {
    mutants: [
      {
        name: 'lamport-forget-max',
        breaks: 'a receive ticks the Lamport clock without first taking the maximum with the message',
        seed: 0,
        caughtBy: 'lamport clocks respect happens-before',
      },
      {
        name: 'vector-forget-merge',
        breaks: "a receive ticks the node's own entry without merging the message's vector",
        seed: 0,
        caughtBy: 'vector clocks equal the causal past',
      },
      {
        name: 'hlc-forget-receive-max',
        breaks: "an HLC receive takes max(l, pt) and forgets the message's l",
        seed: 0,
        caughtBy: 'hlc respects happens-before',
      },
      {
        name: 'hlc-receive-forgets-physical-time',
        breaks: 'an HLC receive takes max(l, message l) and forgets its own physical time',
        seed: 0,
        caughtBy: 'hlc l is the largest physical time in the causal past',
      },
      {
        name: 'hlc-counter-never-resets',
        breaks: 'the HLC counter keeps counting when l moves on instead of going back to 0',
        seed: 0,
        caughtBy: 'hlc counter is bounded',
      },
      {
        name: 'truetime-ignore-drift',
        breaks:
          "TrueTime's uncertainty does not grow with time since the last exchange (the oscillator trusted)",
        seed: 2,
        caughtBy: 'truetime intervals contain true time',
      },
      {
        name: 'skip-commit-wait',
        breaks: 'a commit takes s = latest and is visible at once, without waiting for earliest > s',
        seed: 0,
        caughtBy: 'truetime commits are externally consistent',
      },
      {
        name: 'lww-last-arrival-wins',
        breaks: 'a replica keeps whichever write arrived last instead of the largest timestamp',
        seed: 0,
        caughtBy: CONVERGENCE_CHECK,
      },
    ],
    params: (_seed, mutant) =>
      clockParams.parse({
        members: 4,
        durationMs: 3_000,
        syncIntervalMs: 250,
        // The nemesis drifts clocks by up to ±2,000 ppm: TrueTime's bound must cover it to be a bound.
        driftBoundPpm: 2_500,
        ...(mutant ? { mutant } : {}),
      }),
    nemesis: ({ world, members }, seed, params) =>
      standardNemesis(world, seed, members, {
        startMs: 300,
        endMs: params.durationMs - 500,
        meanIntervalMs: 150,
        maxDurationMs: 600,
      }),
    drive: (cluster, params) => {
      const { world, members } = cluster;
      world.runFor(params.durationMs);
      for (const id of members) if (world.isUp(id)) world.node<ClockNode>(id).stopWorkload();
      world.runFor(SETTLE_MS);
      return undefined;
    },
    finalChecks: [{ name: CONVERGENCE_CHECK, check: divergence }],
  },
};

export const clockSystem: SystemDefinition<ClockParams> = {
  id: 'clocks',
  title: 'Clocks',
  rows: ['C1'],
  view: 'clocks',
  summary:
    'Members with drifting, NTP-disciplined clocks stamp every event with their physical clock, a Lamport clock, ' +
    'a vector clock and a hybrid logical clock, all checked against the true causal order the simulator knows; ' +
    'last-write-wins under skew, and TrueTime intervals with commit wait, measured.',
  params: clockParams,
  scenarios: clockScenarios,
  ...simulatedSystem(clockSimulation),
};
