/**
 * Sharding strategies as plain functions of a key: hash sharding, range sharding over sorted split
 * points, and pre-sharding (many logical shards mapped to few nodes by a directory).
 */
import { murmur3 } from '@dslab/sim';

export function hashShard(key: string, shards: number): number {
  return murmur3(key) % shards;
}

/** Range sharding: shard i holds keys in [splits[i-1], splits[i]); keys compare as strings. */
/** The range holding `key`, given sorted split points (range i is [splits[i-1], splits[i])): binary search. */
export function rangeIndex(splits: readonly string[], key: string): number {
  let lo = 0;
  let hi = splits.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((splits[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RangeShards {
  constructor(readonly splits: readonly string[]) {
    for (let i = 1; i < splits.length; i++) {
      if ((splits[i - 1] as string) >= (splits[i] as string))
        throw new Error('range splits must be strictly increasing');
    }
  }

  get count(): number {
    return this.splits.length + 1;
  }

  shardOf(key: string): number {
    return rangeIndex(this.splits, key);
  }

  /** Shards a range scan [from, to) must visit. */
  shardsForRange(from: string, to: string): number {
    return this.shardOf(to) - this.shardOf(from) + 1;
  }
}

/** Pre-sharding: `logical` fixed hash shards assigned to nodes; scaling out moves whole shards. */
export class PreShardedCluster {
  readonly assignment: string[];

  constructor(
    readonly logical: number,
    nodes: readonly string[],
  ) {
    this.assignment = Array.from({ length: logical }, (_, i) => nodes[i % nodes.length] as string);
  }

  nodeOf(key: string): string {
    return this.assignment[murmur3(key) % this.logical] as string;
  }

  /** Adds a node by taking an even share of logical shards from the most loaded nodes; returns shards moved. */
  addNode(node: string): number {
    const perNode = new Map<string, number[]>();
    this.assignment.forEach((owner, shard) => {
      const list = perNode.get(owner) ?? [];
      list.push(shard);
      perNode.set(owner, list);
    });
    const target = Math.floor(this.logical / (perNode.size + 1));
    let moved = 0;
    while (moved < target) {
      const [, shards] = [...perNode.entries()].sort(
        (a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1),
      )[0] as [string, number[]];
      const shard = shards.pop() as number;
      this.assignment[shard] = node;
      moved++;
    }
    return moved;
  }
}

/** A Snowflake-style id: 41 bits of milliseconds, 10 of worker, 12 of sequence, as a sortable decimal string. */
export function snowflakeId(ms: number, worker: number, sequence: number): string {
  const id = (BigInt(ms) << 22n) | (BigInt(worker & 0x3ff) << 12n) | BigInt(sequence & 0xfff);
  return id.toString().padStart(20, '0');
}
