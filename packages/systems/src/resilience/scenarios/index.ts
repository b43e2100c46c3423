/** Every H2 claim of CLAIMS.md as an experiment, plus the measurements the row asks for. */
import type { Scenario } from '../../contract';
import { adaptiveConcurrency } from './adaptive';
import { retryAmplification } from './amplification';
import { bulkheadsIsolate } from './bulkhead';
import { slowWorseThanDead } from './cascade';
import { consecutiveMissesRate } from './consecutive';
import { perInstanceEjection } from './ejection';
import { jitterContention, jitterSpreadsRetries } from './jitter';
import { phiAccrual } from './phi';
import { cascadeRecovery } from './recovery';
import { breakerStateMachine } from './state-machine';
import { retryLoopAsWritten } from './study-loop';

export const resilienceScenarios: readonly Scenario[] = [
  slowWorseThanDead,
  breakerStateMachine,
  consecutiveMissesRate,
  bulkheadsIsolate,
  jitterSpreadsRetries,
  retryLoopAsWritten,
  perInstanceEjection,
  phiAccrual,
  retryAmplification,
  jitterContention,
  adaptiveConcurrency,
  cascadeRecovery,
];
