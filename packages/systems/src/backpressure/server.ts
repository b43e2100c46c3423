/**
 * The slower consumer: requests wait in a bounded work queue and `workers` serve them, each taking an
 * exponential service time (mean `serviceMs`, stretched by the conditions' slowdown). Every reply carries
 * the queue depth, which is the signal a producer can slow down on.
 */
import { invariant, type Env, type NodeId, type SimNode } from '@dslab/sim';
import { mutantActive } from '../kit';
import { exponential, type Conditions } from './conditions';
import type { BackpressureMessage, Refusal } from './messages';
import { WorkQueue, type QueueConfig, type Queued } from './queue';

export interface ServerConfig {
  readonly workers: number;
  readonly serviceMs: number;
  readonly queue: QueueConfig;
  /**
   * Discard a queued request that has waited more than `EXPIRE_SHARE` of its client's timeout instead of
   * serving it: its answer would most likely arrive after the client gave up.
   */
  readonly dropExpired: boolean;
  readonly mutant?: string | undefined;
}

/** What the server tells the world-time ledger; the ledger, not the node, decides what is measured. */
export interface ServerObserver {
  admitted(item: Queued): void;
  /** A request left the server: served, or discarded after it had been queued. */
  departed(item: Queued, outcome: 'done' | Refusal, serverMs: number): void;
  refused(priority: Queued['priority']): void;
}

export interface ServerSnapshot {
  readonly depth: number;
  readonly busy: number;
  readonly received: number;
  readonly completed: number;
  readonly refused: number;
  readonly evicted: number;
  readonly expired: number;
}

/**
 * The share of a request's timeout it may spend queued before the server gives up on it. Dropping only
 * at the full timeout is not enough: what is served just before it still answers too late, and in a
 * long queue most served requests are such. Half leaves room for the service time and its variance.
 */
export const EXPIRE_SHARE = 0.5;

export class QueueServer implements SimNode<BackpressureMessage> {
  readonly queue: WorkQueue;
  private busyCount = 0;
  received = 0;
  completed = 0;
  refused = 0;
  evicted = 0;
  expired = 0;

  constructor(
    private readonly env: Env<BackpressureMessage>,
    private readonly config: ServerConfig,
    private readonly conditions: Conditions,
    private readonly observer: ServerObserver,
  ) {
    invariant(config.workers >= 1, 'server config', () => `workers ${config.workers} < 1`);
    this.queue = new WorkQueue(config.queue);
  }

  get busy(): number {
    return this.busyCount;
  }

  /** Requests in the server: queued plus in service (the L of Little's law). */
  get inSystem(): number {
    return this.queue.length + this.busyCount;
  }

  onMessage(from: NodeId, msg: BackpressureMessage): void {
    if (msg.type !== 'request') return;
    this.received++;
    const item: Queued = {
      id: msg.id,
      attempt: msg.attempt,
      priority: msg.priority,
      from,
      timeoutMs: msg.timeoutMs,
      arrivedAt: this.env.monotonic(),
    };
    const admission = this.queue.offer(item);
    if (!admission.admitted) {
      this.refused++;
      this.observer.refused(item.priority);
      this.reply(item, 'full');
      return;
    }
    this.observer.admitted(item);
    if (admission.evicted) {
      // The mutant drops the victim silently: neither counted nor answered.
      if (!mutantActive(this.config.mutant, 'evict-uncounted')) {
        this.evicted++;
        this.leave(admission.evicted, 'evicted');
      }
    }
    this.serveNext();
  }

  private serveNext(): void {
    while (this.busyCount < this.config.workers) {
      const item = this.queue.take();
      if (item === undefined) return;
      if (this.config.dropExpired && this.env.monotonic() - item.arrivedAt > EXPIRE_SHARE * item.timeoutMs) {
        this.expired++;
        this.leave(item, 'expired');
        continue;
      }
      this.busyCount++;
      const ms = exponential(this.config.serviceMs * this.conditions.slowdown, this.env.random());
      this.env.setTimer(ms, () => {
        this.busyCount--;
        this.completed++;
        this.leave(item, 'done');
        this.serveNext();
      });
    }
  }

  private leave(item: Queued, outcome: 'done' | Refusal): void {
    this.observer.departed(item, outcome, this.env.monotonic() - item.arrivedAt);
    this.reply(item, outcome);
  }

  private reply(item: Queued, outcome: 'done' | Refusal): void {
    this.env.send(item.from, {
      type: 'reply',
      id: item.id,
      attempt: item.attempt,
      outcome,
      depth: this.queue.length,
    });
  }

  snapshot(): ServerSnapshot {
    return {
      depth: this.queue.length,
      busy: this.busyCount,
      received: this.received,
      completed: this.completed,
      refused: this.refused,
      evicted: this.evicted,
      expired: this.expired,
    };
  }
}
