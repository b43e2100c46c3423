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
