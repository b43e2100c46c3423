/**
 * The scheduler's priority queue, ordered by (time, sequence number). The sequence number is the
 * insertion order, so two events at the same virtual time always run in the order they were
 * scheduled — the property that makes a seed replay exactly.
 *
 * A calendar queue (R. Brown, CACM 1988) in front of a heap. The calendar is a window of SLOTS
 * buckets, each `width` ms of virtual time and at most PER_BUCKET events, kept sorted and read from
 * the front; everything else (later events, a full bucket) waits in a 4-ary heap, and a pop takes
 * whichever front is earlier, so any event may sit in the heap without changing the order out.
 * Why not only the heap: a pop walks its levels through comparisons the CPU cannot predict, which
 * cost more than the rest of an event's bookkeeping. A bucket holds a few events, so an insert
 * shifts a few entries and a pop reads one. The width adapts to how the events are spaced.
 */
import { EventHeap } from './event-heap';

/** Buckets in the window: a power of two, so a bucket number maps to its slot with a mask. */
const SLOTS = 256;
const MASK = SLOTS - 1;
/** Events one bucket holds (the bound of its slice of the flat arrays); more go to the heap. */
const PER_BUCKET = 8;
/** Bucket numbers past this are not exact in a double once SLOTS is added: such times stay in the heap. */
const MAX_BUCKET = 2 ** 48;
/** Widths are powers of two, so time / width is exact and bucket numbers never round differently. */
const MIN_WIDTH = 2 ** -20;
const MAX_WIDTH = 2 ** 20;
/** Events popped between two looks at whether the width suits how the events are spaced. */
const TUNE_EVERY = 8192;
/** The first look comes sooner: a fresh queue's width is a guess. */
const FIRST_TUNE = 1024;

export class EventQueue<T> {
  private width = 1;
  /** Bucket number at the front of the window; the window holds bucket numbers [cur, cur + SLOTS). */
  private cur = 0;
  /** Highest bucket number put in the window since it was last empty (bounds a move backwards). */
  private high = 0;
  private inWindow = 0;
  // Bucket b's events sit at [b·PER_BUCKET + heads[b], b·PER_BUCKET + counts[b]), sorted.
  private readonly times = new Float64Array(SLOTS * PER_BUCKET);
  private readonly seqs = new Float64Array(SLOTS * PER_BUCKET);
  // Filled with undefined (not `new Array(n)`): a packed array keeps element access on V8's fast path.
  private readonly items: (T | undefined)[] = Array.from({ length: SLOTS * PER_BUCKET }, () => undefined);
  private readonly heads = new Int32Array(SLOTS);
  private readonly counts = new Int32Array(SLOTS);
  /** Events outside the window. */
  private readonly far = new EventHeap<T>();
  private count = 0;
  private nextSeq = 0;
  // What the width tuning looks at, since its last look.
  private pops = TUNE_EVERY - FIRST_TUNE;
  private popsFromWindow = 0;
  private steps = 0;
  private pushes = 0;
  private farPushes = 0;
  private spills = 0;
  /**
   * Time of the event `popUntil` returned last. A typed array, not a number field: V8 boxed every time
   * written to the field (a heap number per event).
   */
  readonly popped = new Float64Array(1);
  /** The bucket of the event `windowFirst` found. */
  private firstSlot = 0;

