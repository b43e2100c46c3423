/** Every H3 claim of CLAIMS.md as an experiment, plus the measurements the row asks for. */
import type { Scenario } from '../../contract';
import { boundaryBurst, burstsBothWays, counterError } from './algorithms';
import { callerNow, getIncrExpireIsFixedWindow, luaBucketAsWritten, zsetBlocksRetries } from './redis';
import {
  hierarchicalSketch,
  limitsMustBeGlobal,
  retryAfterNoStorm,
  syncedCountersOverAdmit,
} from './service';

export const rateScenarios: readonly Scenario[] = [
  limitsMustBeGlobal,
  boundaryBurst,
  burstsBothWays,
  luaBucketAsWritten,
  getIncrExpireIsFixedWindow,
  zsetBlocksRetries,
  syncedCountersOverAdmit,
  callerNow,
  hierarchicalSketch,
  counterError,
  retryAfterNoStorm,
];
