/**
 * Ranges that split themselves under load (as Bigtable tablets, HBase regions and CockroachDB ranges
 * do): each range counts the requests it served in the current window; at the end of a window a range
 * above the threshold splits at the median key it saw, and ranges are spread over nodes round robin.
 */
import { rangeIndex } from './strategies';

export class SplittingRanges {
  /** Sorted split points; range i holds keys in [splits[i-1], splits[i]). */
  private splits: string[] = [];
  private load: number[] = [0];
  private seen: string[][] = [[]];
  splitsMade = 0;

  constructor(
    readonly nodes: number,
    /** A range serving more than this share of a window's requests splits. */
    readonly thresholdShare = 0.1,
  ) {}

  get ranges(): number {
    return this.splits.length + 1;
  }

  rangeOf(key: string): number {
    return rangeIndex(this.splits, key);
  }

  nodeOf(key: string): number {
    return this.rangeOf(key) % this.nodes;
  }

  record(key: string): void {
    const r = this.rangeOf(key);
    this.load[r] = (this.load[r] ?? 0) + 1;
    const sample = this.seen[r] as string[];
    if (sample.length < 2_000) sample.push(key);
  }

  /** Ends a window: every range above the threshold splits at its median observed key, if it can. */
  endWindow(): void {
    const total = this.load.reduce((a, b) => a + b, 0);
    const next: string[] = [];
    for (let r = 0; r < this.ranges; r++) {
      if (r > 0) next.push(this.splits[r - 1] as string);
      if ((this.load[r] ?? 0) <= this.thresholdShare * total) continue;
      const keys = [...new Set(this.seen[r])].sort();
      if (keys.length < 2) continue; // one hot key cannot be split
      const median = keys[Math.floor(keys.length / 2)] as string;
      const low = r === 0 ? '' : (this.splits[r - 1] as string);
      if (median <= low) continue;
      next.push(median);
      this.splitsMade++;
    }
    this.splits = next;
    this.load = new Array<number>(this.ranges).fill(0);
    this.seen = Array.from({ length: this.ranges }, () => []);
  }
}
