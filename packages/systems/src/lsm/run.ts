/**
 * An immutable sorted run (an SSTable): entries in key order cut into blocks, a sparse index of each
 * block's first key, and a Bloom filter over its keys. A lookup asks the filter, then reads one block.
 */
import { invariant } from '@dslab/sim';
import { BloomFilter } from '../bloom/bloom-filter';

/** A deleted key: shadows older values until compaction drops it with them. */
export const TOMBSTONE = null;
export type Value = string | typeof TOMBSTONE;
export type Entry = readonly [string, Value];

export const BLOCK_ENTRIES = 16;
/** Bytes of a string in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one 4-byte code point
      i++;
    } else bytes += 3; // the rest of the BMP, and a lone surrogate (encoded as U+FFFD)
  }
  return bytes;
}

/** Bytes the user hands in for an entry: its key and value in UTF-8. */
export const payloadBytes = (entry: Entry) =>
  utf8Length(entry[0]) + (entry[1] === TOMBSTONE ? 0 : utf8Length(entry[1]));

/** Bytes an entry takes in a run file (codec.ts): key and value lengths (4 bytes each), key, value. */
export const entryBytes = (entry: Entry) => payloadBytes(entry) + 8;

export class SortedRun {
  readonly bytes: number;
  private readonly firstKeys: string[];
  private readonly bloom: BloomFilter | undefined;

  constructor(
    readonly entries: readonly Entry[],
    bloomBitsPerKey: number,
  ) {
    for (let i = 1; i < entries.length; i++) {
      invariant(
        (entries[i - 1] as Entry)[0] < (entries[i] as Entry)[0],
        'sorted run',
        () => 'entries out of order or duplicated',
      );
    }
    this.bytes = entries.reduce((sum, e) => sum + entryBytes(e), 0);
    this.firstKeys = [];
    for (let i = 0; i < entries.length; i += BLOCK_ENTRIES) this.firstKeys.push((entries[i] as Entry)[0]);
    if (bloomBitsPerKey > 0 && entries.length > 0) {
      const m = Math.max(8, Math.ceil(entries.length * bloomBitsPerKey));
      this.bloom = new BloomFilter(m, Math.max(1, Math.round(bloomBitsPerKey * Math.LN2)));
      for (const [key] of entries) this.bloom.add(key);
    }
    Object.freeze(this.entries);
  }

  get minKey(): string {
    return (this.entries[0] as Entry)[0];
  }

  get maxKey(): string {
    return (this.entries[this.entries.length - 1] as Entry)[0];
  }

  overlaps(lo: string, hi: string): boolean {
    return this.entries.length > 0 && this.minKey <= hi && this.maxKey >= lo;
  }

  /** The entry for `key` if any, and whether a block had to be read to know. */
  get(key: string): { entry: Entry | undefined; blockRead: boolean; filtered: boolean } {
    if (this.entries.length === 0 || key < this.minKey || key > this.maxKey)
      return { entry: undefined, blockRead: false, filtered: false };
    if (this.bloom && !this.bloom.mightContain(key))
      return { entry: undefined, blockRead: false, filtered: true };
    // The sparse index: the last block whose first key is ≤ key.
    let lo = 0;
    let hi = this.firstKeys.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.firstKeys[mid] as string) <= key) lo = mid;
      else hi = mid - 1;
    }
    const start = lo * BLOCK_ENTRIES;
    for (let i = start; i < Math.min(start + BLOCK_ENTRIES, this.entries.length); i++) {
      const entry = this.entries[i] as Entry;
      if (entry[0] === key) return { entry, blockRead: true, filtered: false };
    }
    return { entry: undefined, blockRead: true, filtered: false };
  }
}

/** Merges runs (newest first) into sorted entries; the newest value of a key wins. */
export function mergeRuns(newestFirst: readonly SortedRun[], dropTombstones: boolean): Entry[] {
  const merged = new Map<string, Value>();
  for (const run of newestFirst)
    for (const [key, value] of run.entries) if (!merged.has(key)) merged.set(key, value);
  const out: Entry[] = [];
  for (const [key, value] of merged) if (!(dropTombstones && value === TOMBSTONE)) out.push([key, value]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
