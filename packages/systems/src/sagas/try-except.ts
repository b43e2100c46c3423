/**
 * The study material's saga, run as written: a sequential function that calls each step and, on
 * PaymentFailed, releases the stock and cancels the order.
 *
 *     create_order(o); reserve_stock(o)
 *     try: charge(o)
 *     except PaymentFailed: release_stock(o); cancel_order(o); return
 *     confirm_order(o)
 *
 * Each call is one request without an idempotency key and a reply timeout (a timeout raises); the payment
 * client raises PaymentFailed on a decline and on a timeout alike, since it cannot tell them apart. It
 * keeps no durable state: a crash forgets every saga in progress. Nothing here is a mistake of ours; it
 * is the shape the claim describes, kept so the scenario can count what it gets wrong.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { ServiceId } from './definitions';
import type { SagaMessage } from './messages';

export interface TryExceptConfig {
  /** How long each call waits for its reply before it raises. */
  readonly callTimeoutMs: number;
}

type Stage = 'create' | 'reserve' | 'charge' | 'release' | 'cancel' | 'confirm';

const CALLS: Readonly<Record<Stage, { readonly service: ServiceId; readonly op: string }>> = {
  create: { service: 'orders', op: 'create' },
  reserve: { service: 'inventory', op: 'reserve' },
  charge: { service: 'payment', op: 'charge' },
  release: { service: 'inventory', op: 'release' },
  cancel: { service: 'orders', op: 'reject' },
  confirm: { service: 'orders', op: 'confirm' },
};

/** How a saga of the try/except orchestrator ended, as its own code saw it. */
export type TryExceptEnd = 'confirmed' | 'payment failed' | 'raised';

interface Running {
  readonly saga: string;
  stage: Stage;
  call: number;
  timer: TimerId | undefined;
}

/** Sagas in progress at once, at most (a start past it is answered `busy`). */
export const MAX_TRY_EXCEPT_SAGAS = 256;

export class TryExceptOrchestrator implements SimNode<SagaMessage> {
  private readonly running = new Map<number, Running>();
  private readonly known = new Set<string>();
  private nextCall = 1;
  readonly ends = new Map<string, TryExceptEnd>();

  constructor(
    private readonly env: Env<SagaMessage>,
    private readonly config: TryExceptConfig,
  ) {}

  onMessage(from: NodeId, msg: SagaMessage): void {
    if (msg.type === 'start') {
      if (!this.known.has(msg.saga)) {
        if (this.running.size >= MAX_TRY_EXCEPT_SAGAS) {
          this.env.send(from, { type: 'busy', saga: msg.saga });
          return;
        }
        this.known.add(msg.saga);
        this.call({ saga: msg.saga, stage: 'create', call: 0, timer: undefined });
      }
      this.env.send(from, { type: 'started', saga: msg.saga });
      return;
    }
    if (msg.type !== 'done' || msg.call === undefined) return;
    const running = this.running.get(msg.call);
    if (!running) return; // a duplicate, or a reply after the call already raised
    this.settle(running);
    this.returned(running, msg.reply.ok);
  }

  snapshot(): unknown {
    return { running: this.running.size, ended: this.ends.size };
  }

  private call(running: Running, stage: Stage = running.stage): void {
    running.stage = stage;
    running.call = this.nextCall++;
    this.running.set(running.call, running);
    const { service, op } = CALLS[stage];
    this.env.send(service, { type: 'do', saga: running.saga, op, call: running.call });
    running.timer = this.env.setTimer(this.config.callTimeoutMs, () => {
      running.timer = undefined;
      this.settle(running);
      this.raised(running);
    });
  }

  private settle(running: Running): void {
    if (running.timer !== undefined) this.env.clearTimer(running.timer);
    running.timer = undefined;
    this.running.delete(running.call);
  }

  /** A call returned normally (`ok`) or with a business error. */
  private returned(running: Running, ok: boolean): void {
    if (!ok && running.stage !== 'charge') {
      this.raised(running); // OutOfStock and friends: nothing catches them
      return;
    }
    switch (running.stage) {
      case 'create':
        return this.call(running, 'reserve');
      case 'reserve':
        return this.call(running, 'charge');
      case 'charge':
        return ok ? this.call(running, 'confirm') : this.paymentFailed(running);
      case 'release':
        return this.call(running, 'cancel');
      case 'cancel':
        return this.end(running, 'payment failed');
      case 'confirm':
        return this.end(running, 'confirmed');
    }
  }

  /** A call timed out or returned an error. Only PaymentFailed (raised by the charge) is caught. */
  private raised(running: Running): void {
    if (running.stage === 'charge') this.paymentFailed(running);
    else this.end(running, 'raised');
  }

  private paymentFailed(running: Running): void {
    this.call(running, 'release');
  }

  private end(running: Running, how: TryExceptEnd): void {
    this.ends.set(running.saga, how);
    this.env.trace('saga-end', { saga: running.saga, how });
  }
}
