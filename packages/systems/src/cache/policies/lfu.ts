/**
 * Least frequently used in O(1) (Shah, Mitra & Matani 2010): entries sit in one doubly linked list per
 * use count; the victim is the least recently used entry of the lowest count. With `decayEvery`, every
 * that many accesses all counts are halved (at least 1), so yesterday's hot items lose their lead;
 * without it, counts only grow.
 */
import { invariant } from '@dslab/sim';
import type { EvictionPolicy } from './policy';

interface Entry<K, V> {
  key: K;
  value: V;
  count: number;
  prev: Entry<K, V> | undefined;
  next: Entry<K, V> | undefined;
}

/** One list per count: head is the least recently used of that count. */
interface Bucket<K, V> {
  head: Entry<K, V> | undefined;
  tail: Entry<K, V> | undefined;
}

export interface LfuOptions {
  /** Halve every count after this many accesses (gets and sets); 0 or absent: never. */
  readonly decayEvery?: number;
}

export class LfuCache<K, V> implements EvictionPolicy<K, V> {
  readonly name: string;
  private readonly entries = new Map<K, Entry<K, V>>();
  private readonly buckets = new Map<number, Bucket<K, V>>();
  private minCount = 0;
  private accesses = 0;
  private readonly decayEvery: number;
  evictions = 0;
  decays = 0;

  constructor(
    readonly capacity: number,
    options: LfuOptions = {},
  ) {
    invariant(
      Number.isInteger(capacity) && capacity >= 1,
      'lfu config',
      () => `capacity must be a whole number ≥ 1, got ${capacity}`,
    );
    this.decayEvery = options.decayEvery ?? 0;
    invariant(this.decayEvery >= 0, 'lfu config', () => `decayEvery must be ≥ 0`);
    this.name = this.decayEvery > 0 ? 'LFU with decay' : 'LFU';
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  peek(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** A key's use count (tests and scenarios). */
  count(key: K): number {
    return this.entries.get(key)?.count ?? 0;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.touch(entry);
    this.tick();
    return entry?.value;
  }

  set(key: K, value: V): K | undefined {
    const entry = this.entries.get(key);
    let evicted: K | undefined;
    if (entry !== undefined) {
      entry.value = value;
      this.touch(entry);
    } else {
      if (this.entries.size >= this.capacity) evicted = this.evict();
      const fresh: Entry<K, V> = { key, value, count: 1, prev: undefined, next: undefined };
      this.entries.set(key, fresh);
      this.append(fresh);
      this.minCount = 1;
    }
    this.tick();
    return evicted;
  }

  delete(key: K): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.remove(entry);
    if (this.entries.size === 0) this.minCount = 0;
    else if (!this.buckets.has(this.minCount)) this.minCount = this.lowestCount();
    return true;
  }

  /** Keys in eviction order: lowest count first, least recent first within a count. */
  evictionOrder(): K[] {
    const out: K[] = [];
    for (const count of [...this.buckets.keys()].sort((a, b) => a - b))
      for (let e = this.buckets.get(count)?.head; e !== undefined; e = e.next) out.push(e.key);
    return out;
  }

  private touch(entry: Entry<K, V>): void {
    const from = entry.count;
    this.remove(entry);
    entry.count = from + 1;
    this.append(entry);
    if (from === this.minCount && !this.buckets.has(from)) this.minCount = from + 1;
  }

  private evict(): K {
    const bucket = this.buckets.get(this.minCount) as Bucket<K, V>;
    const victim = bucket.head as Entry<K, V>;
    this.entries.delete(victim.key);
    this.remove(victim);
    this.evictions++;
    return victim.key;
  }

  private tick(): void {
    if (this.decayEvery === 0) return;
    if (++this.accesses < this.decayEvery) return;
    this.accesses = 0;
    this.decay();
  }

  /** Halves every count (at least 1), keeping order by old count then recency within the new lists. */
  private decay(): void {
    this.decays++;
    const old = [...this.buckets.keys()].sort((a, b) => a - b);
    const lists = old.map((count) => this.buckets.get(count) as Bucket<K, V>);
    this.buckets.clear();
    for (const list of lists) {
      let e = list.head;
      while (e !== undefined) {
        const next = e.next;
        e.count = Math.max(1, Math.floor(e.count / 2));
        e.prev = e.next = undefined;
        this.append(e);
        e = next;
      }
    }
    this.minCount = this.lowestCount();
  }

  private lowestCount(): number {
    let low = Infinity;
    for (const count of this.buckets.keys()) if (count < low) low = count;
    return Number.isFinite(low) ? low : 0;
  }

  private append(entry: Entry<K, V>): void {
    let bucket = this.buckets.get(entry.count);
    if (bucket === undefined) {
      bucket = { head: undefined, tail: undefined };
      this.buckets.set(entry.count, bucket);
    }
    entry.prev = bucket.tail;
    entry.next = undefined;
    if (bucket.tail) bucket.tail.next = entry;
    else bucket.head = entry;
    bucket.tail = entry;
  }

  private remove(entry: Entry<K, V>): void {
    const bucket = this.buckets.get(entry.count) as Bucket<K, V>;
    if (entry.prev) entry.prev.next = entry.next;
    else bucket.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else bucket.tail = entry.prev;
    entry.prev = entry.next = undefined;
    if (bucket.head === undefined) this.buckets.delete(entry.count);
  }
}
