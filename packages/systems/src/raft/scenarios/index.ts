import type { Scenario } from '../../contract';
import {
  deposedLeader,
  geoLatencyFloor,
  minorityCannotWrite,
  oneLeaderPerTerm,
  readsNeedReadIndex,
  splitVotes,
  voteRules,
} from './claims';
import { clusterSize } from './cluster-size';
import { figure8 } from './figure8';
import { suiteScenarios } from './suite';

export const raftScenarios: readonly Scenario[] = [
  oneLeaderPerTerm,
  voteRules,
  figure8,
  minorityCannotWrite,
  deposedLeader,
  splitVotes,
  clusterSize,
  geoLatencyFloor,
  readsNeedReadIndex,
  ...suiteScenarios,
];
