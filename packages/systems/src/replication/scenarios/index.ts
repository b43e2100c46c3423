/** The replication scenarios, one per claim in CLAIMS.md (B1), plus split brain with and without fencing. */
import type { Scenario } from '../../contract';
import { crossRegion } from './cross-region';
import { failoverRpo, splitBrain } from './failover';
import { asyncLag } from './lag';
import { lsnToken, primaryWindow, roundRobinMonotonic } from './sessions';
import { syncNotZeroLag } from './sync-levels';

export const replicationScenarios: readonly Scenario[] = [
  asyncLag,
  syncNotZeroLag,
  primaryWindow,
  lsnToken,
  roundRobinMonotonic,
  failoverRpo,
  crossRegion,
  splitBrain,
];
