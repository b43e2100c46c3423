/** Two-phase commit, presumed abort, three-phase commit and a Raft-held decision (catalog A3). */
export {
  runTwoPhaseOrders,
  ORDER_PARTICIPANTS,
  type OrderWorkload,
  type OrderParticipant,
  type TwoPhaseOrderFigures,
} from './orders';
export type { Summary } from './stats';
