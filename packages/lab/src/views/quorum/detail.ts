/**
 * The quorum store's live detail as this view reads it. It crosses the worker boundary as plain data
 * typed `LiveDetail`; `isQuorumDetail` checks the shape at run time before the view trusts it.
 * (The system's own type is `QuorumLiveDetail` in packages/systems/src/quorum/view-detail.ts.)
 */
import type { LiveDetail } from '@dslab/systems';

export interface QuorumReplicaView {
  readonly node: string;
  readonly up: boolean;
  readonly values: readonly string[];
}

export interface QuorumKeyView {
  readonly key: string;
  readonly position: number;
  readonly preference: readonly string[];
  readonly replicas: readonly QuorumReplicaView[];
  readonly divergent: boolean;
}

export interface QuorumDetail extends LiveDetail {
  readonly kind: 'quorum';
  readonly params: {
    readonly n: number;
    readonly r: string;
    readonly w: string;
    readonly mode: string;
    readonly sloppy: boolean;
  };
  readonly nodes: readonly {
    readonly id: string;
    readonly up: boolean;
    readonly paused: boolean;
    readonly hints: number;
  }[];
  readonly points: readonly { readonly position: number; readonly owner: string }[];
  readonly keys: readonly QuorumKeyView[];
  readonly hints: readonly {
    readonly holder: string;
    readonly key: string;
    readonly intended: string;
    readonly siblings: number;
  }[];
  /** Every pending hint; the list above stops at a bound. */
  readonly hintCount: number;
}

export function isQuorumDetail(detail: LiveDetail): detail is QuorumDetail {
  const d = detail as Partial<QuorumDetail>;
  return (
    detail.kind === 'quorum' &&
    typeof d.params === 'object' &&
    Array.isArray(d.nodes) &&
    Array.isArray(d.points) &&
    Array.isArray(d.keys) &&
    Array.isArray(d.hints) &&
    typeof d.hintCount === 'number'
  );
}
