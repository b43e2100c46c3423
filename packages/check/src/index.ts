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
export { MODEL_NAMES, modelFor, type ModelName, type ModelOptions } from './named-model';
export { historyToJsonLines } from './writers';
