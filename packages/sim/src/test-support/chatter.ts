/**
 * A small node used by the kernel's own tests and benchmark: it greets random peers, answers every
 * greeting, keeps a durable counter on disk, and records what it saw. Exercises every Env call.
 */
import type { Env, Message, NodeId, SimNode } from '../env';

export interface ChatterMessage extends Message {
  readonly type: 'ping' | 'pong';
  readonly n: number;
}

export interface ChatterOptions {
  readonly peers: readonly NodeId[];
  /** Local milliseconds between greetings (jittered from the node's own random stream). */
  readonly intervalMs: number;
  /** Stop greeting after this many (0 = forever). */
  readonly maxPings?: number;
  /** Sync the counter to disk every n greetings (0 = never). */
  readonly syncEvery?: number;
}

export class ChatterNode implements SimNode<ChatterMessage> {
  received: { from: NodeId; type: string; n: number; at: number }[] = [];
  sent = 0;
  readonly restoredCount: number;

  constructor(
    private readonly env: Env<ChatterMessage>,
    private readonly options: ChatterOptions,
  ) {
    const saved = env.disk.read('count');
    this.restoredCount = saved ? new DataView(saved.buffer, saved.byteOffset).getUint32(0) : 0;
    this.sent = this.restoredCount;
    this.schedule();
  }

  private schedule(): void {
    if (this.options.maxPings && this.sent >= this.options.maxPings) return;
    this.env.setTimer(this.options.intervalMs * (0.5 + this.env.random()), () => {
      const peers = this.options.peers.filter((p) => p !== this.env.id);
      const to = peers[Math.floor(this.env.random() * peers.length)];
      if (to !== undefined) this.env.send(to, { type: 'ping', n: ++this.sent });
      const every = this.options.syncEvery ?? 0;
      if (every > 0 && this.sent % every === 0) {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, this.sent);
        this.env.disk.write('count', bytes);
        this.env.disk.sync();
      }
      this.schedule();
    });
  }

  onMessage(from: NodeId, msg: ChatterMessage): void {
    this.received.push({ from, type: msg.type, n: msg.n, at: this.env.now() });
    this.env.trace('got', { from, type: msg.type });
    if (msg.type === 'ping') this.env.send(from, { type: 'pong', n: msg.n });
  }

  snapshot(): unknown {
    return { sent: this.sent, received: this.received.length };
  }
}
