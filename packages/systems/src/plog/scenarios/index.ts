import type { Scenario } from '../../contract';
import { deliveryScenarios } from './delivery';
import { durabilityScenarios } from './durability';
import { groupScenarios } from './groups';
import { producerScenarios } from './producers';
import { storageScenarios } from './storage';
import { topicScenarios } from './topics';
import { transactionScenarios } from './transactions';

export const plogScenarios: readonly Scenario[] = [
  ...groupScenarios,
  ...producerScenarios,
  ...storageScenarios,
  ...topicScenarios,
  ...durabilityScenarios,
  ...deliveryScenarios,
  ...transactionScenarios,
];
