/**
 * An LSM tree with both compaction styles, on a `Disk` (the simulator's, with crash semantics, unless
 * one is given), counting every byte it writes and every run and block it reads: a write appends a
 * record to the WAL, then lands in the memtable; `sync()` makes the writes so far durable (the
 * acknowledgement); a full memtable is flushed as an immutable run file; compaction merges runs —
 * size-tiered (a tier of similar-sized runs) or leveled (L0 of flushed runs, then levels of
 * non-overlapping tables, each `fanout` times the last).
 *
 * On disk, as LevelDB and RocksDB do it: WAL segments `NNNNNN.log`, run files `NNNNNN.sst` (written
 * whole, never changed), and a `MANIFEST` naming the live runs and the first WAL segment no run holds
 * yet. A flush or compaction writes its new runs, syncs them, then replaces the manifest atomically
 * (write a temporary, sync, rename, sync) and only then removes what it replaced. The constructor is
 * the start code: it reads the manifest, loads its runs, and replays the WAL segments it names, each up
 * to its first torn or corrupt record.
 */
import { SimDisk, invariant, type Disk } from '@dslab/sim';
import {
  decodeManifest,
  decodeRun,
  encodeManifest,
  encodeRun,
  encodeWalRecord,
  readWal,
  type Manifest,
} from './codec';
import { SortedRun, TOMBSTONE, mergeRuns, payloadBytes, type Entry, type Value } from './run';

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
  /** Keys and values handed to put/delete, in UTF-8. */
  userBytes: number;
  /** Bytes this tree appended to its WAL (the disk counts its own; see the write-path scenario). */
  walBytes: number;
  syncs: number;
  flushBytes: number;
  compactionBytes: number;
  flushes: number;
  compactions: number;
  gets: number;
  runsProbed: number;
  runsSkippedByBloom: number;
  blocksRead: number;
}

/** What the start code found on disk. */
export interface LsmRecovery {
  readonly runsLoaded: number;
  readonly walSegments: number;
  readonly walRecords: number;
  /** Torn or corrupt WAL tails skipped (bytes). */
  readonly ignoredWalBytes: number;
}

const MANIFEST = 'MANIFEST';
const MANIFEST_TEMP = 'MANIFEST.tmp';
const fileName = (number: number, kind: 'log' | 'sst') => `${String(number).padStart(6, '0')}.${kind}`;
const fileNumber = (name: string) => /^(\d+)\.(log|sst)$/.exec(name);

export class LsmTree {
  readonly options: LsmOptions;
  readonly disk: Disk;
  readonly recovery: LsmRecovery;
  private memtable = new Map<string, Value>();
  /** Size-tiered and L0: runs, newest first. */
  private l0: SortedRun[] = [];
  /** Leveled: levels[0] is L1; each is non-overlapping tables in key order. */
  private levels: SortedRun[][] = [];
  /** The file number of each run. */
  private readonly fileOf = new Map<SortedRun, number>();
  /** Run files replaced since the last manifest: removed once the next manifest is durable. */
  private obsoleteRuns: number[] = [];
  private nextFile = 1;
  /** WAL segments from this number on are not yet in any run. */
  private logNumber = 0;
  /** The segment new writes append to. */
  private currentLog = 0;
  private sequence = 0;
  private readonly targetTableEntries: number;
  readonly stats: LsmStats = {
    userBytes: 0,
    walBytes: 0,
    syncs: 0,
    flushBytes: 0,
    compactionBytes: 0,
    flushes: 0,
    compactions: 0,
    gets: 0,
    runsProbed: 0,
    runsSkippedByBloom: 0,
    blocksRead: 0,
  };

