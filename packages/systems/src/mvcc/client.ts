/**
 * A session: sends one statement at a time and retries it until its result arrives (the server runs a
 * statement once per sequence number). The harness or a workload decides what to send next.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { MvccMessage } from './messages';
import { nextBoot } from './node';
import type { Statement, StatementResult } from './statements';

export interface Pending {
  readonly seq: number;
  readonly statement: Statement;
  readonly sentAt: number;
  readonly done: (result: StatementResult, at: number) => void;
}

export class MvccClient implements SimNode<MvccMessage> {
  private seq = 0;
  private readonly epoch: number;
  private pending: Pending | undefined;
  private retryTimer: TimerId | undefined;
  /** The server incarnation this connection belongs to, once it answered. */
  private server: number | undefined;
  /** Every statement and its result, in order. */
  readonly log: { readonly statement: Statement; readonly result: StatementResult; readonly at: number }[] =
    [];

  constructor(
    private readonly env: Env<MvccMessage>,
    private readonly db: NodeId,
    private readonly retryMs: number,
  ) {
    this.epoch = nextBoot(env);
    this.hello();
  }

  /** Tells the server this is a new life (it closes the old one's session), until it acknowledges. */
  private hello(): void {
    if (this.welcomed) return;
    this.env.send(this.db, { type: 'hello', epoch: this.epoch });
    this.env.setTimer(this.retryMs, () => this.hello());
  }

  private welcomed = false;

  get busy(): boolean {
    return this.pending !== undefined;
  }

  submit(statement: Statement, done: (result: StatementResult, at: number) => void = () => undefined): void {
    if (this.pending) throw new Error(`${this.env.id} already has a statement running`);
    this.seq++;
    this.pending = { seq: this.seq, statement, sentAt: this.env.now(), done };
    this.send();
  }

  private send(): void {
    const pending = this.pending;
    if (!pending) return;
    this.env.send(this.db, {
      type: 'exec',
      epoch: this.epoch,
      seq: pending.seq,
      statement: pending.statement,
      ...(this.server !== undefined ? { server: this.server } : {}),
    });
    this.retryTimer = this.env.setTimer(this.retryMs, () => {
      this.retryTimer = undefined;
      this.send();
    });
  }

  onMessage(_from: NodeId, msg: MvccMessage): void {
    if (msg.type === 'welcome' && msg.epoch === this.epoch) this.welcomed = true;
    if (msg.type !== 'result' || msg.epoch !== this.epoch) return;
    const pending = this.pending;
    if (!pending || msg.seq !== pending.seq) return;
    this.pending = undefined;
    // A reconnect after the server restarted: the next statement opens a session on the new incarnation.
    this.server = msg.server;
    if (this.retryTimer !== undefined) this.env.clearTimer(this.retryTimer);
    this.retryTimer = undefined;
    const at = this.env.now();
    this.log.push({ statement: pending.statement, result: msg.result, at });
    pending.done(msg.result, at);
  }

  snapshot(): unknown {
    return { busy: this.busy, statements: this.log.length };
  }
}
