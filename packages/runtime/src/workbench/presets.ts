/**
 * The settings of the well-known "Gossip Glomers" challenges as presets, and the efficiency targets
 * the broadcast ones set. A target is judged from the run's measured figures only: messages between
 * nodes per operation (Maelstrom's server msgs-per-op) and the broadcast workload's stable latencies.
 */
import type { WorkbenchOptions, WorkbenchResult } from './run';

export interface PresetTarget {
  /** What is measured, as printed. */
  readonly what: string;
  /** The figure must stay strictly below this. */
  readonly below: number;
  readonly unit: string;
  /** The measured figure, or undefined when the run did not produce it. */
  readonly measure: (result: WorkbenchResult) => number | undefined;
}

export interface WorkbenchPreset {
  readonly name: string;
  readonly description: string;
  /** The run's settings; flags given on the command line win over these. */
  readonly options: Partial<Omit<WorkbenchOptions, 'bin' | 'progress'>>;
  readonly targets: readonly PresetTarget[];
}

export interface TargetOutcome {
  readonly what: string;
  readonly below: number;
  readonly unit: string;
  readonly measured: number | undefined;
  readonly met: boolean;
}

const serverMessagesPerOp = (limit: number): PresetTarget => ({
  what: 'messages between nodes per operation',
  below: limit,
  unit: '',
  measure: (r) => r.messages.betweenNodesPerOperation,
});

/** The broadcast workload's stable latency at quantile `key` (see workloads/broadcast.ts). */
function stableLatency(key: 'p50' | 'max', limit: number): PresetTarget {
  return {
    what: key === 'p50' ? 'median stable latency' : 'maximum stable latency',
    below: limit,
    unit: 'ms',
    measure: (r) => {
      const stable = r.details.stableLatencyMs as Readonly<Record<string, unknown>> | undefined;
      const value = stable?.[key];
      return typeof value === 'number' ? value : undefined;
    },
  };
}

/** Challenge 3d and 3e share their settings: 25 nodes, 100 ms latency, 100 operations per second, 20 s. */
const efficiencySettings = {
  workload: 'broadcast',
  nodeCount: 25,
  latencyMs: 100,
  latencyDist: 'constant',
  rate: 100,
  timeLimitS: 20,
} as const;

export const workbenchPresets: readonly WorkbenchPreset[] = [
  {
    name: 'echo',
    description: 'challenge 1: one node echoes for 10 s',
    options: { workload: 'echo', nodeCount: 1, timeLimitS: 10 },
    targets: [],
  },
  {
    name: 'unique-ids',
    description: 'challenge 2: 3 nodes, 1000 ids per second for 30 s, under partitions',
    options: { workload: 'unique-ids', nodeCount: 3, timeLimitS: 30, rate: 1000, nemesis: ['partition'] },
    targets: [],
  },
  {
    name: 'broadcast-multi',
    description: 'challenge 3b: 5 nodes, rate 10, 20 s',
    options: { workload: 'broadcast', nodeCount: 5, timeLimitS: 20, rate: 10 },
    targets: [],
  },
  {
    name: 'broadcast-fault-tolerant',
    description: 'challenge 3c: 5 nodes, rate 10, 20 s, under partitions',
    options: { workload: 'broadcast', nodeCount: 5, timeLimitS: 20, rate: 10, nemesis: ['partition'] },
    targets: [],
  },
  {
    name: 'broadcast-efficiency',
    description: 'challenge 3d: 25 nodes, 100 ms latency, rate 100, 20 s',
    options: efficiencySettings,
    targets: [serverMessagesPerOp(30), stableLatency('p50', 400), stableLatency('max', 600)],
  },
  {
    name: 'broadcast-efficiency-2',
    description: 'challenge 3e: the same settings, fewer messages, more latency allowed',
    options: efficiencySettings,
    targets: [serverMessagesPerOp(20), stableLatency('p50', 1_000), stableLatency('max', 2_000)],
  },
];

export const presetNames: readonly string[] = workbenchPresets.map((p) => p.name);

export function presetNamed(name: string): WorkbenchPreset {
  const preset = workbenchPresets.find((p) => p.name === name);
  if (!preset) throw new RangeError(`unknown preset '${name}' (known: ${presetNames.join(', ')})`);
  return preset;
}

/** Each target against what the run measured; a figure the run did not produce is not met. */
export function judgeTargets(preset: WorkbenchPreset, result: WorkbenchResult): TargetOutcome[] {
  return preset.targets.map((target) => {
    const measured = target.measure(result);
    return {
      what: target.what,
      below: target.below,
      unit: target.unit,
      measured,
      met: measured !== undefined && measured < target.below,
    };
  });
}
