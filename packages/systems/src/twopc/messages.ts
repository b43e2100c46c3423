/**
 * What the coordinator, the participants and the decision group say to each other: plain data, so the
 * same nodes could run over TCP. The decision group is the Raft KV (`../raft`), reached with the KV
 * protocol's request and response.
 */
import type { NodeId } from '@dslab/sim';
import type { KvRequest, KvResponse } from '../kv-protocol';

/** One row change a transaction asks of a participant: add `add` to `key`, refused below `min`. */
export interface RowOp {
  readonly key: string;
  readonly add: number;
  /** The participant votes NO when the row would end below this (stock or money running out). */
  readonly min?: number;
}

export type Outcome = 'commit' | 'abort';

export type TwoPcMessage =
  /** Phase one: lock the rows, write them to the log, vote. `participants` lets 3PC's termination ask peers. */
  | {
      readonly type: 'prepare';
      readonly tx: string;
      readonly ops: readonly RowOp[];
      readonly participants: readonly NodeId[];
    }
  | { readonly type: 'vote'; readonly tx: string; readonly yes: boolean; readonly reason?: string }
  /** Three-phase commit only: everybody voted yes; a participant that has this may commit on a timeout. */
  | { readonly type: 'precommit'; readonly tx: string }
  | { readonly type: 'precommit-ack'; readonly tx: string }
  | { readonly type: 'decision'; readonly tx: string; readonly outcome: Outcome }
  | { readonly type: 'ack'; readonly tx: string }
  /** A prepared participant that heard nothing asks the coordinator what became of the transaction. */
  | { readonly type: 'inquire'; readonly tx: string }
  /** Three-phase commit's termination protocol: a participant asks its peers where they are. */
  | { readonly type: 'state-request'; readonly tx: string }
  | { readonly type: 'state-reply'; readonly tx: string; readonly state: ParticipantTxState }
  | KvRequest
  | KvResponse;

/**
 * Where a participant is with one transaction. `unknown`: it never prepared it (or cannot remember
 * doing so: it never voted yes, so it may abort).
 */
export type ParticipantTxState = 'unknown' | 'prepared' | 'precommitted' | 'committed' | 'aborted';

export function isDecided(state: ParticipantTxState): state is 'committed' | 'aborted' {
  return state === 'committed' || state === 'aborted';
}

/** The decision group's key for a transaction's outcome. */
export function decisionKey(tx: string): string {
  return `decision/${tx}`;
}
