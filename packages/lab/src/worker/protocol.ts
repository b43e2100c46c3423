/** Messages between the page and the simulation worker: plain data both ways. */
import type { Fault } from '@dslab/sim';
import type { ModelName } from '@dslab/check';
import type { LiveCheck, RunSummary, ScenarioResult } from '@dslab/systems';
import type { Command, SessionState } from '../live/session';
import type { TimelineWindow } from '../live/window';

/** What the live view wants back after an operation: the state and the timeline for a time window. */
export interface WindowRequest {
  /** Width of the timeline window in virtual ms, ending at the current time. */
  readonly spanMs: number;
}

export type LiveOperation =
  | {
      readonly op: 'open';
      readonly system: string;
      readonly params: unknown;
      readonly seed: number;
      readonly commands: readonly Command[];
      readonly at: number;
    }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'step' }
  | { readonly op: 'seek'; readonly time: number }
  | { readonly op: 'apply'; readonly fault: Fault }
  | { readonly op: 'view' }
  /** Runs the system's expensive checks (the history's linearizability) on the run so far. */
  | { readonly op: 'check' };

export type WorkerRequest =
  /** Loads a system's chunk ahead of its first run, while the page is still loading its own. */
  | { readonly type: 'load'; readonly id: number; readonly system: string }
  | {
      readonly type: 'run';
      readonly id: number;
      readonly system: string;
      readonly params: unknown;
      readonly seed: number;
    }
  | {
      readonly type: 'scenario';
      readonly id: number;
      readonly system: string;
      readonly scenario: string;
      readonly seed: number;
      readonly quick: boolean;
    }
  | {
      readonly type: 'live';
      readonly id: number;
      readonly operation: LiveOperation;
      readonly window: WindowRequest;
    }
  | {
      readonly type: 'check';
      readonly id: number;
      /** A history as text (Jepsen EDN, a jepsen.log, or JSON lines). */
      readonly text: string;
      readonly model: ModelName;
    };

export interface CheckReport {
  readonly verdict: 'linearizable' | 'not-linearizable' | 'unknown';
  readonly format: string;
  readonly operations: number;
  readonly parts: number;
  readonly states: number;
  /** The stuck operation, in words, when the history is not linearizable. */
  readonly problem?: string;
  /** A self-contained HTML page drawing the history. */
  readonly html: string;
}

export interface LiveSnapshot {
  readonly state: SessionState;
  readonly commands: readonly Command[];
  readonly window: TimelineWindow;
  readonly nodeIds: readonly string[];
  readonly droppedEvents: number;
  /** Whether the system has on-demand checks (a 'check' operation does something). */
  readonly checkable: boolean;
  /** Results of a 'check' operation. */
  readonly checked?: LiveCheck;
}

export type WorkerReply =
  | { readonly type: 'load'; readonly id: number }
  | { readonly type: 'run'; readonly id: number; readonly summary: RunSummary }
  | { readonly type: 'scenario'; readonly id: number; readonly result: ScenarioResult }
  | { readonly type: 'live'; readonly id: number; readonly snapshot: LiveSnapshot }
  | { readonly type: 'check'; readonly id: number; readonly report: CheckReport }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
