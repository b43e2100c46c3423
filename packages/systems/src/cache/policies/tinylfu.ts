/**
 * W-TinyLFU (Einziger, Friedman & Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ACM ToS
 * 2017; the policy of Caffeine): a small LRU window (1% of the capacity) takes every new key; what falls
 * out of the window competes for the main space, a segmented LRU (20% probation, 80% protected),
 * against the main space's next victim. The one with the higher estimated frequency stays. Frequencies
 * come from a count-min sketch (K1's `CountMinSketch`, used as is) that every access increments; after
 * `10 × capacity` increments every counter is halved (the paper's reset), so the history ages.
 *
 * A sequential scan touches each key once: its keys pass through the window but lose every admission
 * contest against keys used many times, so the main space keeps the hot set.
 */
import { invariant } from '@dslab/sim';
import { CountMinSketch } from '../../countmin/count-min';
import { LruCache } from './lru';
import type { EvictionPolicy } from './policy';

/** Sketch depth (rows): 4 as in Caffeine. */
const SKETCH_DEPTH = 4;
/** Counters per row per cached entry. */
const SKETCH_WIDTH_PER_ENTRY = 4;
/** Halve the sketch after this many increments per cached entry (the paper's sample size W = 10·C). */
const SAMPLE_PER_ENTRY = 10;

export class WTinyLfuCache<V> implements EvictionPolicy<string, V> {
  readonly name = 'W-TinyLFU';
  readonly sketch: CountMinSketch;
  private readonly window: LruCache<string, V>;
  private readonly probation: LruCache<string, V>;
  private readonly protected: LruCache<string, V>;
  private readonly mainCapacity: number;
  private readonly sampleSize: number;
  private increments = 0;
  evictions = 0;
  /** Window victims refused by the admission filter. */
  rejections = 0;
  resets = 0;

  constructor(readonly capacity: number) {
    invariant(
      Number.isInteger(capacity) && capacity >= 3,
      'w-tinylfu config',
      () => `capacity must be a whole number ≥ 3, got ${capacity}`,
    );
    const windowCapacity = Math.max(1, Math.round(capacity * 0.01));
    this.mainCapacity = capacity - windowCapacity;
    const protectedCapacity = Math.max(1, Math.floor(this.mainCapacity * 0.8));
    this.window = new LruCache(windowCapacity);
    this.protected = new LruCache(protectedCapacity);
    // Probation may hold the whole main space while protected is still empty.
    this.probation = new LruCache(this.mainCapacity);
    this.sketch = new CountMinSketch(Math.max(16, capacity * SKETCH_WIDTH_PER_ENTRY), SKETCH_DEPTH);
    this.sampleSize = capacity * SAMPLE_PER_ENTRY;
  }

  get size(): number {
    return this.window.size + this.probation.size + this.protected.size;
  }

  has(key: string): boolean {
    return this.window.has(key) || this.probation.has(key) || this.protected.has(key);
  }

  peek(key: string): V | undefined {
    return this.window.peek(key) ?? this.probation.peek(key) ?? this.protected.peek(key);
  }

  /** The sketch's estimate of a key's recent use count. */
  frequency(key: string): number {
    return this.sketch.estimate(key);
  }

  get(key: string): V | undefined {
    this.record(key);
    const inWindow = this.window.get(key);
    if (inWindow !== undefined || this.window.has(key)) return inWindow;
    const inProtected = this.protected.get(key);
    if (inProtected !== undefined || this.protected.has(key)) return inProtected;
    if (!this.probation.has(key)) return undefined;
    const value = this.probation.peek(key) as V;
    this.probation.delete(key);
    this.promote(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.record(key);
    if (this.window.has(key)) {
      this.window.set(key, value);
      return;
    }
    if (this.protected.has(key)) {
      this.protected.set(key, value);
      return;
    }
    if (this.probation.has(key)) {
      this.probation.delete(key);
      this.promote(key, value);
      return;
    }
    // A full window's least recent entry leaves it and competes for the main space.
    const candidate = this.window.size >= this.window.capacity ? this.window.pop() : undefined;
    this.window.set(key, value);
    if (candidate !== undefined) this.admit(candidate[0], candidate[1]);
  }

  delete(key: string): boolean {
    return this.window.delete(key) || this.probation.delete(key) || this.protected.delete(key);
  }

  /** Where a key lives (tests and the lab). */
  segment(key: string): 'window' | 'probation' | 'protected' | undefined {
    if (this.window.has(key)) return 'window';
    if (this.probation.has(key)) return 'probation';
    if (this.protected.has(key)) return 'protected';
    return undefined;
  }

  /** The admission filter: a window victim enters the main space only if used more than the main victim. */
  private admit(key: string, value: V): void {
    if (this.probation.size + this.protected.size < this.mainCapacity) {
      this.probation.set(key, value);
      return;
    }
    this.evictions++;
    const victim = this.probation.oldest() ?? (this.protected.oldest() as string);
    if (this.sketch.estimate(key) > this.sketch.estimate(victim)) {
      if (!this.probation.delete(victim)) this.protected.delete(victim);
      this.probation.set(key, value);
    } else this.rejections++;
  }

  private promote(key: string, value: V): void {
    if (this.protected.size >= this.protected.capacity) {
      const demoted = this.protected.pop();
      if (demoted !== undefined) this.probation.set(demoted[0], demoted[1]);
    }
    this.protected.set(key, value);
  }

  private record(key: string): void {
    this.sketch.add(key);
    if (++this.increments < this.sampleSize) return;
    // The reset: halve every counter (the sketch is K1's, used as is; its counters are public).
    this.increments = 0;
    this.resets++;
    const counters = this.sketch.counters;
    for (let i = 0; i < counters.length; i++) counters[i] = Math.floor((counters[i] as number) / 2);
    this.sketch.total = Math.floor(this.sketch.total / 2);
  }
}