  get size(): number {
    return this.count;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTime(): number {
    if (this.count === 0) return Infinity;
    const farTime = this.far.peekTime();
    if (this.inWindow === 0 && !this.jump()) return farTime;
    const slot = this.front();
    const time = this.times[slot * PER_BUCKET + (this.heads[slot] as number)] as number;
    return farTime < time ? farTime : time;
  }

  push(time: number, item: T): void {
    if (!(time > -Infinity)) badTime(time);
    this.count++;
    this.pushes++;
    const seq = this.nextSeq++;
    const n = Math.floor(time / this.width);
    if (n >= this.cur && n < this.cur + SLOTS && this.insert(n, time, seq, item)) return;
    this.placeOutside(n, time, seq, item);
  }

  /** Removes and returns the earliest event. */
  pop(): T {
    if (this.count === 0) throw new RangeError('EventQueue.pop on an empty queue');
    const i = this.windowFirst();
    return i >= 0 ? this.takeFromWindow(i) : this.takeFromFar();
  }

  /**
   * The earliest event when it is due at or before `limit` (removed, its time left in `popped[0]`);
   * undefined when the queue is empty or the next event is later. One call per event instead of a
   * peek and a pop: a time returned from a call that is not inlined is a heap-allocated number, and
   * the run loop asked for it twice per event.
   */
  popUntil(limit: number): T | undefined {
    if (this.count === 0) return undefined;
    const i = this.windowFirst();
    const time = i >= 0 ? (this.times[i] as number) : this.far.peekTime();
    if (time > limit) return undefined;
    this.popped[0] = time;
    return i >= 0 ? this.takeFromWindow(i) : this.takeFromFar();
  }

  /**
   * Where the earliest event is: its index in the window (its bucket left in `firstSlot`), or -1 when
   * the far heap's comes first. Ties go to the lower sequence number, as in the heap.
   */
  private windowFirst(): number {
    if (this.inWindow === 0 && !this.jump()) return -1;
    const slot = this.front();
    const i = slot * PER_BUCKET + (this.heads[slot] as number);
    const time = this.times[i] as number;
    const far = this.far;
    const farTime = far.peekTime();
    if (time < farTime || (time === farTime && (this.seqs[i] as number) < far.peekSeq())) {
      this.firstSlot = slot;
      return i;
    }
    return -1;
  }

  /** Removes the window's event at `i`, found by `windowFirst`. */
  private takeFromWindow(i: number): T {
    const slot = this.firstSlot;
    const item = this.items[i] as T;
    this.items[i] = undefined; // let the payload be collected
    const head = (this.heads[slot] as number) + 1;
    if (head === this.counts[slot]) this.heads[slot] = this.counts[slot] = 0;
    else this.heads[slot] = head;
    this.inWindow--;
    this.popsFromWindow++;
    this.countPop();
    return item;
  }

  private takeFromFar(): T {
    const item = this.far.pop();
    this.countPop();
    return item;
  }

  /** One event fewer; every TUNE_EVERY pops, a look at the width (after the pop: it may re-bucket). */
  private countPop(): void {
    this.count--;
    if (++this.pops === TUNE_EVERY) this.tune();
  }

  /**
   * An event for a full bucket, or outside the window. When it is due before the front (the front ran
   * ahead to the next event and this one comes sooner), the front moves back if the window still
   * holds everything in it.
   */
  private placeOutside(n: number, time: number, seq: number, item: T): void {
    if (n >= this.cur && n < this.cur + SLOTS) {
      this.spills++; // its bucket is full: crowded, the width should shrink
    } else {
      if (n < this.cur && n >= -MAX_BUCKET && (this.inWindow === 0 || this.high < n + SLOTS)) {
        this.cur = n;
        if (this.insert(n, time, seq, item)) return;
      }
      this.farPushes++;
    }
    this.far.push(time, seq, item);
  }

  /** Sorted insert into bucket `n` (inside the window), from the back; false when the bucket is full. */
  private insert(n: number, time: number, seq: number, item: T): boolean {
    const slot = n & MASK;
    const count = this.counts[slot] as number;
    if (count === PER_BUCKET) return false;
    const base = slot * PER_BUCKET;
    const times = this.times;
    const seqs = this.seqs;
    const items = this.items;
    const first = base + (this.heads[slot] as number);
    let j = base + count;
    while (j > first) {
      const pt = times[j - 1] as number;
      if (pt < time || (pt === time && (seqs[j - 1] as number) < seq)) break;
      times[j] = pt;
      seqs[j] = seqs[j - 1] as number;
      items[j] = items[j - 1];
      j--;
    }
    times[j] = time;
    seqs[j] = seq;
    items[j] = item;
    this.counts[slot] = count + 1;
    if (this.inWindow++ === 0 || n > this.high) this.high = n;
    return true;
  }

  /** Slot of the first non-empty bucket, advancing the window to it (the window must not be empty). */
  private front(): number {
    const heads = this.heads;
    const counts = this.counts;
    let slot = this.cur & MASK;
    while (heads[slot] === counts[slot]) {
      this.cur++;
      this.steps++;
      if (this.far.size > 0) this.pull();
      slot = this.cur & MASK;
    }
    return slot;
  }

  /** With the window empty, moves it to the earliest far event (if a bucket can hold it). */
  private jump(): boolean {
    if (this.far.size === 0) return false;
    const n = Math.floor(this.far.peekTime() / this.width);
    if (!(n >= -MAX_BUCKET && n <= MAX_BUCKET)) return false; // Infinity and the like: the heap serves it
    this.cur = n;
    this.pull();
    return this.inWindow > 0;
  }

  /** Moves far events whose bucket entered the window into it (while their buckets have room). */
  private pull(): void {
    const far = this.far;
    const width = this.width;
    const cur = this.cur;
    while (far.size > 0) {
      const time = far.peekTime();
      const n = Math.floor(time / width);
      if (!(n >= cur && n < cur + SLOTS)) return;
      if (!this.insert(n, time, far.peekSeq(), far.peekItem())) return;
      far.pop();
    }
  }

  /**
   * Halves the width when buckets are crowded (inserts shift entries, full buckets spill to the heap),
   * doubles it when the front steps over many empty buckets or many events land beyond the window.
   * Gaps between the thresholds (4 per bucket against ¼; 1/20 of the events beyond the window
   * against 1/5) keep it from flapping.
   */
  private tune(): void {
    const pops = this.popsFromWindow;
    const steps = this.steps;
    const crowded = pops > 4 * steps || 16 * this.spills > this.pushes;
    // Most events spilling means buckets hold several times PER_BUCKET: narrow faster.
    const spilling = 2 * this.spills > this.pushes;
    const short = 5 * this.farPushes > this.pushes;
    const roomy = 20 * this.farPushes < this.pushes;
    this.pops = this.popsFromWindow = this.steps = this.pushes = this.farPushes = this.spills = 0;
    if (crowded && roomy && this.width > MIN_WIDTH) {
      this.rebuild(Math.max(MIN_WIDTH, this.width / (spilling ? 8 : 2)));
    } else if ((4 * pops < steps || short) && this.width < MAX_WIDTH) this.rebuild(this.width * 2);
  }

  /** Re-buckets every event under a new width (they keep their sequence numbers, so their order). */
  private rebuild(width: number): void {
    const far = this.far;
    for (let slot = 0; slot < SLOTS; slot++) {
      const base = slot * PER_BUCKET;
      for (let i = base + (this.heads[slot] as number); i < base + (this.counts[slot] as number); i++) {
        far.push(this.times[i] as number, this.seqs[i] as number, this.items[i] as T);
        this.items[i] = undefined;
      }
      this.heads[slot] = this.counts[slot] = 0;
    }
    this.inWindow = 0;
    this.width = width;
    this.jump();
  }
}

function badTime(time: number): never {
  throw new RangeError(`EventQueue.push: time must be a number, got ${time}`);
}
