/** Every claim of catalog row I1, as experiments. */
import type { Scenario } from '../../contract';
import { compensateWhatNeverRan, keyWithoutTombstone } from './compensations';
import { aciWithoutD, noIsolation } from './guarantees';
import { parallelChoreography, reservationTtl } from './ordering';
import { tryExceptSaga } from './try-except';
import { versusTwoPhaseCommit } from './versus-2pc';

export const sagaScenarios: readonly Scenario[] = [
  aciWithoutD,
  noIsolation,
  tryExceptSaga,
  compensateWhatNeverRan,
  parallelChoreography,
  reservationTtl,
  keyWithoutTombstone,
  versusTwoPhaseCommit,
];
