/** What the causal store's clients and replicas send each other: plain, serializable data. */
import type { Deps } from './versions';

/** One write as it travels between replicas: its value, version, full dependencies and origin. */
export interface ReplicatedWrite {
  readonly key: string;
  readonly value: string;
  readonly version: number;
  readonly deps: Deps;
  readonly origin: string;
}

export type CausalMessage =
  /** A client's write, with its session's causal context as dependencies. */
  | {
      readonly type: 'put';
      readonly id: number;
      readonly key: string;
      readonly value: string;
      readonly deps: Deps;
    }
  | { readonly type: 'put-ok'; readonly id: number; readonly version: number }
  /** The replica's outbox is full: the write was refused and took no effect. */
  | { readonly type: 'put-refused'; readonly id: number }
  | { readonly type: 'get'; readonly id: number; readonly key: string }
  /** `version` 0 and `value` null: the key was never written (as far as this replica shows). */
  | {
      readonly type: 'get-ok';
      readonly id: number;
      readonly key: string;
      readonly value: string | null;
      readonly version: number;
      readonly deps: Deps;
    }
  /** COPS-GT's second round: that exact version of a key. */
  | { readonly type: 'get-version'; readonly id: number; readonly key: string; readonly version: number }
  /** `found` false: the replica no longer keeps (or never kept) that version. */
  | {
      readonly type: 'get-version-ok';
      readonly id: number;
      readonly key: string;
      readonly found: boolean;
      readonly value: string | null;
      readonly deps: Deps;
    }
  | { readonly type: 'replicate'; readonly writes: readonly ReplicatedWrite[] }
  | { readonly type: 'replicate-ack'; readonly versions: readonly number[] };
