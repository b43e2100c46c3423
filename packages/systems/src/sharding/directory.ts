/**
 * The lookup table of directory sharding: sorted key ranges, each mapped to a shard, with a version that
 * rises on every change. A move reassigns a range (or a single key, the range [key, key + '\0')) and
 * splits the ranges around it; nothing outside the moved range changes shard.
 */

export interface DirectoryEntry {
  /** The range is [start, end); end '' means "to the end of the key space". */
  readonly start: string;
  readonly end: string;
  readonly shard: number;
  /** The table version at which this range last changed. */
  readonly version: number;
}

/** The smallest key greater than `key`: a single key's range is [key, after(key)). */
export const after = (key: string) => key + '\u0000';

/** Whether `key` falls in [start, end), with end '' unbounded. */
export const inRange = (key: string, start: string, end: string) => key >= start && (end === '' || key < end);

export class DirectoryTable {
  /** Range i is [starts[i], starts[i + 1]); starts[0] is ''. */
  private starts: string[] = [''];
  private shards: number[];
  private versions: number[] = [0];
  version = 0;

  constructor(initialShard = 0) {
    this.shards = [initialShard];
  }

  get size(): number {
    return this.starts.length;
  }

  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.starts[mid] as string) <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private entry(i: number): DirectoryEntry {
    return {
      start: this.starts[i] as string,
      end: this.starts[i + 1] ?? '',
      shard: this.shards[i] as number,
      version: this.versions[i] as number,
    };
  }

  lookup(key: string): DirectoryEntry {
    return this.entry(this.indexOf(key));
  }

  entries(): DirectoryEntry[] {
    return this.starts.map((_, i) => this.entry(i));
  }

  /** Makes `key` the start of a range (splitting the one holding it); the pieces keep their shard. */
  private split(key: string): void {
    if (key === '') return;
    const i = this.indexOf(key);
    if (this.starts[i] === key) return;
    this.starts.splice(i + 1, 0, key);
    this.shards.splice(i + 1, 0, this.shards[i] as number);
    this.versions.splice(i + 1, 0, this.versions[i] as number);
  }

  /** The shards now holding any part of [start, end). */
  ownersOf(start: string, end: string): Set<number> {
    const owners = new Set<number>();
    for (let i = this.indexOf(start); i < this.starts.length; i++) {
      if (end !== '' && (this.starts[i] as string) >= end) break;
      owners.add(this.shards[i] as number);
    }
    return owners;
  }

  /** Maps [start, end) to `shard`, splitting at both ends; returns the new table version. */
  assign(start: string, end: string, shard: number): number {
    if (end !== '' && end <= start) throw new Error(`empty range [${start}, ${end})`);
    this.split(start);
    this.split(end);
    this.version++;
    for (let i = this.indexOf(start); i < this.starts.length; i++) {
      if (end !== '' && (this.starts[i] as string) >= end) break;
      this.shards[i] = shard;
      this.versions[i] = this.version;
    }
    return this.version;
  }
}
