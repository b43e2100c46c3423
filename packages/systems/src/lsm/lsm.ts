/**
 * An LSM tree with both compaction styles, counting every byte it writes and every run and block it
 * reads: writes append to the WAL, then land in the memtable; a full memtable is flushed as an
 * immutable sorted run; compaction merges runs — size-tiered (merge a tier of similar-sized runs) or
 * leveled (L0 of flushed runs, then levels of non-overlapping tables, each `fanout` times the last).
 */
import { invariant } from '@dslab/sim';
import { SortedRun, TOMBSTONE, entryBytes, mergeRuns, type Entry, type Value } from './run';

export type Compaction = 'size-tiered' | 'leveled' | 'none';

export interface LsmOptions {
  readonly compaction: Compaction;
  /** Entries in the memtable before it is flushed. */
  readonly memtableEntries: number;
  readonly bloomBitsPerKey: number;
  /** Leveled: size ratio between levels. */
  readonly fanout: number;
  /** Size-tiered: runs of similar size merged together once there are this many. */
  readonly tierSize: number;
  /** Leveled: L0 runs that trigger a compaction into L1. */
  readonly l0Trigger: number;
}

export const defaultLsmOptions: LsmOptions = {
  compaction: 'leveled',
  memtableEntries: 1_000,
  bloomBitsPerKey: 10,
  fanout: 10,
  tierSize: 4,
  l0Trigger: 4,
};

export interface LsmStats {
  userBytes: number;
  walBytes: number;
  flushBytes: number;
  compactionBytes: number;
  flushes: number;
  compactions: number;
  gets: number;
  runsProbed: number;
  runsSkippedByBloom: number;
  blocksRead: number;
}

export class LsmTree {
  readonly options: LsmOptions;
  private memtable = new Map<string, Value>();
  /** The write-ahead log since the last flush (what a crash replays). */
  private wal: Entry[] = [];
  /** Size-tiered and L0: runs, newest first. */
  private l0: SortedRun[] = [];
  /** Leveled: levels[0] is L1; each is non-overlapping tables in key order. */
  private levels: SortedRun[][] = [];
  private readonly targetTableEntries: number;
  readonly stats: LsmStats = {
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionBytes: 0,
    flushes: 0,
    compactions: 0,
    gets: 0,
    runsProbed: 0,
    runsSkippedByBloom: 0,
    blocksRead: 0,
  };

  constructor(options: Partial<LsmOptions> = {}) {
    this.options = { ...defaultLsmOptions, ...options };
    invariant(
      this.options.memtableEntries >= 1 && this.options.fanout >= 2 && this.options.tierSize >= 2,
      'lsm options',
      () => JSON.stringify(this.options),
    );
    this.targetTableEntries = this.options.memtableEntries;
  }

  put(key: string, value: string): void {
    this.write(key, value);
  }

  delete(key: string): void {
    this.write(key, TOMBSTONE);
  }

  private write(key: string, value: Value): void {
    const entry: Entry = [key, value];
    const bytes = entryBytes(entry);
    this.stats.userBytes += bytes;
    this.wal.push(entry); // durable first, then visible
    this.stats.walBytes += bytes;
    this.memtable.set(key, value);
    if (this.memtable.size >= this.options.memtableEntries) this.flush();
  }

