/** The default nemesis of a fuzz seed: the kernel's random fault schedule over the given nodes. */
import {
  Rng,
  applyFaultSchedule,
  randomFaultSchedule,
  type RandomFaultOptions,
  type World,
} from '@dslab/sim';

/**
 * Schedules random partitions, crashes, pauses, clock faults and link faults between `startMs` and
 * `endMs` (everything healed at `endMs`), drawn from the seed's own 'nemesis' stream so the workload's
 * randomness and the faults' never shift each other.
 */
export function standardNemesis(
  world: World,
  seed: number,
  targets: readonly string[],
  options: RandomFaultOptions,
): void {
  applyFaultSchedule(world, randomFaultSchedule(new Rng(seed).fork('nemesis'), targets, options));
}
