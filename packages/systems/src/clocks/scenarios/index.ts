/** Every claim of catalog row C1, as experiments. */
import type { Scenario } from '../../contract';
import { fastClockWins, logicalClocksVsSkew, slowClockWritesDropped } from './lww';
import { happensBeforeExact, hlcBounds } from './logical';
import { driftInPpm, ntpError, ntpStepsBack } from './physical';
import { commitWait } from './truetime';

export const clockScenarios: readonly Scenario[] = [
  driftInPpm,
  ntpError,
  fastClockWins,
  slowClockWritesDropped,
  logicalClocksVsSkew,
  happensBeforeExact,
  ntpStepsBack,
  hlcBounds,
  commitWait,
];