  /** The memtable becomes an immutable sorted run; the WAL it covered is dropped. */
  flush(): void {
    if (this.memtable.size === 0) return;
    const entries: Entry[] = [...this.memtable.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const run = new SortedRun(entries, this.options.bloomBitsPerKey);
    this.stats.flushBytes += run.bytes;
    this.stats.flushes++;
    this.l0.unshift(run);
    this.memtable = new Map();
    this.wal = [];
    this.compact();
  }

  /** A crash loses the memtable; the WAL rebuilds it. Returns how many writes were replayed. */
  crashAndRecover(): number {
    const replay = this.wal;
    this.memtable = new Map();
    for (const [key, value] of replay) this.memtable.set(key, value);
    return replay.length;
  }

  private compact(): void {
    if (this.options.compaction === 'size-tiered') this.compactTiers();
    else if (this.options.compaction === 'leveled') this.compactLevels();
  }

  /**
   * Size-tiered: merge `tierSize` runs of similar size (within 2× of each other). Only runs adjacent
   * in age are merged — entries carry no timestamps here, so the merged run must take one place in the
   * newest-first order — and tombstones are dropped only when nothing older remains below.
   */
  private compactTiers(): void {
    const t = this.options.tierSize;
    for (;;) {
      let start = -1;
      for (let i = 0; i + t <= this.l0.length; i++) {
        const window = this.l0.slice(i, i + t);
        const sizes = window.map((r) => r.bytes);
        if (Math.max(...sizes) <= 2 * Math.min(...sizes)) {
          start = i;
          break;
        }
      }
      if (start < 0) return;
      const window = this.l0.slice(start, start + t);
      const bottom = start + t === this.l0.length;
      const merged = new SortedRun(mergeRuns(window, bottom), this.options.bloomBitsPerKey);
      this.stats.compactionBytes += merged.bytes;
      this.stats.compactions++;
      this.l0.splice(start, t, merged);
    }
  }

  private levelLimitEntries(level: number): number {
    return this.options.memtableEntries * this.options.l0Trigger * this.options.fanout ** level;
  }

  private compactLevels(): void {
    if (this.l0.length >= this.options.l0Trigger) {
      const inputs = this.l0;
      this.l0 = [];
      this.mergeInto(0, inputs);
    }
    for (let level = 0; level < this.levels.length; level++) {
      const tables = this.levels[level] as SortedRun[];
      const entries = tables.reduce((n, t) => n + t.entries.length, 0);
      if (entries <= this.levelLimitEntries(level)) continue;
      // Push one table (round robin by key) down into the next level.
      const victim = tables.shift() as SortedRun;
      this.mergeInto(level + 1, [victim]);
    }
  }

  /** Merges `inputs` (newest first) with the overlapping tables of `level` and writes new tables there. */
  private mergeInto(level: number, inputs: readonly SortedRun[]): void {
    while (this.levels.length <= level) this.levels.push([]);
    const target = this.levels[level] as SortedRun[];
    const lo = inputs.reduce((m, r) => (r.minKey < m ? r.minKey : m), (inputs[0] as SortedRun).minKey);
    const hi = inputs.reduce((m, r) => (r.maxKey > m ? r.maxKey : m), (inputs[0] as SortedRun).maxKey);
    const overlapping = target.filter((t) => t.overlaps(lo, hi));
    const bottom = level === this.levels.length - 1;
    const merged = mergeRuns([...inputs, ...overlapping], bottom);
    const kept = target.filter((t) => !overlapping.includes(t));
    const fresh: SortedRun[] = [];
    for (let i = 0; i < merged.length; i += this.targetTableEntries) {
      const table = new SortedRun(merged.slice(i, i + this.targetTableEntries), this.options.bloomBitsPerKey);
      this.stats.compactionBytes += table.bytes;
      fresh.push(table);
    }
    this.stats.compactions++;
    this.levels[level] = [...kept, ...fresh].sort((a, b) => (a.minKey < b.minKey ? -1 : 1));
  }

  get(key: string): string | undefined {
    this.stats.gets++;
    if (this.memtable.has(key)) return this.memtable.get(key) ?? undefined;
    const probe = (run: SortedRun): Entry | undefined => {
      this.stats.runsProbed++;
      const found = run.get(key);
      if (found.filtered) this.stats.runsSkippedByBloom++;
      if (found.blockRead) this.stats.blocksRead++;
      return found.entry;
    };
    for (const run of this.l0) {
      const entry = probe(run);
      if (entry) return entry[1] ?? undefined;
    }
    for (const tables of this.levels) {
      const table = tables.find((t) => t.minKey <= key && t.maxKey >= key);
      if (!table) continue;
      const entry = probe(table);
      if (entry) return entry[1] ?? undefined;
    }
    return undefined;
  }

  /** Bytes in all runs (what is on disk besides the WAL). */
  get diskBytes(): number {
    let bytes = 0;
    for (const run of this.l0) bytes += run.bytes;
    for (const tables of this.levels) for (const t of tables) bytes += t.bytes;
    return bytes;
  }

  /** Runs a read may have to look at: L0 runs plus one per non-empty level. */
  get sortedRuns(): number {
    return this.l0.length + this.levels.filter((l) => l.length > 0).length;
  }

  get levelCount(): number {
    return this.levels.filter((l) => l.length > 0).length;
  }

  /** Every run now held, for checking they never change. */
  runs(): readonly SortedRun[] {
    return [...this.l0, ...this.levels.flat()];
  }

  get walEntries(): number {
    return this.wal.length;
  }

  /** Plain data for the lab and reports. */
  shape(): { memtable: number; l0: number[]; levels: number[][] } {
    return {
      memtable: this.memtable.size,
      l0: this.l0.map((r) => r.entries.length),
      levels: this.levels.map((tables) => tables.map((t) => t.entries.length)),
    };
  }
}
