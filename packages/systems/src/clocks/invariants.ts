/**
 * Safety properties of the clocks, checked after every event against the recorder's true causal order
 * (see recorder.ts), in this order: the first that fails stops the run.
 */
import type { World } from '@dslab/sim';
import type { CausalRecorder, ClockCheck } from './recorder';

export const clockInvariants: Readonly<Record<string, ClockCheck>> = {
  /** a happened before b ⇒ L(a) < L(b). */
  'lamport clocks respect happens-before': 'lamport',
  /** Each event's vector counts exactly the events of each node in its causal past. */
  'vector clocks equal the causal past': 'vector',
  /** a happened before b ⇒ HLC(a) < HLC(b). */
  'hlc respects happens-before': 'hlcOrder',
  /** l is the largest physical time in the causal past: so pt ≤ l ≤ pt + ε. */
  'hlc l is the largest physical time in the causal past': 'hlcMax',
  /** c ≤ the number of events before it that share its l (Kulkarni et al., Theorem 3). */
  'hlc counter is bounded': 'hlcCounter',
  /** True time lies inside every TrueTime interval read. */
  'truetime intervals contain true time': 'trueTimeInterval',
  /** A commit that starts after another has committed gets a larger timestamp. */
  'truetime commits are externally consistent': 'externalConsistency',
};

export function installInvariants(world: World, recorder: CausalRecorder): void {
  for (const [name, check] of Object.entries(clockInvariants))
    world.addInvariant(name, () => recorder.problems[check]);
}

/**
 * Once the run has settled, every member holds, for every key, the write with the largest timestamp of
 * all writes made to it — the same value everywhere, and the one last-write-wins promises.
 */
export const CONVERGENCE_CHECK = 'replicas converge on the largest timestamp';
