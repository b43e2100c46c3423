/** Consistency models and session guarantees judged on recorded histories (catalog B4). */
export {
  checkSessionGuarantees,
  brokenGuarantees,
  SESSION_GUARANTEES,
  MAX_REPORTED_VIOLATIONS,
  type SessionGuarantee,
  type SessionCheckOptions,
  type SessionCheckResult,
  type SessionViolation,
} from './session';
export {
  classifyHistory,
  CONSISTENCY_LADDER,
  LADDER_IMPLIES,
  type Classification,
  type ClassifyOptions,
  type LadderModel,
  type ModelVerdict,
} from './classify';
export { checkCausal, MAX_CAUSAL_OPERATIONS, type CausalPattern, type CausalResult } from './causal';
export { findSerialization, type SerializationOptions, type SerializationResult } from './serialization';
export {
  checkConsistentPrefix,
  MAX_PREFIX_WITNESS_SEARCHES,
  MAX_PREFIX_MEMO_NUMBERS,
  type ConsistentPrefixResult,
} from './consistent-prefix';
export {
  observationsOf,
  isSnapshotRead,
  type KeyObservation,
  type Observation,
  type ObservationOptions,
} from './observations';
export {
  registerHistory,
  describeRegisterOp,
  describeRead,
  type RegisterHistory,
  type RegisterHistoryOptions,
  type RegisterOp,
} from './register-history';
export { historyFromRows, type RegisterRow } from './hand-built';
