/** Every G3 claim of CLAIMS.md as an experiment, plus the hockey stick and priority shedding the row asks for. */
import type { Scenario } from '../../contract';
import { boundedQueues } from './bounded';
import { hockeyStick } from './hockey-stick';
import { metastable } from './metastable';
import { priorityShedding } from './priority';
import { queueAbsorbs } from './queue-absorbs';

export const backpressureScenarios: readonly Scenario[] = [
  queueAbsorbs,
  boundedQueues,
  metastable,
  hockeyStick,
  priorityShedding,
];
