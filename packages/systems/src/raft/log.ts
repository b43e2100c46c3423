/**
 * Raft's log in memory: entries after the last snapshot, addressed by absolute index (1-based).
 * Index `base` is the last entry covered by the snapshot; its term is kept so the consistency check
 * still works at the boundary.
 */
import { invariant } from '@dslab/sim';
import type { Entry } from './types';

/**
 * How many recent truncations a log remembers for `changedSince`. A reader whose mark is older than
 * that many truncations is told the whole log may have changed (and rescans it): correct, only slower.
 */
export const TRUNCATIONS_KEPT = 32;

const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/** Where a log stood when a reader last looked: its end and how many truncations it had seen. */
export interface LogMark {
  readonly lastIndex: number;
  readonly truncations: number;
}

export class RaftLog {
  private entries: Entry[] = [];
  /** Truncations so far (entries removed from the tail, or the whole log replaced by a snapshot). */
  private truncations = 0;
  /** The index each of the last TRUNCATIONS_KEPT truncations removed from, by truncation number modulo. */
  private readonly truncatedFrom: number[] = [];
  constructor(
    /** Last index covered by the snapshot (0: none). */
    private base = 0,
    private baseTerm = 0,
  ) {}

  get snapshotIndex(): number {
    return this.base;
  }

  get snapshotTerm(): number {
    return this.baseTerm;
  }

  get lastIndex(): number {
    return this.base + this.entries.length;
  }

  get lastTerm(): number {
    return this.term(this.lastIndex) as number;
  }

  /** Term of the entry at `index`; undefined when it is compacted away (below the base) or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    if (index < this.base || index > this.lastIndex) return undefined;
    return (this.entries[index - this.base - 1] as Entry).term;
  }

  /** The entry at `index` without the bounds assertion, for hot read-only scans that checked the bounds. */
  entryUnchecked(index: number): Entry | undefined {
    return this.entries[index - this.base - 1];
  }

  /** Where the log stands now: hand it back to `changedSince` later. */
  mark(): LogMark {
    return { lastIndex: this.lastIndex, truncations: this.truncations };
  }

  /** `mark()` written into an existing mark (a reader that looks often need not allocate one each time). */
  markInto(mark: { lastIndex: number; truncations: number }): void {
    mark.lastIndex = this.lastIndex;
    mark.truncations = this.truncations;
  }

  /**
   * The lowest index whose entry may differ from what it held at `mark` (appended since, overwritten,
   * or removed); every entry below it is the same object as then, unless compaction dropped it. 0 when
   * the log forgot too many truncations to tell.
   */
  changedSince(mark: LogMark): number {
    if (this.truncations - mark.truncations > TRUNCATIONS_KEPT) return 0;
    let low = mark.lastIndex + 1;
    for (let k = mark.truncations; k < this.truncations; k++) {
      const from = this.truncatedFrom[k % TRUNCATIONS_KEPT] as number;
      if (from < low) low = from;
    }
    return low;
  }

  private noteTruncation(from: number): void {
    this.truncatedFrom[this.truncations % TRUNCATIONS_KEPT] = from;
    this.truncations++;
  }

  entry(index: number): Entry {
    invariant(
      index > this.base && index <= this.lastIndex,
      'log bounds',
      () => `entry ${index} outside (${this.base}, ${this.lastIndex}]`,
    );
    return this.entries[index - this.base - 1] as Entry;
  }

  /**
   * Entries from `from` (inclusive), at most `max` of them. Past the end it is one shared empty array
   * (heartbeats and read rounds carry no entries: a fresh array each was a third of the appends' garbage).
   */
  slice(from: number, max: number): readonly Entry[] {
    invariant(
      from > this.base,
      'log bounds',
      () => `slice from ${from} reaches into the snapshot (${this.base})`,
    );
    if (from > this.lastIndex) return NO_ENTRIES;
    return this.entries.slice(from - this.base - 1, from - this.base - 1 + max);
  }

  append(entry: Entry): number {
    invariant(
      entry.term >= this.lastTerm,
      'log terms never decrease',
      () => `${entry.term} after ${this.lastTerm}`,
    );
    this.entries.push(entry);
    return this.lastIndex;
  }

  /** Drops every entry from `index` on (a conflict with the leader's log). */
  truncateFrom(index: number): void {
    invariant(
      index > this.base,
      'log truncation',
      () => `cannot truncate ${index}: at or below the snapshot ${this.base}`,
    );
    if (index <= this.lastIndex) this.noteTruncation(index);
    this.entries.length = Math.max(0, index - this.base - 1);
  }

  /** Forgets entries up to `index` (now in a snapshot), keeping those after it when they agree. */
  compactTo(index: number, term: number): void {
    if (index <= this.base) return;
    if (this.term(index) === term) {
      this.entries = this.entries.slice(index - this.base);
    } else {
      this.entries = []; // the snapshot replaces a log that disagrees with it (InstallSnapshot)
      this.noteTruncation(index + 1);
    }
    this.base = index;
    this.baseTerm = term;
  }

  /** Index of the first entry with `term` at or before `index` (the fast back-off hint). */
  firstIndexOfTerm(term: number, index: number): number {
    let i = index;
    while (i - 1 > this.base && this.term(i - 1) === term) i--;
    return i;
  }

  /** Last index holding `term`, or 0 when the log has none. */
  lastIndexOfTerm(term: number): number {
    for (let i = this.lastIndex; i > this.base; i--) {
      const t = this.term(i) as number;
      if (t === term) return i;
      if (t < term) return 0;
    }
    return this.baseTerm === term ? this.base : 0;
  }

  all(): readonly Entry[] {
    return this.entries;
  }
}
