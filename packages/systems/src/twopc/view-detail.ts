/** What the lab's two-phase-commit view draws: plain data built by `live.ts`. */
import type { LiveDetail } from '../contract';

export interface TwoPcCoordinatorDetail {
  readonly id: string;
  readonly up: boolean;
  readonly epoch: number;
  readonly committed: number;
  readonly aborted: number;
  readonly logRecords: number;
  /** Transactions in flight: their phase and who has voted YES / acknowledged. */
  readonly active: readonly {
    readonly tx: string;
    readonly phase: string;
    readonly participants: readonly string[];
    readonly yes: readonly string[];
    readonly acks: readonly string[];
  }[];
}

export interface TwoPcParticipantDetail {
  readonly id: string;
  readonly up: boolean;
  readonly committed: number;
  readonly aborted: number;
  readonly refused: number;
  /** Rows locked now and by which transaction. */
  readonly locks: readonly { readonly key: string; readonly tx: string }[];
  /** Transactions this participant voted YES on and has no outcome for: it is blocked on them. */
  readonly inDoubt: readonly { readonly tx: string; readonly state: string; readonly sinceMs: number }[];
}

export interface TwoPcLiveDetail extends LiveDetail {
  readonly kind: 'twopc';
  readonly protocol: string;
  readonly decisions: string;
  readonly coordinator: TwoPcCoordinatorDetail;
  readonly participants: readonly TwoPcParticipantDetail[];
  readonly group: readonly { readonly id: string; readonly up: boolean; readonly role: string }[];
  /** The most recent transactions, newest last: each participant's outcome ('prepared' while in doubt). */
  readonly recent: readonly {
    readonly tx: string;
    readonly answer: string;
    readonly at: Readonly<Record<string, string>>;
  }[];
  /** Longest time any participant has been in doubt, now, in ms. */
  readonly longestInDoubtMs: number;
  /** Transactions one participant committed and another aborted (0 unless 3PC's rule split them). */
  readonly split: number;
}
