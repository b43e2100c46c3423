/** Messages between the page and the simulation worker: plain data both ways. */
import type { RunSummary, ScenarioResult } from '@dslab/systems';

export type WorkerRequest =
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
    };

export type WorkerReply =
  | { readonly type: 'run'; readonly id: number; readonly summary: RunSummary }
  | { readonly type: 'scenario'; readonly id: number; readonly result: ScenarioResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
