/**
 * The shape every system folder exports (ARCHITECTURE.md, "A system folder").
 * The CLI, the lab and the tests only ever talk to systems through these types.
 */
import type { z } from 'zod';
import type { Message, NodeFactory, TraceEvent, World } from '@dslab/sim';

/** Our verdict on a claim engineers are taught (CLAIMS.md). */
export type Verdict = 'holds' | 'fails' | 'partly';

export const verdicts: readonly Verdict[] = ['holds', 'fails', 'partly'];

/** A table a scenario prints (CLI) and draws (lab). Cells are plain values. */
export interface ResultTable {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>;
}

/** What a scenario observed. Every number here was measured by the run, never typed in. */
export interface ScenarioResult {
  /** The verdict the experiment supports. The CLI compares it with the scenario's `expected`. */
  readonly observed: Verdict;
  /** One or two sentences with the measured figures in them. */
  readonly summary: string;
  /** Named measured values (fractions, milliseconds, counts…), for tests, reports and the lab. */
  readonly measurements: Readonly<Record<string, number>>;
  readonly tables?: readonly ResultTable[];
  /** For `fails` / `partly`: the concrete counterexample (operations, trace excerpt…), plain data. */
  readonly counterexample?: unknown;
  /** Hash of the simulation trace(s) behind the result, when the scenario ran a World. */
  readonly traceHash?: string;
}

export interface ScenarioContext {
  readonly seed: number;
  /** Scenarios that sweep may be asked for a smaller sweep (tests, the lab); full by default. */
  readonly quick?: boolean;
}

export interface Scenario {
  /** kebab-case, unique within the system: `dslab run <system> <id>`. */
  readonly id: string;
  readonly title: string;
  /** The claim as engineers state it, in plain words. */
  readonly claim: string;
  readonly expected: Verdict;
  /** For `fails` / `partly`: the statement that is actually true. */
  readonly corrected?: string;
  /** Catalog rows this scenario belongs to, e.g. ['A1']. */
  readonly rows: readonly string[];
  run(context: ScenarioContext): ScenarioResult | Promise<ScenarioResult>;
}

/** Outcome of one fuzz seed: ok, or the first violation found. */
export interface FuzzOutcome {
  readonly ok: boolean;
  readonly seed: number;
  /** What was violated and when, when not ok. */
  readonly failure?: string;
  /** The name of the check that failed (an invariant, a final check, `liveness` or `linearizable`). */
  readonly check?: string;
  readonly traceHash: string;
  readonly events: number;
  readonly virtualMs: number;
  /** Every trace event, when the run was asked to record (`dslab replay --trace`). */
  readonly trace?: readonly TraceEvent[];
}

export interface FuzzOptions {
  /** A deliberately broken variant of the system (off by default) the checkers must catch. */
  readonly mutant?: string;
  /** Record the trace (for `dslab replay`), at a cost in speed. */
  readonly recordTrace?: boolean;
}

/** A deliberately broken variant of a system and the proof that the fuzzer catches it. */
export interface MutantSpec {
  readonly name: string;
  /** What is broken, in one sentence. */
  readonly breaks: string;
  /** The first seed (from 0) at which `dslab fuzz <system> --mutant <name>` catches it, measured and pinned. */
  readonly seed: number;
  /** The check (an invariant, a final check, `liveness` or `linearizable`) that must catch it. */
  readonly caughtBy: string;
}

export interface Fuzzable {
  readonly mutants: readonly string[];
  /** Each mutant with its pinned seed and the check that must catch it (the registry test replays them). */
  readonly pinned: readonly MutantSpec[];
  run(seed: number, options?: FuzzOptions): FuzzOutcome;
}

/** A free run of the system with given params (`dslab run <system> --seed`): what the lab plays. */
export interface RunSummary {
  readonly seed: number;
  readonly traceHash: string;
  readonly events: number;
  readonly virtualMs: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** Invariants and checkers: name → undefined when it held, or the violation. */
  readonly checks: Readonly<Record<string, string | undefined>>;
}

export interface SystemDefinition<P = unknown> {
  /** kebab-case id used in URLs and the CLI. */
  readonly id: string;
  readonly title: string;
  /** Catalog rows implemented, e.g. ['A1']. */
  readonly rows: readonly string[];
  /** One paragraph in our own words. */
  readonly summary: string;
  /** Parameters with defaults; parsing `{}` must give the default run. */
  readonly params: z.ZodType<P>;
  readonly scenarios: readonly Scenario[];
  /** A default free run (headless, deterministic). */
  run?(params: P, seed: number): RunSummary;
  readonly fuzz?: Fuzzable;
  /** An interactive world for the lab: built from params and seed, then driven event by event. */
  live?(params: P, seed: number): LiveRun;
  /** The node factory for real mode: the same node code, one process per member (`dslab serve`). */
  serve?(params: P, members: readonly string[]): NodeFactory<Message>;
  /**
   * The kind of picture the lab draws for this system (a key of the lab's view registry): a live view of
   * the world's `detail`, an explorer of a data structure, or both. Absent: the generic node cards only.
   */
  readonly view?: string;
  /** The client protocol its nodes speak in real mode: 'kv' nodes get RESP and HTTP/JSON front ends. */
  readonly clientProtocol?: 'kv';
}

/** One node as the lab's live view draws it. */
export interface LiveNodeView {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  /** A short state label drawn on the node (e.g. leader / follower / candidate). */
  readonly role?: string;
  /** Name → value facts shown beside the node (term, commit index, counters…). */
  readonly facts: Readonly<Record<string, string | number>>;
}

export interface LiveView {
  readonly nodes: readonly LiveNodeView[];
  readonly metrics: Readonly<Record<string, number>>;
  /** Checker / invariant verdicts so far: name → undefined when it holds, or the violation. */
  readonly checks: Readonly<Record<string, string | undefined>>;
  /** A system's own picture of its state, drawn by the lab's view for that system. */
  readonly detail?: LiveDetail;
}

/**
 * A system's own picture of its live state, drawn by the lab view registered for `kind`. The shape past
 * `kind` belongs to the system and its view (e.g. `RaftLiveDetail` in `raft/view-detail.ts`).
 */
export interface LiveDetail {
  readonly kind: string;
}

/** A running world the lab drives: the kernel's World plus a system-specific view of it. */
export interface LiveRun {
  readonly world: World;
  view(): LiveView;
  /** Expensive end-of-run checks (a history's linearizability), on demand. */
  check?(): LiveCheck;
}

/** What an on-demand check found, and where to look on the timeline. */
export interface LiveCheck {
  /** name → undefined when it held, or the problem. */
  readonly verdicts: Readonly<Record<string, string | undefined>>;
  /** Operations to highlight: on `node`'s lane from `from` to `to` (virtual ms). */
  readonly highlights: readonly {
    readonly node: string;
    readonly from: number;
    readonly to: number;
    readonly label: string;
  }[];
}
