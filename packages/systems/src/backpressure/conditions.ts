/**
 * The world outside the nodes that a scenario changes while a run goes: how fast the server's work is
 * (a slow disk, a noisy neighbour: the trigger of an overload) and how much the producer's users ask.
 * It survives restarts, as the environment does; nodes read it, only the cluster's actions write it.
 */
export interface Conditions {
  /** Service times are multiplied by this (1 = normal). */
  slowdown: number;
  /** The producer's arrival rate is multiplied by this (1 = normal). */
  load: number;
  /** False once the producer's users stop arriving (the end of a run's offered load). */
  producing: boolean;
}

export function normalConditions(): Conditions {
  return { slowdown: 1, load: 1, producing: true };
}

/** An exponential sample with the given mean, from a uniform draw in [0, 1). */
export function exponential(mean: number, uniform: number): number {
  return -Math.log(1 - uniform) * mean;
}
