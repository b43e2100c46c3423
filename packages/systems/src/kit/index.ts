/** The system kit: what a new system builds on. */
export { mutantActive, validateMutant } from './mutants';
export { judgeHistory, describeOperation, type HistoryJudge, type HistoryVerdict } from './history-check';
export { standardNemesis } from './nemesis';
export {
  simulatedSystem,
  fuzzSeed,
  liveRun,
  HISTORY_CHECK,
  type Simulated,
  type SimulationSpec,
  type FuzzSpec,
  type FinalCheck,
  type SimulatedParts,
} from './simulation';
