/**
 * `Env` over the real world: wall-clock time, real timers, TCP between peers, files with fsync.
 * The node code is the very same class the simulator runs; only this object differs.
 */
import type { Env, Message, NodeFactory, NodeId, SimNode, TimerId, TraceData } from '@dslab/sim';
import type { RealDisk } from './real-disk';
import type { TcpTransport } from './tcp-transport';

export interface RealNodeOptions<M extends Message> {
  readonly id: NodeId;
  readonly factory: NodeFactory<M>;
  readonly disk: RealDisk;
  readonly transport: () => TcpTransport;
  /** Receives the node's trace events (for logs); off when undefined. */
  readonly trace?: (name: string, data: TraceData | undefined) => void;
  /**
   * Messages for in-process endpoints (a client protocol adapter): offered every message the node sends
   * and every message that arrives; returning true consumes it.
   */
  readonly local?: (from: NodeId, to: NodeId, msg: unknown) => boolean;
}

type PendingTimer =
  | { readonly timeout: ReturnType<typeof setTimeout> }
  | { readonly immediate: ReturnType<typeof setImmediate> };

export class RealNode<M extends Message> {
  readonly env: Env<M>;
  readonly node: SimNode<M>;
  /** Pending timers; a zero-delay one is an immediate (see `setTimer`). */
  private readonly timers = new Map<TimerId, PendingTimer>();
  private nextTimer = 1;
  private stopped = false;

  constructor(options: RealNodeOptions<M>) {
    this.env = {
      id: options.id,
      disk: options.disk,
      now: () => Date.now(), // the wall clock, with whatever skew and steps this machine has
      monotonic: () => performance.now(),
      random: () => Math.random(),
      send: (to, msg) => {
        if (this.stopped) return;
        if (options.local?.(options.id, to, msg)) return;
        options.transport().send(to, msg);
      },
      setTimer: (ms, fire) => {
        const id = this.nextTimer++;
        const run = () => {
          this.timers.delete(id);
          if (!this.stopped) fire();
        };
        // Node clamps setTimeout(0) to 1 ms. A node asks for 0 to run "after the messages in hand" (a
        // leader batching requests into one AppendEntries), which is what an immediate does, without
        // adding a millisecond to every write.
        this.timers.set(id, ms <= 0 ? { immediate: setImmediate(run) } : { timeout: setTimeout(run, ms) });
        return id;
      },
      clearTimer: (id) => {
        const handle = this.timers.get(id);
        if (handle !== undefined) this.cancel(handle);
        this.timers.delete(id);
      },
      trace: (name, data) => options.trace?.(name, data),
    };
    this.local = options.local;
    this.node = options.factory(this.env);
  }

  private readonly local: RealNodeOptions<M>['local'];

  deliver(from: NodeId, msg: unknown): void {
    if (this.stopped) return;
    if (this.local?.(from, this.env.id, msg)) return;
    this.node.onMessage(from, msg as M);
  }

  private cancel(handle: PendingTimer): void {
    if ('timeout' in handle) clearTimeout(handle.timeout);
    else clearImmediate(handle.immediate);
  }

  stop(): void {
    this.stopped = true;
    for (const handle of this.timers.values()) this.cancel(handle);
    this.timers.clear();
  }
}
