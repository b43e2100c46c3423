/**
 * The workload: customers placing orders and booking trips. Each new saga gets an id that carries its
 * kind (o…/t…); the client retries the start until the coordinator (the orchestrator, or in a
 * choreography the first service) acknowledges it, and then counts it as accepted — a saga the system
 * must finish. Some customers cancel an order shortly after placing it (the isolation scenario).
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { placedEvent } from './choreography';
import type { SagaKind } from './definitions';
import type { SagaMessage } from './messages';

export interface ClientConfig {
  /** `orchestrator` / `try-except` node id, or undefined for a choreography. */
  readonly coordinator: NodeId | undefined;
  readonly sagas: number;
  /** Mean ms between new sagas (exponential). */
  readonly intervalMs: number;
  /** Fraction of sagas that are trips; the rest are orders. */
  readonly tripShare: number;
  readonly retryMs: number;
  /** Fraction of orders whose customer cancels `cancelAfterMs` after placing them. */
  readonly cancelShare: number;
  readonly cancelAfterMs: number;
  /** The harness hears of each accepted saga (true time is the harness's). */
  readonly onAccepted?: (saga: string) => void;
  /** …and of each customer cancel the orders service acknowledged or refused. */
  readonly onCancel?: (saga: string, acknowledged: boolean) => void;
}

/** Starts not yet acknowledged, at most: the client stops placing new sagas past this. */
export const MAX_PENDING_STARTS = 512;

export class SagaClient implements SimNode<SagaMessage> {
  readonly accepted = new Set<string>();
  private readonly pending = new Set<string>();
  placed = 0;
  private nextCall = 1;
  private readonly cancels = new Map<number, string>();

  constructor(
    private readonly env: Env<SagaMessage>,
    private readonly config: ClientConfig,
  ) {
    this.schedule();
    this.retry();
  }

  onMessage(_from: NodeId, msg: SagaMessage): void {
    if (msg.type === 'started') this.accept(msg.saga);
    else if (msg.type === 'event-ack') this.accept(msg.id.slice('client:'.length));
    else if (msg.type === 'done' && msg.call !== undefined) this.cancelAnswered(msg.call, msg.reply);
  }

  get pendingStarts(): number {
    return this.pending.size;
  }

  snapshot(): unknown {
    return { placed: this.placed, accepted: this.accepted.size, pending: this.pending.size };
  }

  private schedule(): void {
    if (this.placed >= this.config.sagas) return;
    const wait = -Math.log(1 - this.env.random()) * this.config.intervalMs;
    this.env.setTimer(wait, () => {
      if (this.pending.size < MAX_PENDING_STARTS) this.place();
      this.schedule();
    });
  }

  private place(): void {
    this.placed++;
    const kind: SagaKind = this.env.random() < this.config.tripShare ? 'trip' : 'order';
    const saga = `${kind === 'trip' ? 't' : 'o'}${this.placed}`;
    this.pending.add(saga);
    this.sendStart(saga);
    if (kind === 'order' && this.env.random() < this.config.cancelShare)
      this.env.setTimer(this.config.cancelAfterMs, () => this.cancel(saga));
  }

  private sendStart(saga: string): void {
    if (this.config.coordinator !== undefined) {
      this.env.send(this.config.coordinator, { type: 'start', saga });
      return;
    }
    const placed = placedEvent[saga.startsWith('t') ? 'trip' : 'order'];
    this.env.send(placed.to, { type: 'event', id: `client:${saga}`, saga, name: placed.name });
  }

  private accept(saga: string): void {
    if (!this.pending.delete(saga)) return;
    this.accepted.add(saga);
    this.config.onAccepted?.(saga);
  }

  /** Every start not yet acknowledged is sent again, every `retryMs`. */
  private retry(): void {
    this.env.setTimer(this.config.retryMs, () => {
      for (const saga of this.pending) this.sendStart(saga);
      this.retry();
    });
  }

  private cancel(saga: string): void {
    const call = this.nextCall++;
    this.cancels.set(call, saga);
    this.env.send('orders', { type: 'do', saga, op: 'cancel', call });
    // Unanswered (lost, or the order is still pending under a semantic lock): ask again later.
    this.env.setTimer(this.config.retryMs * 4, () => {
      if (this.cancels.delete(call)) this.cancel(saga);
    });
  }

  private cancelAnswered(call: number, reply: { readonly ok: boolean; readonly reason?: string }): void {
    const saga = this.cancels.get(call);
    if (saga === undefined) return;
    if (!reply.ok && reply.reason === 'pending') return; // the timer asks again
    this.cancels.delete(call);
    this.config.onCancel?.(saga, reply.ok);
  }
}
