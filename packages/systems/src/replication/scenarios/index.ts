/**
 * The replication scenarios, one per claim of B1 in CLAIMS.md, split brain with and without fencing, B3's
 * claim about an isolated Redis-style primary, and claims of B4 measured on this system's runs by the
 * consistency classifier.
 */
import type { Scenario } from '../../contract';
import { crossRegion } from './cross-region';
import { failoverRpo, splitBrain } from './failover';
import { isolatedPrimaryDiscards } from './isolated-primary';
import { causalAcl } from './acl';
import { asyncLag } from './lag';
import { linearizableReads, sequentialNotRealTime } from './ladder';
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
  isolatedPrimaryDiscards,
  linearizableReads,
  sequentialNotRealTime,
  causalAcl,
];
