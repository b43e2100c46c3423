export {
  HistoryRecorder,
  pairEvents,
  type History,
  type HistoryEvent,
  type Operation,
  type Outcome,
} from './history';
export {
  registerModel,
  casRegisterModel,
  multiRegisterModel,
  kvModel,
  setModel,
  queueModel,
  type Model,
} from './model';
export {
  checkLinearizable,
  checkPart,
  combinePartResults,
  partsToCheck,
  type CheckOptions,
  type CheckResult,
  type PartResult,
  type Verdict,
} from './linearizable';
export { EdnReader, EdnError, EdnKeyword, ednToPlain, keyword, type EdnValue } from './edn';
export {
  readHistory,
  readEdnHistory,
  readJepsenLog,
  readJsonHistory,
  detectFormat,
  usesKeyField,
  HistoryParseError,
  type HistoryFormat,
} from './readers';
export { renderHistoryHtml, historyTimeline, type HistoryHtmlOptions, type Timeline } from './report-html';
export {
  generateCasRegisterHistory,
  generateKvHistory,
  toJepsenLog,
  type GenerateOptions,
  type KvGenerateOptions,
} from './generate';
export {
  generateEtcdHistory,
  generateEtcdCorpus,
  injectStaleRead,
  type EtcdHistory,
  type EtcdHistoryOptions,
} from './generate-etcd';
export { MODEL_NAMES, modelFor, type ModelName, type ModelOptions } from './named-model';
export { historyToJsonLines } from './writers';
// Transactional anomalies (Elle-style): txn/README.md.
export { checkTransactions } from './txn/check';
export { readTxnHistory, detectTxnFormat, TxnHistoryError, type TxnFormat } from './txn/read-txn';
export { toEdnHistory, toJsonHistory, formatMicroOp } from './txn/format';
export { TxnRecorder, txnHistory, type TxnSpec } from './txn/build';
export { renderTxnReportHtml, type TxnReportOptions } from './txn/report-html';
export { describeAnomalyType } from './txn/descriptions';
export { forbids, forbiddenClasses, MODELS_BY_STRENGTH } from './txn/consistency';
export {
  simulateStore,
  STORE_KINDS,
  type StoreKind,
  type SimulatedStoreOptions,
} from './txn/simulated-store';
export {
  CONSISTENCY_MODELS,
  type Anomaly,
  type AnomalyType,
  type ConsistencyModel,
  type CycleEdge,
  type MicroOp,
  type OpRef,
  type Scalar,
  type Txn,
  type TxnCheckOptions,
  type TxnCheckResult,
  type TxnCheckStats,
  type TxnHistory,
  type TxnModel,
  type TxnSummary,
  type TxnType,
} from './txn/types';
export * from './log/public'; // partitioned logs (Kafka, JetStream): log/README.md
export * from './consistency';
