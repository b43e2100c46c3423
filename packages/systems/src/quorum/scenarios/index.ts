import type { Scenario } from '../../contract';
import { capScenarios } from './cap';
import { convergenceScenarios } from './convergence';
import { gossipRounds } from './gossip';
import { linearizabilityScenarios } from './linearizability';
import { dvvSiblings } from './siblings';
import { stalenessScenarios } from './staleness';

export const quorumScenarios: readonly Scenario[] = [
  ...linearizabilityScenarios,
  ...stalenessScenarios,
  ...convergenceScenarios,
  dvvSiblings,
  gossipRounds,
  ...capScenarios,
];
