/** Every E3 and E4 claim of CLAIMS.md as a scenario. */
import type { Scenario } from '../../contract';
import { e3Scenarios } from './e3';
import { e4Scenarios } from './e4';

export const mvccScenarios: readonly Scenario[] = [...e3Scenarios, ...e4Scenarios];
