/**
 * Every G2 claim of CLAIMS.md as an experiment on the MVCC engine (their PostgreSQL runs are in the tests),
 * and the reconciliation of ambiguous outcomes the catalog row asks for.
 */
import type { Scenario } from '../../contract';
import { deliverySemantics } from './delivery-semantics';
import { processing409, redisThenDatabase, uniqueKeyWaits } from './idempotency';
import { dualWrite, eventStoreTailing, onConflictProducer, relayExactlyOnce } from './outbox';
import { reconciliation } from './reconciliation';
import { checkOutside, ifNotSeen, processedTtl } from './samples';

export const outboxScenarios: readonly Scenario[] = [
  deliverySemantics,
  checkOutside,
  ifNotSeen,
  uniqueKeyWaits,
  processing409,
  redisThenDatabase,
  onConflictProducer,
  dualWrite,
  relayExactlyOnce,
  eventStoreTailing,
  processedTtl,
  reconciliation,
];
