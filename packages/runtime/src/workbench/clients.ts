/**
 * The workbench's clients (`c0`, `c1`…) as parties on the network: each request gets the client's
 * next msg_id and waits for the reply whose in_reply_to names it, or for its timeout. A reply that
 * arrives after the timeout is counted and ignored.
 */
import { printable } from '@dslab/sim';
import { isDefiniteError, type BodyFields, type MaelstromMessage } from './protocol';
import type { Party, WorkbenchNet } from './net';
import type { Outcome } from './workload';

/** Requests one client may have waiting at once (the workbench's clients wait for each answer). */
const PENDING_PER_CLIENT = 1_000;

interface Pending {
  readonly call: number;
  readonly resolve: (outcome: Outcome) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class ClientParty implements Party {
  readonly kind = 'client' as const;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  lateReplies = 0;
  strayReplies = 0;

  constructor(
    readonly id: string,
    private readonly net: WorkbenchNet,
  ) {}

  request(node: string, body: BodyFields, timeoutMs: number): Promise<Outcome> {
    if (this.pending.size >= PENDING_PER_CLIENT)
      throw new Error(`${this.id} has ${PENDING_PER_CLIENT} requests waiting`);
    const msgId = this.nextId++;
    const call = this.net.now();
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(msgId);
        resolve({ kind: 'info', why: `no reply from ${node} in ${timeoutMs} ms`, call, ret: this.net.now() });
      }, timeoutMs);
      this.pending.set(msgId, { call, resolve, timer });
      this.net.send({ src: this.id, dest: node, body: { ...body, msg_id: msgId } });
    });
  }

  deliver(message: MaelstromMessage): boolean {
    const inReplyTo = message.body.in_reply_to;
    const waiting = inReplyTo === undefined ? undefined : this.pending.get(inReplyTo);
    if (!waiting) {
      if (inReplyTo !== undefined && inReplyTo < this.nextId) this.lateReplies++;
      else this.strayReplies++;
      return true;
    }
    this.pending.delete(inReplyTo as number);
    clearTimeout(waiting.timer);
    const ret = this.net.now();
    const body = message.body;
    if (body.type !== 'error') waiting.resolve({ kind: 'ok', body, call: waiting.call, ret });
    else if (typeof body.code === 'number' && isDefiniteError(body.code))
      waiting.resolve({ kind: 'fail', body, call: waiting.call, ret });
    else
      waiting.resolve({
        kind: 'info',
        why: `error ${printable(body.code)} ${printable(body.text ?? '')}`.trim(),
        call: waiting.call,
        ret,
      });
    return true;
  }

  /** Gives up on everything still waiting (the run is over). */
  abandon(): void {
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.resolve({ kind: 'info', why: 'the run ended', call: waiting.call, ret: this.net.now() });
      this.pending.delete(id);
    }
  }
}
