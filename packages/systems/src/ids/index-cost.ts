/**
 * What a stream of keys does to a B+tree index (E1's tree, through its public API only): splits per
 * insert, how full the leaves end up, how many distinct leaves a run of inserts writes, and how many
 * pages a small buffer pool must write back. The buffer pool is an LRU of `bufferPages` pages over the
 * pages each insert's step report names: a page read that is not cached is a read, a dirty page evicted
 * (or flushed at the end) is a write.
 */
import { BPlusTree, type SplitRule } from '../btree/tree';

export interface IndexCostOptions {
  /** Most children of an inner page; a leaf holds fan-out − 1 keys. */
  readonly fanout: number;
  readonly bufferPages: number;
  /** Inserts per window when counting distinct leaves written. */
  readonly window: number;
  /** How a full leaf splits: the textbook halves, or PostgreSQL's packed rightmost split. */
  readonly splitRule?: SplitRule;
}

export interface IndexCost {
  readonly inserts: number;
  readonly splits: number;
  readonly splitsPerInsert: number;
  readonly leaves: number;
  /** Keys per leaf over the most a leaf holds. */
  readonly leafFill: number;
  readonly height: number;
  /** Distinct leaves written per window of inserts, on average over whole windows. */
  readonly leavesPerWindow: number;
  readonly pageReads: number;
  readonly pageWrites: number;
  readonly pageWritesPerInsert: number;
}

class LruPool {
  private readonly pages = new Map<number, boolean>(); // page → dirty, least recently used first
  reads = 0;
  writes = 0;

  constructor(private readonly capacity: number) {}

  touch(page: number, dirty: boolean): void {
    const cached = this.pages.get(page);
    if (cached === undefined) this.reads++;
    else this.pages.delete(page);
    this.pages.set(page, dirty || cached === true);
    if (this.pages.size > this.capacity) {
      const [oldest, wasDirty] = this.pages.entries().next().value as [number, boolean];
      this.pages.delete(oldest);
      if (wasDirty) this.writes++;
    }
  }

  /** A checkpoint: every dirty page written. */
  flush(): void {
    for (const [page, dirty] of this.pages) {
      if (dirty) this.writes++;
      this.pages.set(page, false);
    }
  }
}

export function indexCost(keys: readonly string[], options: IndexCostOptions): IndexCost {
  const tree = new BPlusTree<number>(options.fanout, { splitRule: options.splitRule ?? 'half' });
  const pool = new LruPool(options.bufferPages);
  let splits = 0;
  let windowLeaves = new Set<number>();
  let windowsDone = 0;
  let leavesInWindows = 0;
  keys.forEach((key, i) => {
    const report = tree.insert([key], i);
    splits += report.splits.length;
    const path = report.pages;
    // The leaf and every page a split wrote (the split pages, their new siblings, the parents that took a separator).
    const dirtyFrom = Math.max(0, path.length - 1 - report.splits.length);
    path.forEach((page, level) => pool.touch(page, level >= dirtyFrom));
    for (const split of report.splits) pool.touch(split.into, true);
    windowLeaves.add(path[path.length - 1] as number);
    for (const split of report.splits) windowLeaves.add(split.into);
    if ((i + 1) % options.window === 0) {
      windowsDone++;
      leavesInWindows += windowLeaves.size;
      windowLeaves = new Set();
    }
  });
  pool.flush();
  const leaves = tree.leafCount;
  return {
    inserts: keys.length,
    splits,
    splitsPerInsert: splits / keys.length,
    leaves,
    leafFill: tree.size / (leaves * tree.maxKeys),
    height: tree.height,
    leavesPerWindow: windowsDone > 0 ? leavesInWindows / windowsDone : 0,
    pageReads: pool.reads,
    pageWrites: pool.writes,
    pageWritesPerInsert: pool.writes / keys.length,
  };
}
