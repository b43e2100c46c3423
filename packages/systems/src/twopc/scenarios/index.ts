/** The A3 scenarios, one per claim in CLAIMS.md, plus the Raft-held decision. */
import type { Scenario } from '../../contract';
import { bothCrashScenario } from './both-crash';
import { coordinatorCrashScenario } from './coordinator-crash';
import { decisionGroupScenario } from './decision-group';
import { participantCrashScenario } from './participant-crash';
import { threePhaseScenario } from './three-phase';

export const twoPcScenarios: readonly Scenario[] = [
  coordinatorCrashScenario,
  participantCrashScenario,
  bothCrashScenario,
  threePhaseScenario,
  decisionGroupScenario,
];
