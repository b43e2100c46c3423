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
  type Classification,
  type ClassifyOptions,
  type LadderModel,
  type ModelVerdict,
} from './classify';
export { checkCausal, MAX_CAUSAL_OPERATIONS, type CausalPattern, type CausalResult } from './causal';
export { findSerialization, type SerializationResult } from './serialization';
export {
  registerHistory,
  describeRegisterOp,
  type RegisterHistory,
  type RegisterOp,
} from './register-history';
