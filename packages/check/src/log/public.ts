/** What the log checker exports (re-exported by the package index). */
export { checkLog } from './check';
export { LogRecorder } from './recorder';
export { validateLogHistory, LogHistoryError } from './validate';
export { generateLogHistory, type LogGenerateOptions } from './generate';
export { generateSharedLogHistory, type SharedGenerateOptions } from './generate-shared';
export { LOG_INJECTORS } from './inject';
export {
  LOG_FINDING_KINDS,
  SHARED_CONSUMER_FINDING_KINDS,
  type AckKind,
  type AckOp,
  type CommitOp,
  type LogCheckOptions,
  type LogCheckResult,
  type LogCheckStats,
  type LogFinding,
  type LogFindingKind,
  type LogHistory,
  type LogOp,
  type LogRecordRef,
  type PollOp,
  type ReadRecord,
  type SendOp,
  type SendOutcome,
  type SharedConsumer,
  type SharedConsumerStats,
} from './types';