  /** Opens the tree on `disk` (a fresh simulated disk by default), recovering whatever it holds. */
  constructor(options: Partial<LsmOptions> = {}, disk: Disk = new SimDisk()) {
    this.options = { ...defaultLsmOptions, ...options };
    invariant(
      this.options.memtableEntries >= 1 && this.options.fanout >= 2 && this.options.tierSize >= 2,
      'lsm options',
      () => JSON.stringify(this.options),
    );
    this.targetTableEntries = this.options.memtableEntries;
    this.disk = disk;
    this.recovery = this.recover();
  }

  /** The start code: manifest, runs, then the WAL segments no run holds yet, in order. */
  private recover(): LsmRecovery {
    const names = this.disk.list();
    const manifestBytes = this.disk.read(MANIFEST);
    const stored = manifestBytes && decodeManifest(manifestBytes);
    // The manifest is only ever renamed into place whole, so a corrupt one is a bug, not a crash.
    invariant(
      manifestBytes === undefined || stored !== undefined,
      'lsm manifest',
      () => 'the manifest is corrupt',
    );
    const manifest: Manifest = stored || { nextFile: 1, logNumber: 0, l0: [], levels: [] };
    const load = (number: number) => {
      const bytes = this.disk.read(fileName(number, 'sst'));
      const entries = bytes && decodeRun(bytes);
      invariant(
        entries !== undefined,
        'lsm run file',
        () => `run ${number} named by the manifest is missing or corrupt`,
      );
      const run = new SortedRun(entries, this.options.bloomBitsPerKey);
      this.fileOf.set(run, number);
      return run;
    };
    this.l0 = manifest.l0.map(load);
    this.levels = manifest.levels.map((tables) => tables.map(load));
    this.logNumber = manifest.logNumber;
    let highest = manifest.nextFile - 1;
    const segments: number[] = [];
    for (const name of names) {
      const match = fileNumber(name);
      if (!match) continue;
      const number = Number(match[1]);
      highest = Math.max(highest, number);
      if (match[2] === 'log' && number >= this.logNumber) segments.push(number);
    }
    segments.sort((a, b) => a - b);
    let walRecords = 0;
    let ignoredWalBytes = 0;
    for (const segment of segments) {
      const replay = readWal(this.disk.read(fileName(segment, 'log')) as Uint8Array);
      for (const { sequence, entry } of replay.records) {
        this.memtable.set(entry[0], entry[1]);
        this.sequence = Math.max(this.sequence, sequence);
      }
      walRecords += replay.records.length;
      ignoredWalBytes += replay.ignoredBytes;
    }
    this.nextFile = highest + 1;
    this.currentLog = this.logAfterRecovery(segments);
    // Leftovers of a flush or compaction that crashed before its manifest, and files already replaced.
    const live = new Set(this.runs().map((run) => this.fileOf.get(run)));
    for (const name of names) {
      const match = fileNumber(name);
      const stale = match
        ? match[2] === 'sst'
          ? !live.has(Number(match[1]))
          : Number(match[1]) < this.logNumber
        : name === MANIFEST_TEMP;
      if (stale) this.disk.remove(name);
    }
    return { runsLoaded: this.fileOf.size, walSegments: segments.length, walRecords, ignoredWalBytes };
  }

  /**
   * The WAL segment new writes go to after recovery: always a new one. Appending to the last replayed
   * segment would put acknowledged records after a torn tail, where the next replay stops reading.
   */
  protected logAfterRecovery(_replayedSegments: readonly number[]): number {
    return this.nextFile++;
  }

  put(key: string, value: string): void {
    this.write(key, value);
  }

  delete(key: string): void {
    this.write(key, TOMBSTONE);
  }

  private write(key: string, value: Value): void {
    const entry: Entry = [key, value];
    this.stats.userBytes += payloadBytes(entry);
    const record = encodeWalRecord(++this.sequence, entry);
    this.disk.append(fileName(this.currentLog, 'log'), record); // logged first, then visible
    this.stats.walBytes += record.length;
    this.memtable.set(key, value);
    if (this.memtable.size >= this.options.memtableEntries) this.flush();
  }

