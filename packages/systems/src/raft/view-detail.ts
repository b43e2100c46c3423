/** What the lab's Raft view draws: plain data built by `live.ts`. */

import type { LiveDetail } from '../contract';
/** One Raft server as the lab's Raft view draws it. */
export interface RaftServerDetail {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  readonly role: string;
  readonly term: number;
  readonly votedFor: string | null;
  readonly leader: string | null;
  /** How far the election timer has run, 0 to 1 (0 for a leader). */
  readonly electionProgress: number;
  readonly lastIndex: number;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly snapshotIndex: number;
  readonly voters: readonly string[];
  /** The tail of the log: index, term and a short label (`put k1`, `no-op`, `config n1,n2,n3`). */
  readonly entries: readonly { readonly index: number; readonly term: number; readonly label: string }[];
  /** A leader's view of each follower. */
  readonly progress: Readonly<Record<string, { readonly match: number; readonly next: number }>>;
}

export interface RaftClientDetail {
  readonly id: string;
  readonly up: boolean;
  readonly inFlight: string | undefined;
  readonly server: string | undefined;
  readonly attempts: number;
  readonly done: number;
  readonly ok: number;
  readonly retries: number;
}

export interface RaftLiveDetail extends LiveDetail {
  readonly kind: 'raft';
  readonly servers: readonly RaftServerDetail[];
  readonly clients: readonly RaftClientDetail[];
}
