/**
 * A Merkle tree over a set of keys (Merkle 1987; Dynamo §4.7 for anti-entropy): a complete binary tree
 * of depth `depth` whose leaves cover the key-hash space in equal slices. A leaf's hash is the XOR of
 * its keys' entry hashes (as Cassandra's validation trees combine rows, so no sort is needed); an inner
 * node hashes its two children. Two replicas find the slices where they differ by comparing hashes from
 * the root down, descending only where they differ.
 */
import { murmur3 } from '@dslab/sim';

/** Bytes one hash or one index takes on the wire (32-bit each), for the bytes-exchanged measurement. */
export const HASH_BYTES = 4;
export const INDEX_BYTES = 4;

/** Deepest tree allowed: 2^16 leaves. */
export const MAX_TREE_DEPTH = 16;

const LEAF_SEED = 0x5eed1eaf;

export function leafOf(key: string, depth: number): number {
  return depth === 0 ? 0 : murmur3(key, LEAF_SEED) >>> (32 - depth);
}

/** One entry's contribution to its leaf: the key and the digest of its state. */
export function entryHash(key: string, digest: number): number {
  return murmur3(`${key}\u0000${digest}`);
}

const pair = new Uint8Array(8);
const view = new DataView(pair.buffer);

function combine(left: number, right: number): number {
  if (left === 0 && right === 0) return 0; // an empty subtree hashes to 0 on both sides
  view.setUint32(0, left);
  view.setUint32(4, right);
  return murmur3(pair);
}

export class MerkleTree {
  /** levels[0] is the root (one hash); levels[depth] the 2^depth leaves. */
  private readonly levels: Uint32Array[];

  private constructor(
    readonly depth: number,
    levels: Uint32Array[],
  ) {
    this.levels = levels;
  }

  /** Builds the tree from (key, digest) entries. O(entries + 2^depth). */
  static build(entries: Iterable<readonly [string, number]>, depth: number): MerkleTree {
    if (!(Number.isInteger(depth) && depth >= 0 && depth <= MAX_TREE_DEPTH))
      throw new RangeError(`Merkle depth must be 0..${MAX_TREE_DEPTH}, got ${depth}`);
    const levels: Uint32Array[] = [];
    for (let d = 0; d <= depth; d++) levels.push(new Uint32Array(1 << d));
    const leaves = levels[depth] as Uint32Array;
    for (const [key, digest] of entries) {
      const leaf = leafOf(key, depth);
      leaves[leaf] = ((leaves[leaf] as number) ^ entryHash(key, digest)) >>> 0;
    }
    for (let d = depth - 1; d >= 0; d--) {
      const level = levels[d] as Uint32Array;
      const below = levels[d + 1] as Uint32Array;
      for (let i = 0; i < level.length; i++)
        level[i] = combine(below[2 * i] as number, below[2 * i + 1] as number);
    }
    return new MerkleTree(depth, levels);
  }

  hash(level: number, index: number): number {
    return (this.levels[level] as Uint32Array)[index] as number;
  }

  get root(): number {
    return this.hash(0, 0);
  }

  get leafCount(): number {
    return 1 << this.depth;
  }
}

/**
 * Compares two trees of the same depth the way two replicas do over the wire, level by level from the
 * root, and returns the differing leaves with the bytes of hashes and indices that walk would exchange.
 * (The node runs the same walk as messages; this is the reference the tests hold it to.)
 */
export function diffTrees(
  a: MerkleTree,
  b: MerkleTree,
): { leaves: number[]; bytes: number; roundTrips: number } {
  if (a.depth !== b.depth) throw new Error('diffTrees: trees of different depths');
  let frontier = [0];
  let bytes = 0;
  let roundTrips = 0;
  for (let level = 0; ; level++) {
    roundTrips++;
    bytes += frontier.length * (HASH_BYTES + INDEX_BYTES); // the hashes sent, with their indices
    const differing = frontier.filter((i) => a.hash(level, i) !== b.hash(level, i));
    bytes += differing.length * INDEX_BYTES; // the answer: which differ
    if (level === a.depth || differing.length === 0)
      return { leaves: level === a.depth ? differing : [], bytes, roundTrips };
    const next: number[] = [];
    for (const i of differing) next.push(2 * i, 2 * i + 1);
    frontier = next;
  }
}
