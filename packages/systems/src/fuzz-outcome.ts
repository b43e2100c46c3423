/** One fuzz seed's outcome, the same way for every system. */
import { InvariantViolation, type World } from '@dslab/sim';
import type { FuzzOutcome } from './contract';

/**
 * Runs `check` (which drives `world` and returns what went wrong, if anything) and reports the seed's
 * outcome: an InvariantViolation thrown during the run is a failure too; anything else thrown is a bug
 * in the harness and propagates. The trace comes along when the world recorded one.
 */
export function fuzzOutcome(world: World, seed: number, check: () => string | undefined): FuzzOutcome {
  let failure: string | undefined;
  try {
    failure = check();
  } catch (error) {
    if (!(error instanceof InvariantViolation)) throw error;
    failure = error.message;
  }
  return {
    ok: failure === undefined,
    seed,
    ...(failure !== undefined ? { failure } : {}),
    traceHash: world.traceHash(),
    events: world.stats.events,
    virtualMs: world.now(),
    ...(world.events.length > 0 ? { trace: world.events } : {}),
  };
}
