/**
 * `Env` over the real world: wall-clock time, real timers, TCP between peers, files with fsync.
 * The node code is the very same class the simulator runs; only this object differs.
 */
import {
  invariant,
  type Env,
  type Message,
  type NodeFactory,
  type NodeId,
  type SimNode,
  type TimerId,
  type TraceData,
} from '@dslab/sim';
import type { BackgroundSync, Disk } from '@dslab/sim';
import type { SyncProgress } from './real-disk';
import type { TcpTransport } from './tcp-transport';

export interface RealNodeOptions<M extends Message> {
  readonly id: NodeId;
  readonly factory: NodeFactory<M>;
  readonly disk: Disk;
  /** When the disk's fsyncs run in the background: how far they got (messages wait for them). */
  readonly durability?: SyncProgress;
  readonly transport: () => TcpTransport;
  /** Receives the node's trace events (for logs); off when undefined. */
  readonly trace?: (name: string, data: TraceData | undefined) => void;
  /**
   * Messages for in-process endpoints (a client protocol adapter): offered every message the node sends
   * and every message that arrives; returning true consumes it.
   */
  readonly local?: (from: NodeId, to: NodeId, msg: unknown) => boolean;
}

/**
 * Messages sent while the disk's fsync is still running (pipelined mode), held until it ends. Past
 * this many the node is flooding a stalled disk: further sends are dropped, as a lossy link would.
 */
export const MAX_HELD_MESSAGES = 65_536;

interface HeldMessage {
  readonly to: NodeId;
  readonly msg: unknown;
  /** The disk's sync count when it was sent: it leaves once that many syncs are durable. */
  readonly afterSync: number;
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
  /** FIFO of sends waiting for the syncs before them (see RealDisk's pipelined mode). */
  private readonly held: HeldMessage[] = [];
  private heldHead = 0;
  /** Sends dropped because `MAX_HELD_MESSAGES` were already waiting. */
  heldDropped = 0;
  /** Messages the node sent ahead of its syncs (`backgroundSync.sendNow`). */
  sentAhead = 0;
  /** The node's own `onDurable` listeners, called after the held messages left. */
  private readonly durableListeners: (() => void)[] = [];

  constructor(options: RealNodeOptions<M>) {
    const durability = options.durability;
    // Every message leaves only after every sync() the node called before sending it is durable: the
    // rule the simulator's blocking sync() gives for free, kept while the fsync runs in the background.
    const transmit = (to: NodeId, msg: unknown) => {
      if (options.local?.(options.id, to, msg)) return;
      options.transport().send(to, msg);
    };
    durability?.onDurable(() => {
      const durable = durability.syncsDurable;
      while (this.heldHead < this.held.length) {
        const next = this.held[this.heldHead] as HeldMessage;
        if (next.afterSync > durable) break;
        this.heldHead++;
        if (!this.stopped) transmit(next.to, next.msg);
      }
      if (this.heldHead === this.held.length) {
        this.held.length = 0;
        this.heldHead = 0;
      } else if (this.heldHead > 4_096 && this.heldHead * 2 > this.held.length) {
        this.held.splice(0, this.heldHead); // keep the FIFO's memory bounded under constant load
        this.heldHead = 0;
      }
      if (!this.stopped) for (const listener of this.durableListeners) listener();
    });
    const backgroundSync: BackgroundSync<M> | undefined = durability && {
      get syncsRequested() {
        return durability.syncsRequested;
      },
      get syncsDurable() {
        return durability.syncsDurable;
      },
      onDurable: (listener) => {
        this.durableListeners.push(listener);
      },
      sendNow: (to, msg) => {
        if (this.stopped) return;
        this.sentAhead++;
        transmit(to, msg);
      },
    };
    this.env = {
      id: options.id,
      disk: options.disk,
      ...(backgroundSync ? { backgroundSync } : {}),
      now: () => Date.now(), // the wall clock, with whatever skew and steps this machine has
      monotonic: () => performance.now(),
      random: () => Math.random(),
      send: (to, msg) => {
        if (this.stopped) return;
        const afterSync = durability?.syncsRequested ?? 0;
        if (durability === undefined || afterSync <= durability.syncsDurable) {
          invariant(this.heldHead === this.held.length, 'a message never overtakes one held before it');
          transmit(to, msg);
        } else if (this.held.length - this.heldHead >= MAX_HELD_MESSAGES) this.heldDropped++;
        else this.held.push({ to, msg, afterSync });
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
    this.held.length = 0;
    this.heldHead = 0;
    for (const handle of this.timers.values()) this.cancel(handle);
    this.timers.clear();
  }
}
