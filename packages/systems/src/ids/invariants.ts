/**
 * Safety properties of id generation, judged against the harness's ledger. Uniqueness and layout are
 * checked after every event. Per-worker order is judged once a run ends (a final check of the fuzzer,
 * a live check in the lab): a clock stepped back under an unguarded generator first issues a smaller
 * id and only then a duplicate, and the duplicate is what that bug is about.
 */
import type { World } from '@dslab/sim';
import type { IdLedger } from './ledger';

export const idInvariants = {
  /** No id of any scheme is ever issued twice, by one worker or by two. */
  'ids are unique': (ledger: IdLedger) => ledger.duplicate,
  /** Every id holds its scheme's layout: version and variant bits, and the time and worker it was issued for. */
  'ids hold their layout': (ledger: IdLedger) => ledger.malformed,
} as const;

/** Snowflake, ULID and UUIDv7 ids from one worker strictly increase, across clock faults and restarts. */
export const ORDER_CHECK = 'time-ordered ids increase per worker';

export function orderProblem(ledger: IdLedger): string | undefined {
  return ledger.outOfOrder;
}

export function installInvariants(world: World, ledger: IdLedger): void {
  for (const [name, check] of Object.entries(idInvariants)) world.addInvariant(name, () => check(ledger));
}
