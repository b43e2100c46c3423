/**
 * Versions and causal dependencies of the causal store. A version is a Lamport time with the origin
 * replica in its low bits, so versions are unique and totally ordered (last-writer-wins picks the
 * larger). Dependencies are kept in full, one entry per key (the largest version of that key in the
 * writer's causal past): with a handful of keys that is small, and it is what the two-round snapshot read
 * of COPS-GT needs (nearest dependencies alone would miss transitive ones).
 */

/** Replicas per store, at most: the origin's index fits in the low bits of a version. */
export const MAX_REPLICAS = 16;

export type Deps = Readonly<Record<string, number>>;

export function makeVersion(lamport: number, replicaIndex: number): number {
  return lamport * MAX_REPLICAS + replicaIndex;
}

export function lamportOf(version: number): number {
  return Math.floor(version / MAX_REPLICAS);
}

/** Raises each entry of `into` to at least the one in `from`. */
export function mergeDeps(into: Record<string, number>, from: Deps): void {
  for (const [key, version] of Object.entries(from)) if ((into[key] ?? 0) < version) into[key] = version;
}

/** The largest Lamport time among the dependencies (0 when there are none). */
export function maxLamport(deps: Deps): number {
  let max = 0;
  for (const version of Object.values(deps)) max = Math.max(max, lamportOf(version));
  return max;
}
