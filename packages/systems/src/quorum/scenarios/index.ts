import type { Scenario } from '../../contract';
import { linearizabilityScenarios } from './linearizability';

export const quorumScenarios: readonly Scenario[] = [...linearizabilityScenarios];
