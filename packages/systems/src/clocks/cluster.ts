/** Builds a clocks world from params: what the free run, the scenarios, the fuzzer and the lab share. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { installInvariants } from './invariants';
import type { ClockMessage } from './messages';
import { ClockNode, clockMutants, type ClockNodeConfig } from './node';
import { ntpdDefaults } from './physical';
import { CausalRecorder } from './recorder';

export const REFERENCE = 'ref';

export const clockParams = z
  .object({
    members: z.number().int().min(2).max(16).default(3),
    /** Mean local ms between a member's workload actions (0: none). */
    actionIntervalMs: z.number().min(0).max(60_000).default(20),
    writeChance: z.number().min(0).max(1).default(0.3),
    pingChance: z.number().min(0).max(1).default(0.3),
    commitChance: z.number().min(0).max(1).default(0.15),
    chainChance: z.number().min(0).max(1).default(0.5),
    keys: z.number().int().min(1).max(1_000).default(3),
    /** Local ms between NTP polls of the reference (0: clocks never synchronised, no TrueTime). */
    syncIntervalMs: z.number().min(0).max(3_600_000).default(1_000),
    /** Correct the wall clock from the polls (false: polls feed TrueTime only, the wall clock runs free). */
    disciplineClock: z.boolean().default(true),
    gossipIntervalMs: z.number().min(0).max(60_000).default(200),
    latencyMs: z.number().min(0).max(10_000).default(1),
    jitterMs: z.number().min(0).max(10_000).default(2),
    /** Each member's clock starts off true time by up to ± this (drawn from the seed). */
    clockSpreadMs: z.number().min(0).max(600_000).default(20),
    /** Each member's clock drifts by up to ± this (drawn from the seed). */
    driftSpreadPpm: z.number().min(0).max(100_000).default(50),
    /** TrueTime's bound on a member's oscillator error. */
    driftBoundPpm: z.number().min(0).max(100_000).default(200),
    durationMs: z.number().positive().max(3_600_000).default(3_000),
    mutant: z.enum(clockMutants).optional(),
  })
  .strict();

export type ClockParams = z.infer<typeof clockParams>;

export interface ClockCluster {
  readonly world: World;
  readonly recorder: CausalRecorder;
  readonly members: readonly string[];
}

export function memberIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

export function clockConfig(params: ClockParams, role: ClockNodeConfig['role']): ClockNodeConfig {
  return {
    role,
    members: memberIds(params.members),
    reference: REFERENCE,
    actionIntervalMs: params.actionIntervalMs,
    writeChance: params.writeChance,
    pingChance: params.pingChance,
    commitChance: params.commitChance,
    chainChance: params.chainChance,
    keys: params.keys,
    syncIntervalMs: params.syncIntervalMs,
    disciplineClock: params.disciplineClock,
    gossipIntervalMs: params.gossipIntervalMs,
    discipline: ntpdDefaults,
    driftBoundPpm: params.driftBoundPpm,
    ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
  };
}

export interface BuildOptions {
  /** The recorder keeps every event (scenarios compare them pairwise; fuzzing only checks). */
  readonly keep?: boolean;
  /** Install the invariants (default); a scenario showing a broken variant measures it instead. */
  readonly invariants?: boolean;
  /** Clock offsets (ms) and drifts (ppm) per member instead of the seed's draw. */
  readonly clocks?: readonly { readonly offsetMs: number; readonly driftPpm: number }[];
}

export function buildClockWorld(
  params: ClockParams,
  seed: number,
  trace: TraceMode = 'hash',
  options: BuildOptions = {},
): ClockCluster {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const members = memberIds(params.members);
  const draw = world.rng.fork('clocks');
  const member = clockConfig(params, 'member');
  members.forEach((id, i) => {
    const clock = options.clocks?.[i] ?? {
      offsetMs: draw.uniform(-params.clockSpreadMs, params.clockSpreadMs),
      driftPpm: draw.uniform(-params.driftSpreadPpm, params.driftSpreadPpm),
    };
    world.addNode(id, (env: Env<ClockMessage>) => new ClockNode(env, member), { clock: clock });
  });
  const reference = clockConfig(params, 'reference');
  world.addNode(REFERENCE, (env: Env<ClockMessage>) => new ClockNode(env, reference));
  const recorder = new CausalRecorder(world, options.keep ?? false);
  if (options.invariants ?? true) installInvariants(world, recorder);
  return { world, recorder, members };
}

/** Undefined when every member that is up holds each key's largest-timestamp write; otherwise the first that does not. */
export function divergence(cluster: ClockCluster): string | undefined {
  const expected = [...cluster.recorder.winners.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
  for (const id of cluster.members) {
    if (!cluster.world.isUp(id)) continue;
    const held = new Map(
      cluster.world
        .node<ClockNode>(id)
        .values()
        .map((w) => [w.key, w]),
    );
    for (const winner of expected) {
      const value = held.get(winner.key);
      if (value?.id !== winner.id)
        return `${id} holds ${value?.id ?? 'nothing'} for ${winner.key}, not ${winner.id} (ts ${winner.ts.toFixed(3)}), the largest timestamp written`;
    }
  }
  return undefined;
}
