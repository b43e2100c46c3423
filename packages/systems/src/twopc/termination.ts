/**
 * Three-phase commit's termination rule (Skeen 1981; Bernstein, Hadzilacos and Goodman §7.5): what a
 * participant that lost its coordinator decides from the states of the peers it could hear.
 *
 * - a peer already committed or aborted → that outcome (it is final);
 * - a peer precommitted → COMMIT (a PRECOMMIT is sent only after every YES);
 * - everyone heard is merely prepared → ABORT, since nobody can have committed yet.
 *
 * The last two steps are only safe when the states heard are all the states there are and nobody moves
 * meanwhile. `assume-crashed` applies them to whoever answered (Skeen's rule: the silent are taken for
 * crashed, which a partition makes false, so the two sides can decide differently). `wait` adopts only
 * an outcome some peer already holds and otherwise keeps asking the coordinator, as 2PC does: it never
 * splits, and it blocks.
 */
import type { NodeId } from '@dslab/sim';
import type { Outcome, ParticipantTxState } from './messages';
import type { TerminationRule } from './types';

export function terminationOutcome(
  heard: ReadonlyMap<NodeId, ParticipantTxState>,
  rule: TerminationRule,
): Outcome | undefined {
  let precommitted = false;
  for (const state of heard.values()) {
    if (state === 'committed') return 'commit';
    if (state === 'aborted' || state === 'unknown') return 'abort';
    if (state === 'precommitted') precommitted = true;
  }
  if (rule === 'wait') return undefined;
  return precommitted ? 'commit' : 'abort';
}
