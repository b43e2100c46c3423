/** The leases scenarios, one per claim of catalog row A2. */
import type { Scenario } from '../../contract';
import { herdEffect } from './election';
import { etcdPutIsNotALock } from './etcd';
import { pausedHolderFencing, storageMustCheck, termCasFencing } from './fencing';
import { asyncFailover, setNxPxRelease } from './redis';
import { redlockFailures } from './redlock';

export const leaseScenarios: readonly Scenario[] = [
  pausedHolderFencing,
  storageMustCheck,
  redlockFailures,
  setNxPxRelease,
  asyncFailover,
  etcdPutIsNotALock,
  termCasFencing,
  herdEffect,
];
