/**
 * The harness every message-passing system runs on. A system describes its world once (how it is built
 * from params and seed, what it measures, how its clients' history is judged, what its nodes look like,
 * how it is fuzzed and which mutants the fuzzer must catch) and `simulatedSystem` derives from that the
 * free run, the live run the lab drives, fuzzing and replay — the same way for every system.
 */
import type { History } from '@dslab/check';
import { catchViolation, type TraceMode, type World } from '@dslab/sim';
import type {
  FuzzOptions,
  FuzzOutcome,
  LiveCheck,
  LiveDetail,
  LiveNodeView,
  LiveRun,
  MutantSpec,
  RunSummary,
  SystemDefinition,
} from '../contract';
import { describeOperation, judgeHistory, type HistoryJudge } from './history-check';
import { validateMutant } from './mutants';

/** Whatever a system builds: at least the kernel's World, plus the system's own handles on it. */
export interface Simulated {
  readonly world: World;
}

/** A check run once a fuzz run has ended: undefined when it holds, otherwise what is wrong. */
export interface FinalCheck<C> {
  readonly name: string;
  check(cluster: C): string | undefined;
}

/** Where, among a system's final checks, its client history is judged. */
export const HISTORY_CHECK = 'linearizable' as const;

export interface FuzzSpec<P, C extends Simulated> {
  readonly mutants: readonly MutantSpec[];
  /** The params of one fuzz seed, with the mutant switched on. Seeds may vary safe protocol options. */
  params(seed: number, mutant: string | undefined): P;
  /**
   * Builds a fuzz seed's world when it needs more than `build(params)` (client timeouts tuned to the
   * seed's profile, say); the spec's `build` otherwise.
   */
  build?(params: P, seed: number, trace: TraceMode): C;
  /** Schedules this seed's faults on the freshly built cluster (see `standardNemesis`). */
  nemesis(cluster: C, seed: number, params: P): void;
  /**
   * Drives the run to its end (faults, heal, a final phase). Returns a liveness failure when the healed
   * system did not finish what it had to; undefined otherwise.
   */
  drive(cluster: C, params: P): string | undefined;
  /** Checked in this order once the run ended; `HISTORY_CHECK` marks where the history is judged (first by default). */
  readonly finalChecks: readonly (FinalCheck<C> | typeof HISTORY_CHECK)[];
}

export interface SimulationSpec<P, C extends Simulated> {
  readonly systemId: string;
  /** Builds the world from params and seed: nodes, clients, invariants installed. */
  build(params: P, seed: number, trace: TraceMode): C;
  /** How long a free run lasts, in virtual milliseconds. */
  durationMs(params: P): number;
  /** Named figures of a run so far, for the CLI, the lab's metrics strip and tests. */
  metrics(cluster: C): Record<string, number>;
  /** The clients' recorded history and how it is judged, for systems with clients. */
  readonly history?: {
    of(cluster: C): History;
    readonly judge: HistoryJudge;
  };
  /** The nodes as the lab's generic cards draw them. */
  nodes(cluster: C): LiveNodeView[];
  /** The system's own picture for its registered view (see `SystemDefinition.view`). */
  detail?(cluster: C): LiveDetail;
  /** Cheap checks shown live, beside the invariants the world enforces: name → problem or undefined. */
  liveChecks?(cluster: C): Record<string, string | undefined>;
  readonly fuzz?: FuzzSpec<P, C>;
}

/** The parts of a SystemDefinition that the harness derives from a SimulationSpec. */
export type SimulatedParts<P> = Required<Pick<SystemDefinition<P>, 'run' | 'live'>> &
  Pick<SystemDefinition<P>, 'fuzz'>;

export function simulatedSystem<P, C extends Simulated>(spec: SimulationSpec<P, C>): SimulatedParts<P> {
  return {
    run: (params, seed) => freeRun(spec, params, seed),
    live: (params, seed) => liveRun(spec, spec.build(params, seed, 'hash')),
    ...(spec.fuzz
      ? {
          fuzz: {
            mutants: spec.fuzz.mutants.map((m) => m.name),
            pinned: spec.fuzz.mutants,
            run: (seed: number, options?: FuzzOptions) => fuzzSeed(spec, seed, options ?? {}),
          },
        }
      : {}),
  };
}

function freeRun<P, C extends Simulated>(spec: SimulationSpec<P, C>, params: P, seed: number): RunSummary {
  const cluster = spec.build(params, seed, 'hash');
  const { world } = cluster;
  const violation = catchViolation(() => world.runFor(spec.durationMs(params)));
  const checks: Record<string, string | undefined> = { invariants: violation?.message };
  if (spec.history)
    checks[HISTORY_CHECK] = judgeHistory(spec.history.of(cluster), spec.history.judge).problem;
  return {
    seed,
    traceHash: world.traceHash(),
    events: world.stats.events,
    virtualMs: world.now(),
    metrics: spec.metrics(cluster),
    checks,
  };
}

