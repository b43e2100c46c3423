/**
 * Hooks a harness can attach to every node of a cluster to see what the protocol decided, the moment it
 * decides it (real mode attaches none). The safety checker in `safety.ts` is built on them.
 */
import type { NodeId } from '@dslab/sim';
import type { Entry } from './types';

/** Read access to a node's log. */
export interface LogView {
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  term(index: number): number | undefined;
}

export interface RaftObserver {
  /** `node` won the election for `term`; `log` is its log at that moment (for leader completeness). */
  becameLeader(node: NodeId, incarnation: number, term: number, log: LogView): void;
  /** `node`, in `term`, moved its commit index from `from` to `to`; `termAt` reads its log. */
  committed(
    node: NodeId,
    incarnation: number,
    term: number,
    from: number,
    to: number,
    termAt: (index: number) => number | undefined,
  ): void;
  /** `node` applied `entry` at `index` to its state machine. */
  applied(node: NodeId, index: number, entry: Entry): void;
  /** `node` installed a snapshot covering everything up to `index`. */
  installedSnapshot(node: NodeId, index: number, term: number): void;
}
