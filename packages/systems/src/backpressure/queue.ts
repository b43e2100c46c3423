/**
 * The server's work queue: a bound (or a named safety cap when "unbounded"), what happens at the bound
 * (refuse the newcomer, or push out a queued low-priority request for a high-priority one), and which
 * request is served next (oldest first, or newest first while the queue is long: adaptive LIFO).
 */
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit';
import type { Priority } from './messages';

/**
 * What stands for memory in "unbounded" mode: a real process would run out of it long before. A run that
 * reaches it stops with a violation instead of growing without limit.
 */
export const UNBOUNDED_SAFETY_CAP = 1_000_000;

export interface Queued {
  readonly id: number;
  readonly attempt: number;
  readonly priority: Priority;
  readonly from: string;
  readonly timeoutMs: number;
  /** Server time the request arrived. */
  readonly arrivedAt: number;
}

export type Overflow = 'unbounded' | 'refuse' | 'shed-low';
export type Order = 'fifo' | 'adaptive-lifo';

export type QueueMutant = 'bound-off-by-one' | 'shed-high-first';

export interface QueueConfig {
  readonly bound: number;
  readonly overflow: Overflow;
  readonly order: Order;
  /** Adaptive LIFO serves newest first while the depth is above this. */
  readonly lifoAbove: number;
  readonly mutant?: string | undefined;
}

/** The outcome of offering a request: admitted, or refused / admitted with a victim pushed out. */
export type Admission = { readonly admitted: true; readonly evicted?: Queued } | { readonly admitted: false };

export class WorkQueue {
  /** Oldest first. A plain array with a moving head: O(1) at both ends, compacted in halves. */
  private items: Queued[] = [];
  private head = 0;
  private lowCount = 0;
  /** Shedding decisions that pushed out a high-priority request while a low one was still queued. */
  highShedWhileLowQueued = 0;

  constructor(private readonly config: QueueConfig) {
    invariant(config.bound >= 1, 'queue config', () => `bound ${config.bound} < 1`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get lowQueued(): number {
    return this.lowCount;
  }

  /** The bound the queue promises: the configured one, or the safety cap when unbounded. */
  get limit(): number {
    return this.config.overflow === 'unbounded' ? UNBOUNDED_SAFETY_CAP : this.config.bound;
  }

  private full(): boolean {
    // The mutant compares with '>' and so admits one request past the bound.
    return mutantActive(this.config.mutant as QueueMutant | undefined, 'bound-off-by-one')
      ? this.length > this.limit
      : this.length >= this.limit;
  }

  offer(item: Queued): Admission {
    if (!this.full()) {
      this.push(item);
      return { admitted: true };
    }
    // Refusing at the bound ignores priority by design; only shedding promises low priority goes first.
    if (this.config.overflow !== 'shed-low' || item.priority === 'low') return { admitted: false };
    const victim = mutantActive(this.config.mutant as QueueMutant | undefined, 'shed-high-first')
      ? this.removeAt(this.head)
      : this.removeNewestLow();
    if (victim === undefined) return { admitted: false };
    if (victim.priority === 'high' && this.lowCount > 0) this.highShedWhileLowQueued++;
    this.push(item);
    return { admitted: true, evicted: victim };
  }

  /** The next request to serve. */
  take(): Queued | undefined {
    if (this.length === 0) return undefined;
    const lifo = this.config.order === 'adaptive-lifo' && this.length > this.config.lifoAbove;
    return lifo ? this.removeAt(this.items.length - 1) : this.removeAt(this.head);
  }

  /** Every queued request, oldest first (for the lab's picture; bounded by the queue's own bound). */
  peekOldest(count: number): Queued[] {
    return this.items.slice(this.head, this.head + count);
  }

  private push(item: Queued): void {
    this.items.push(item);
    if (item.priority === 'low') this.lowCount++;
  }

  /** The newest low-priority request: the one that has waited least, so the least work is thrown away. */
  private removeNewestLow(): Queued | undefined {
    for (let i = this.items.length - 1; i >= this.head; i--)
      if (this.items[i]?.priority === 'low') return this.removeAt(i);
    return undefined;
  }

  private removeAt(index: number): Queued | undefined {
    const item = this.items[index];
    if (item === undefined || index < this.head) return undefined;
    if (index === this.head) {
      this.head++;
      if (this.head > 1_024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    } else if (index === this.items.length - 1) this.items.pop();
    else this.items.splice(index, 1);
    if (item.priority === 'low') this.lowCount--;
    return item;
  }
}
