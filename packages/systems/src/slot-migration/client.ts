/**
 * A cluster-aware client, as Redis Cluster clients are: it hashes the key to its slot, sends to the
 * node its slot map names, learns from MOVED (updates the map), follows ASK once with ASKING (without
 * updating the map), retries TRYAGAIN shortly, and records every operation for the checker.
 */
import type { Env, NodeId, SimNode, TimerId } from '@dslab/sim';
import type { HistoryRecorder } from '@dslab/check';
import { keySlot } from '../hashring/slots';
import type { SlotMessage, SlotOp } from './messages';

export interface SlotClientConfig {
  readonly owners: readonly NodeId[];
  readonly recorder: HistoryRecorder;
  readonly trueNow: () => number;
  readonly nextOp: (random: () => number) => SlotOp | undefined;
  readonly thinkMs: number;
  readonly timeoutMs: number;
  readonly giveUpMs: number;
}

interface Current {
  readonly op: SlotOp;
  readonly id: number;
  readonly historyId: number;
  readonly started: number;
  timer: TimerId | undefined;
}

export class SlotClient implements SimNode<SlotMessage> {
  private readonly slots: NodeId[];
  private nextId = 1;
  private current: Current | undefined;
  private process: string;
  private generation = 0;
  readonly redirects = { moved: 0, ask: 0, tryagain: 0 };
  completed = 0;

  constructor(
    private readonly env: Env<SlotMessage>,
    private readonly config: SlotClientConfig,
  ) {
    this.slots = [...config.owners];
    this.process = env.id;
    this.schedule();
  }

  private schedule(): void {
    this.env.setTimer(this.config.thinkMs * (0.5 + this.env.random()), () => this.issue());
  }

  private issue(): void {
    const op = this.config.nextOp(() => this.env.random());
    if (!op) return;
    const now = this.config.trueNow();
    const historyId =
      op.f === 'put'
        ? this.config.recorder.invoke(this.process, 'write', [op.key, op.value], now)
        : this.config.recorder.invoke(this.process, 'read', [op.key], now);
    this.current = { op, id: this.nextId++, historyId, started: now, timer: undefined };
    this.send(this.slots[keySlot(op.key)] as NodeId, false);
  }

  private send(to: NodeId, asking: boolean): void {
    const current = this.current as Current;
    if (current.timer !== undefined) this.env.clearTimer(current.timer);
    this.env.send(to, { type: 'cmd', id: current.id, op: current.op, asking });
    current.timer = this.env.setTimer(this.config.timeoutMs, () => {
      current.timer = undefined;
      // A write that timed out may still be applied (Redis has no request ids to deduplicate a resend),
      // so its outcome is unknown: resending it could apply it twice around other clients' writes, as
      // the fuzzer showed. Reads are safe to resend until the give-up deadline.
      const write = current.op.f === 'put';
      if (write || this.config.trueNow() - current.started >= this.config.giveUpMs) this.finish(undefined);
      else this.send(this.slots[keySlot(current.op.key)] as NodeId, false);
    });
  }

  onMessage(_from: NodeId, msg: SlotMessage): void {
    const current = this.current;
    if (!current || !('id' in msg) || msg.id !== current.id) return;
    switch (msg.type) {
      case 'reply':
        this.finish(msg.value);
        return;
      case 'moved':
        this.redirects.moved++;
        this.slots[msg.slot] = msg.node;
        this.send(msg.node, false);
        return;
      case 'ask':
        this.redirects.ask++;
        this.send(msg.node, true);
        return;
      case 'tryagain': {
        this.redirects.tryagain++;
        if (current.timer !== undefined) this.env.clearTimer(current.timer);
        current.timer = this.env.setTimer(2 + this.env.random() * 3, () => {
          current.timer = undefined;
          this.send(this.slots[keySlot(current.op.key)] as NodeId, false);
        });
        return;
      }
      default:
        return;
    }
  }

  private finish(value: string | null | undefined): void {
    const current = this.current as Current;
    if (current.timer !== undefined) this.env.clearTimer(current.timer);
    this.current = undefined;
    const now = this.config.trueNow();
    if (value === undefined) {
      this.config.recorder.info(current.historyId, now);
      this.process = `${this.env.id}.${++this.generation}`;
    } else {
      this.config.recorder.ok(current.historyId, current.op.f === 'get' ? value : undefined, now);
      this.completed++;
    }
    this.schedule();
  }

  snapshot(): unknown {
    return { completed: this.completed, ...this.redirects };
  }
}
