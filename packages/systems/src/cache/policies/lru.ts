/**
 * Least recently used, O(1) per operation: a Map from key to a slot, and a doubly linked list of slots
 * kept in typed arrays (no object per entry, no allocation on a hit). Slots of deleted entries go on a
 * free list, so a full cache reuses the evicted entry's slot.
 */
import { invariant } from '@dslab/sim';
import type { EvictionPolicy } from './policy';

const NONE = -1;

export class LruCache<K, V> implements EvictionPolicy<K, V> {
  readonly name = 'LRU';
  private readonly index = new Map<K, number>();
  private readonly keyOf: (K | undefined)[];
  private readonly valueOf: (V | undefined)[];
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly free: Int32Array;
  private freeCount = 0;
  private used = 0;
  /** Most recently used slot. */
  private head = NONE;
  /** Least recently used slot: the next victim. */
  private tail = NONE;
  /** Evictions so far (capacity pressure, not deletes). */
  evictions = 0;

  constructor(readonly capacity: number) {
    invariant(
      Number.isInteger(capacity) && capacity >= 1,
      'lru config',
      () => `capacity must be a whole number ≥ 1, got ${capacity}`,
    );
    this.keyOf = new Array<K | undefined>(capacity);
    this.valueOf = new Array<V | undefined>(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.free = new Int32Array(capacity);
  }

  get size(): number {
    return this.index.size;
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  /** The value without touching recency. */
  peek(key: K): V | undefined {
    const slot = this.index.get(key);
    return slot === undefined ? undefined : this.valueOf[slot];
  }

  get(key: K): V | undefined {
    const slot = this.index.get(key);
    if (slot === undefined) return undefined;
    if (slot !== this.head) {
      this.unlink(slot);
      this.pushHead(slot);
    }
    return this.valueOf[slot];
  }

  /** Inserts or replaces; returns the key evicted to make room, if any. */
  set(key: K, value: V): K | undefined {
    const existing = this.index.get(key);
    if (existing !== undefined) {
      this.valueOf[existing] = value;
      if (existing !== this.head) {
        this.unlink(existing);
        this.pushHead(existing);
      }
      return undefined;
    }
    let evicted: K | undefined;
    let slot: number;
    if (this.index.size >= this.capacity) {
      slot = this.tail;
      evicted = this.keyOf[slot] as K;
      this.index.delete(evicted);
      this.unlink(slot);
      this.evictions++;
    } else if (this.freeCount > 0) slot = this.free[--this.freeCount] as number;
    else slot = this.used++;
    this.keyOf[slot] = key;
    this.valueOf[slot] = value;
    this.index.set(key, slot);
    this.pushHead(slot);
    return evicted;
  }

  delete(key: K): boolean {
    const slot = this.index.get(key);
    if (slot === undefined) return false;
    this.index.delete(key);
    this.unlink(slot);
    this.keyOf[slot] = undefined;
    this.valueOf[slot] = undefined;
    this.free[this.freeCount++] = slot;
    return true;
  }

  /** The least recently used key (the next victim), without touching it. */
  oldest(): K | undefined {
    return this.tail === NONE ? undefined : this.keyOf[this.tail];
  }

  /** Removes and returns the least recently used entry. */
  pop(): [K, V] | undefined {
    if (this.tail === NONE) return undefined;
    const key = this.keyOf[this.tail] as K;
    const value = this.valueOf[this.tail] as V;
    this.delete(key);
    return [key, value];
  }

  /** Keys from most to least recently used (tests and the lab). */
  keys(): K[] {
    const out: K[] = [];
    for (let slot = this.head; slot !== NONE; slot = this.next[slot] as number)
      out.push(this.keyOf[slot] as K);
    return out;
  }

  clear(): void {
    this.index.clear();
    this.keyOf.fill(undefined);
    this.valueOf.fill(undefined);
    this.head = this.tail = NONE;
    this.used = 0;
    this.freeCount = 0;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot] as number;
    const n = this.next[slot] as number;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
  }

  private pushHead(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }
}
