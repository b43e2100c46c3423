/**
 * What the consistent-hashing claims measure, as functions any caller can run on any placement: keys
 * per node, how uneven that load is, and how many keys change owner when the membership changes.
 * The scenarios and the lab's ring explorer measure through these, so both print the same figures.
 */
import type { Placement } from './placement';

/** Anything that maps a key to its owner: a Placement, a ConsistentHashRing. */
export interface Owner {
  owner(key: string): string;
}

/** How many of `keys` each node owns; every node in `nodes` appears, with 0 when it owns none. */
export function loadPerNode(
  placement: Owner,
  nodes: readonly string[],
  keys: readonly string[],
): Map<string, number> {
  const counts = new Map(nodes.map((node) => [node, 0]));
  for (const key of keys) {
    const owner = placement.owner(key);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/** How uneven a load is: the busiest node over the mean, and the coefficient of variation (sd / mean). */
export function loadSpread(counts: Iterable<number>): { readonly maxOverMean: number; readonly cv: number } {
  // One pass: `counts` may be an iterator (a Map's values), which can be walked only once.
  let n = 0;
  let sum = 0;
  let squares = 0;
  let max = -Infinity;
  for (const c of counts) {
    n++;
    sum += c;
    squares += c * c;
    if (c > max) max = c;
  }
  if (n === 0 || sum === 0) return { maxOverMean: 0, cv: 0 };
  const mean = sum / n;
  const variance = Math.max(0, squares / n - mean * mean);
  return { maxOverMean: max / mean, cv: Math.sqrt(variance) / mean };
}

/** The keys whose owner differs between two placements (before and after a membership change). */
export function movedKeys(before: Owner, after: Owner, keys: readonly string[]): string[] {
  return keys.filter((key) => before.owner(key) !== after.owner(key));
}

export type MembershipChange = { readonly add: string } | { readonly remove: string };

/**
 * One membership change on a fresh placement of `nodes`: the fraction of keys that changed owner, and
 * (when a node joined) the share of the moved keys that went to it — 1 means only the new node's share moved.
 */
export function movedFraction(
  make: () => Placement,
  nodes: readonly string[],
  keys: readonly string[],
  change: MembershipChange,
): { readonly moved: number; readonly intoNewShare: number } {
  const placement = make();
  for (const node of nodes) placement.add(node);
  const before = keys.map((key) => placement.owner(key));
  if ('add' in change) placement.add(change.add);
  else placement.remove(change.remove);
  let moved = 0;
  let intoNew = 0;
  keys.forEach((key, i) => {
    const now = placement.owner(key);
    if (now !== before[i]) {
      moved++;
      if ('add' in change && now === change.add) intoNew++;
    }
  });
  return {
    moved: keys.length === 0 ? 0 : moved / keys.length,
    intoNewShare: moved === 0 ? 1 : intoNew / moved,
  };
}
