/** Configuration of the coordinator and the participants, and the deliberately broken variants. */
import type { NodeId } from '@dslab/sim';

/**
 * Deliberately broken variants (all off by default). Each one trips exactly the check named beside it in
 * `fuzz.ts`, on a pinned seed, which proves that check able to fail.
 */
export const twoPcMutants = [
  /** The coordinator restarts without reading its log: a logged COMMIT becomes a presumed abort. */
  'forget-decision-log',
  /** A participant that voted YES aborts on its own when the decision is slow to come. */
  'abort-after-yes-on-timeout',
  /** A participant writes its rows at PREPARE and does not undo them when the transaction aborts. */
  'apply-at-prepare',
  /** A participant keeps a transaction's row locks after the transaction aborted. */
  'keep-locks-after-abort',
  /** A prepared participant never asks the coordinator: under presumed abort a lost ABORT leaves it blocked for good. */
  'never-inquire',
] as const;

export type TwoPcMutant = (typeof twoPcMutants)[number];

/**
 * `2pc`: two-phase commit with presumed abort. `3pc`: Skeen's three-phase commit (a PRECOMMIT round
 * between the votes and COMMIT), with a termination protocol among the participants when the
 * coordinator is silent.
 */
export type CommitProtocol = '2pc' | '3pc';

/**
 * Where the outcome lives. `coordinator`: the coordinator's own log (one machine: if it is down, prepared
 * participants wait). `raft`: a Raft KV group holds each outcome under one key, set once by
 * compare-and-set; a prepared participant tired of waiting proposes ABORT there and adopts whatever the
 * group holds, so nobody waits for one machine.
 */
export type DecisionStore = 'coordinator' | 'raft';

/**
 * What a 3PC participant does when its coordinator is silent. `assume-crashed`: Skeen's termination rule,
 * deciding from the states of the peers it hears and taking the silent ones for crashed (it cannot tell a
 * crash from a partition). `wait`: it adopts only an outcome a peer already holds and otherwise keeps
 * asking the coordinator.
 */
export type TerminationRule = 'assume-crashed' | 'wait';

export interface TwoPcTimings {
  /** How long the coordinator waits for the votes before it aborts. */
  readonly voteTimeoutMs: number;
  /** Between resends of a decision the coordinator has not seen acknowledged. */
  readonly resendMs: number;
  /** How long a prepared participant waits for the decision before it asks (coordinator, group or peers). */
  readonly inquireMs: number;
}

export const defaultTimings: TwoPcTimings = { voteTimeoutMs: 200, resendMs: 150, inquireMs: 300 };

export interface ParticipantConfig {
  readonly coordinator: NodeId;
  readonly protocol: CommitProtocol;
  readonly decisions: DecisionStore;
  readonly termination: TerminationRule;
  /** The decision group's members (empty unless `decisions` is `raft`). */
  readonly decisionGroup: readonly NodeId[];
  readonly timings: TwoPcTimings;
  /** Every row starts at this value (accounts' balances, products' stock). */
  readonly initialRow: number;
  readonly mutant?: TwoPcMutant;
}

export interface CoordinatorConfig {
  readonly participants: readonly NodeId[];
  readonly protocol: CommitProtocol;
  readonly decisions: DecisionStore;
  readonly decisionGroup: readonly NodeId[];
  readonly timings: TwoPcTimings;
  /** Most transactions in flight at once; the workload waits beyond it. */
  readonly maxActive: number;
  /** 3PC: `assume-crashed` commits when PRECOMMIT acks time out (Skeen); `wait` keeps resending PRECOMMIT. */
  readonly termination: TerminationRule;
  readonly mutant?: TwoPcMutant;
}