/** One fuzz seed: build, schedule the nemesis, drive, then the final checks in order; the first failure wins. */
export function fuzzSeed<P, C extends Simulated>(
  spec: SimulationSpec<P, C>,
  seed: number,
  options: FuzzOptions,
): FuzzOutcome {
  const fuzz = spec.fuzz;
  if (!fuzz) throw new Error(`${spec.systemId} has no fuzzer`);
  const mutant = validateMutant(
    spec.systemId,
    fuzz.mutants.map((m) => m.name),
    options.mutant,
  );
  const params = fuzz.params(seed, mutant);
  const trace = options.recordTrace ? 'record' : 'hash';
  const cluster = fuzz.build ? fuzz.build(params, seed, trace) : spec.build(params, seed, trace);
  const { world } = cluster;
  fuzz.nemesis(cluster, seed, params);
  let failed: { check: string; failure: string } | undefined;
  const violation = catchViolation(() => {
    const stuck = fuzz.drive(cluster, params);
    if (stuck !== undefined) {
      failed = { check: 'liveness', failure: `liveness: ${stuck}` };
      return;
    }
    failed = runFinalChecks(spec, fuzz, cluster);
  });
  if (violation) failed = { check: violation.invariant, failure: violation.message };
  return {
    ok: failed === undefined,
    seed,
    ...(failed ? failed : {}),
    traceHash: world.traceHash(),
    events: world.stats.events,
    virtualMs: world.now(),
    ...(world.events.length > 0 ? { trace: world.events } : {}),
  };
}

function runFinalChecks<P, C extends Simulated>(
  spec: SimulationSpec<P, C>,
  fuzz: FuzzSpec<P, C>,
  cluster: C,
): { check: string; failure: string } | undefined {
  const order = fuzz.finalChecks.includes(HISTORY_CHECK)
    ? fuzz.finalChecks
    : [HISTORY_CHECK, ...fuzz.finalChecks];
  for (const entry of order) {
    if (entry === HISTORY_CHECK) {
      if (!spec.history) continue;
      const problem = judgeHistory(spec.history.of(cluster), spec.history.judge).problem;
      if (problem !== undefined) return { check: HISTORY_CHECK, failure: `linearizability: ${problem}` };
      continue;
    }
    const problem = entry.check(cluster);
    if (problem !== undefined) return { check: entry.name, failure: `${entry.name}: ${problem}` };
  }
  return undefined;
}

/** The live run of an already built cluster (the lab's, or a test's that set the cluster up itself). */
export function liveRun<P, C extends Simulated>(spec: SimulationSpec<P, C>, cluster: C): LiveRun {
  return {
    world: cluster.world,
    view: () => ({
      nodes: spec.nodes(cluster),
      metrics: spec.metrics(cluster),
      checks: spec.liveChecks?.(cluster) ?? {},
      ...(spec.detail ? { detail: spec.detail(cluster) } : {}),
    }),
    ...(spec.history ? { check: () => liveHistoryCheck(spec, cluster) } : {}),
  };
}

/** The lab's on-demand check: the history so far, and the operation no order explains highlighted on its lane. */
function liveHistoryCheck<P, C extends Simulated>(spec: SimulationSpec<P, C>, cluster: C): LiveCheck {
  const history = spec.history?.of(cluster) ?? [];
  const verdict = spec.history ? judgeHistory(history, spec.history.judge) : { operations: 0 };
  const highlights: LiveCheck['highlights'][number][] = [];
  let text: string | undefined;
  if (verdict.undecidedAfter !== undefined) text = `undecided after ${verdict.undecidedAfter} states`;
  if (verdict.problem !== undefined) {
    const stuck = verdict.stuck;
    if (stuck) {
      const label = describeOperation(stuck);
      text = `not linearizable: no order explains ${stuck.process} ${label} (${stuck.call.toFixed(1)}–${stuck.ret.toFixed(1)} ms, highlighted)`;
      // The lane is the client node; a process renamed after an unknown outcome is `c1.2`.
      highlights.push({
        node: stuck.process.split('.')[0] as string,
        from: stuck.call,
        to: Number.isFinite(stuck.ret) ? stuck.ret : stuck.call,
        label,
      });
    } else text = 'not linearizable';
  }
  return {
    verdicts: {
      [`linearizable (${verdict.operations} operations)`]: text,
      ...(spec.liveChecks?.(cluster) ?? {}),
    },
    highlights,
  };
}
