/**
 * Request and reply over the simulator's unreliable network: each request gets a number, the reply
 * carries it back, and a request with no reply within its timeout is answered with `undefined` (its
 * outcome unknown). A late reply to a timed-out request is dropped.
 */
import { invariant, type Env } from '@dslab/sim';
import type { LeaseMessage } from './messages';

/** Requests one node may have in flight at once. */
export const MAX_IN_FLIGHT = 256;

type Reply = Extract<LeaseMessage, { req: number }>;

export class Rpc {
  private next = 1;
  private readonly pending = new Map<number, { timer: number; done: (reply: Reply | undefined) => void }>();

  constructor(private readonly env: Env<LeaseMessage>) {}

  call(
    to: string,
    build: (req: number) => LeaseMessage,
    timeoutMs: number,
    done: (reply: Reply | undefined) => void,
  ): void {
    invariant(
      this.pending.size < MAX_IN_FLIGHT,
      'rpc in flight',
      () => `${this.env.id} has ${MAX_IN_FLIGHT} requests in flight`,
    );
    const req = this.next++;
    const timer = this.env.setTimer(timeoutMs, () => {
      if (this.pending.delete(req)) done(undefined);
    });
    this.pending.set(req, { timer, done });
    this.env.send(to, build(req));
  }

  /** Hands a reply to its request; false when the message is not a reply this node waits for. */
  handle(msg: LeaseMessage): boolean {
    if (!('req' in msg)) return false;
    const waiting = this.pending.get(msg.req);
    if (!waiting) return false;
    this.pending.delete(msg.req);
    this.env.clearTimer(waiting.timer);
    waiting.done(msg);
    return true;
  }
}
