import type { Scenario } from '../../contract';

export const plogScenarios: readonly Scenario[] = [];
