/** Two-phase commit with presumed abort, three-phase commit, and the outcome held by a Raft group (catalog A3). */
import type { SystemDefinition } from '../contract';
import { simulatedSystem } from '../kit';
import { twoPcParams, type TwoPcParams } from './cluster';
import { twoPcScenarios } from './scenarios';
import { twoPcSimulation } from './simulation';

export {
  runTwoPhaseOrders,
  ORDER_PARTICIPANTS,
  type OrderWorkload,
  type OrderParticipant,
  type TwoPhaseOrderFigures,
} from './orders';
export type { Summary } from './stats';
export { buildTwoPcCluster, twoPcParams, type TwoPcCluster, type TwoPcParams } from './cluster';
export type { TwoPcLiveDetail } from './view-detail';

export const twoPcSystem: SystemDefinition<TwoPcParams> = {
  id: 'twopc',
  title: 'Two-phase commit',
  rows: ['A3'],
  view: 'twopc',
  summary:
    'A coordinator and participants with forced logs on the simulated disk: PREPARE locks rows and forces a ' +
    'prepared record before the YES vote, the coordinator forces only COMMIT (presumed abort), prepared ' +
    'participants hold their locks until told the outcome and ask for it, and restarts recover from the logs. ' +
    "Beside it: Skeen's three-phase commit under partitions, and the outcome held by a Raft KV group so that " +
    'no single machine can leave the participants blocked.',
  params: twoPcParams,
  scenarios: twoPcScenarios,
  ...simulatedSystem(twoPcSimulation),
};
