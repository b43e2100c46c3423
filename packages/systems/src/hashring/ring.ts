/**
 * A consistent-hash ring with virtual nodes and weights. Points are 32-bit murmur3 hashes kept in a
 * sorted Uint32Array with a parallel owner array; a lookup is a binary search for the first point at
 * or after the key's hash (wrapping to the start). `lookupSteps` counts comparisons so the O(log n)
 * claim is measured, not assumed. `owner()` — the hot path — first jumps through a table indexed by
 * the hash's top 16 bits to the few points in that slice of the ring, then scans them: O(1) expected,
 * and the same answer (tests compare the two on every key).
 */
import { invariant, murmur3 } from '@dslab/sim';

export interface RingNode {
  readonly id: string;
  readonly weight: number;
}

export class ConsistentHashRing {
  private readonly nodes = new Map<string, RingNode>();
  private points = new Uint32Array(0);
  private owners: string[] = [];
  /** Membership changed since the points were built: rebuild lazily, once, before the next lookup. */
  private stale = false;
  /** Comparisons made by binary-search lookups so far (for the complexity measurement). */
  lookupSteps = 0;
  /** jump[b] = the first point index whose top 16 bits are ≥ b (65,537 entries). */
  private jump = new Int32Array(65_537);

  constructor(readonly vnodesPerWeight = 150) {
    invariant(
      Number.isInteger(vnodesPerWeight) && vnodesPerWeight >= 1,
      'ring config',
      () => `vnodes must be a whole number ≥ 1, got ${vnodesPerWeight}`,
    );
  }

  get size(): number {
    return this.nodes.size;
  }

  get pointCount(): number {
    if (this.stale) this.rebuild();
    return this.points.length;
  }

  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  add(id: string, weight = 1): void {
    if (this.nodes.has(id)) throw new Error(`ring: node '${id}' is already on the ring`);
    if (!(weight > 0)) throw new Error(`ring: weight must be > 0, got ${weight}`);
    this.nodes.set(id, { id, weight });
    this.stale = true;
  }

  remove(id: string): void {
    if (!this.nodes.delete(id)) throw new Error(`ring: no node '${id}'`);
    this.stale = true;
  }

  /** Rebuilds the sorted point array: O(P log P), on membership change only. */
  private rebuild(): void {
    this.stale = false;
    const entries: [number, string][] = [];
    for (const node of this.nodes.values()) {
      const count = Math.max(1, Math.round(this.vnodesPerWeight * node.weight));
      for (let v = 0; v < count; v++) entries.push([murmur3(`${node.id}#${v}`), node.id]);
    }
    // Ties (two vnodes hashing alike) are ordered by owner id so the ring is the same however built.
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    this.points = Uint32Array.from(entries.map((e) => e[0]));
    this.owners = entries.map((e) => e[1]);
    let i = 0;
    for (let bucket = 0; bucket <= 65_536; bucket++) {
      while (i < this.points.length && (this.points[i] as number) >>> 16 < bucket) i++;
      this.jump[bucket] = i;
    }
  }

  /** Index of the first point ≥ hash, wrapping to 0. */
  private index(hash: number): number {
    if (this.stale) this.rebuild();
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    let steps = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      steps++;
      if ((points[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    this.lookupSteps += steps;
    return lo === points.length ? 0 : lo;
  }

  owner(key: string): string {
    if (this.stale) this.rebuild();
    const points = this.points;
    if (points.length === 0) throw new Error('ring: no nodes');
    const hash = murmur3(key);
    const bucket = hash >>> 16;
    let i = this.jump[bucket] as number;
    const end = this.jump[bucket + 1] as number;
    while (i < end && (points[i] as number) < hash) i++;
    return this.owners[i === points.length ? 0 : i] as string;
  }

  /** The owner found by binary search over all points, counting comparisons in `lookupSteps`. */
  ownerBySearch(key: string): string {
    if (this.nodes.size === 0) throw new Error('ring: no nodes');
    const index = this.index(murmur3(key)); // first: it may rebuild `owners`
    return this.owners[index] as string;
  }

  /** The next `count` distinct physical nodes clockwise from the key (skipping repeated owners). */
  replicas(key: string, count: number): string[] {
    const wanted = Math.min(count, this.nodes.size);
    const out: string[] = [];
    let i = this.index(murmur3(key));
    for (let walked = 0; out.length < wanted && walked < this.points.length; walked++) {
      const owner = this.owners[i] as string;
      if (!out.includes(owner)) out.push(owner);
      i = (i + 1) % this.points.length;
    }
    return out;
  }

  /** The naive rule: the owners of the next `count` points, duplicates and all. */
  nextPoints(key: string, count: number): string[] {
    const out: string[] = [];
    let i = this.index(murmur3(key));
    for (let k = 0; k < count; k++) {
      out.push(this.owners[i] as string);
      i = (i + 1) % this.points.length;
    }
    return out;
  }

  /** Plain data for the lab: every point with its owner. */
  snapshot(): { points: { position: number; owner: string }[]; nodes: RingNode[] } {
    if (this.stale) this.rebuild();
    return {
      points: [...this.points].map((position, i) => ({ position, owner: this.owners[i] as string })),
      nodes: [...this.nodes.values()],
    };
  }
}
