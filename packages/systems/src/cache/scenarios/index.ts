/** Every F1 claim of CLAIMS.md as an experiment, plus the measurements the row asks for. */
import type { Scenario } from '../../contract';
import { hotKeyStampede, mutexOneQuery, singleFlightPerInstance, xfetchEarly } from './stampede';

export const cacheScenarios: readonly Scenario[] = [
  hotKeyStampede,
  mutexOneQuery,
  xfetchEarly,
  singleFlightPerInstance,
];
