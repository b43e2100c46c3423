/** Every F1 claim of CLAIMS.md as an experiment, plus the measurements the row asks for. */
import type { Scenario } from '../../contract';
import {
  bloomNeverRejects,
  cacheAsideRace,
  nullCaching,
  ttlJitter,
  twoLevel,
  versionedKeys,
  writeBehindLoss,
  writeThroughNoTransaction,
} from './failures';
import { readWritePatterns } from './patterns';
import { scanResistance } from './policies';
import { hotKeyStampede, mutexOneQuery, singleFlightPerInstance, xfetchEarly } from './stampede';

export const cacheScenarios: readonly Scenario[] = [
  hotKeyStampede,
  mutexOneQuery,
  xfetchEarly,
  singleFlightPerInstance,
  ttlJitter,
  nullCaching,
  bloomNeverRejects,
  cacheAsideRace,
  writeThroughNoTransaction,
  versionedKeys,
  writeBehindLoss,
  scanResistance,
  twoLevel,
  readWritePatterns,
];