  /** Makes every write so far durable: what a write is acknowledged after. */
  sync(): void {
    this.disk.sync();
    this.stats.syncs++;
  }

  /** The memtable becomes an immutable run file; the WAL segments it covered are dropped after. */
  flush(): void {
    if (this.memtable.size === 0) return;
    const entries: Entry[] = [...this.memtable.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const run = this.writeRun(entries);
    this.stats.flushes++;
    this.l0.unshift(run);
    this.memtable = new Map();
    const replacedLogsBelow = (this.currentLog = this.nextFile++);
    this.compact();
    this.commit(replacedLogsBelow);
  }

  /** Writes a run file (whole, once) and returns the run; counts its bytes as flush or compaction. */
  private writeRun(entries: readonly Entry[], compaction = false): SortedRun {
    const run = new SortedRun(entries, this.options.bloomBitsPerKey);
    const number = this.nextFile++;
    const bytes = encodeRun(entries);
    this.disk.write(fileName(number, 'sst'), bytes);
    if (compaction) this.stats.compactionBytes += bytes.length;
    else this.stats.flushBytes += bytes.length;
    this.fileOf.set(run, number);
    return run;
  }

  private retire(run: SortedRun): void {
    const number = this.fileOf.get(run);
    if (number !== undefined) this.obsoleteRuns.push(number);
    this.fileOf.delete(run);
  }

  /**
   * Makes the new shape durable, then drops what it replaced: the run files written so far are synced,
   * the manifest naming them (and `logNumber`, the first WAL segment they do not hold) is written to a
   * temporary, synced, renamed over the old one and synced again; only then are the replaced runs and
   * WAL segments removed. A crash before the rename finds the old manifest and the old files intact.
   */
  protected commit(logNumber: number): void {
    const manifest: Manifest = {
      nextFile: this.nextFile,
      logNumber,
      l0: this.l0.map((run) => this.fileOf.get(run) as number),
      levels: this.levels.map((tables) => tables.map((run) => this.fileOf.get(run) as number)),
    };
    this.disk.write(MANIFEST_TEMP, encodeManifest(manifest));
    this.disk.sync();
    this.disk.rename(MANIFEST_TEMP, MANIFEST);
    this.disk.sync();
    this.dropReplaced(logNumber);
  }

  /** Removes replaced run files and the WAL segments below `logNumber` (after the manifest is durable). */
  protected dropReplaced(logNumber: number): void {
    this.logNumber = logNumber;
    for (const number of this.obsoleteRuns) this.disk.remove(fileName(number, 'sst'));
    this.obsoleteRuns = [];
    for (const name of this.disk.list()) {
      const match = fileNumber(name);
      if (match && match[2] === 'log' && Number(match[1]) < logNumber) this.disk.remove(name);
    }
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
      const merged = this.writeRun(mergeRuns(window, bottom), true);
      this.stats.compactions++;
      this.l0.splice(start, t, merged);
      window.forEach((run) => this.retire(run));
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
    for (let i = 0; i < merged.length; i += this.targetTableEntries)
      fresh.push(this.writeRun(merged.slice(i, i + this.targetTableEntries), true));
    this.stats.compactions++;
    for (const run of [...inputs, ...overlapping]) this.retire(run);
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

  /** Every live key and its value, in key order: memtable over runs, newest first, tombstones hidden. */
  entries(): [string, string][] {
    const merged = new Map<string, Value>(this.memtable);
    for (const run of this.runs())
      for (const [key, value] of run.entries) if (!merged.has(key)) merged.set(key, value);
    const out: [string, string][] = [];
    for (const [key, value] of merged) if (value !== TOMBSTONE) out.push([key, value]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
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

/** Bytes the tree wrote to runs (flushes and compactions) per byte of keys and values written to it. */
export function writeAmplification(stats: LsmStats): number {
  return stats.userBytes > 0 ? (stats.flushBytes + stats.compactionBytes) / stats.userBytes : 0;
}
