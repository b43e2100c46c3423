/**
 * A fault-injecting TCP proxy for one directed link between two nodes (the sender dials the proxy, the
 * proxy dials the receiver). The harness cuts it (partitions, one-way included: each direction has
 * its own proxy), delays what it forwards, or resets connections at random.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Address } from './tcp-transport';

export interface LinkFaults {
  /** Refuse and drop every connection: nothing gets through, and both ends learn it at once (a reset). */
  readonly blocked: boolean;
  /**
   * Drop every byte but keep the connections open: a partition as a dropped route or a firewall gives it,
   * which each end notices only through its own timeouts (a primary counting replica acknowledgements).
   */
  readonly blackhole: boolean;
  /** Added one-way latency for every chunk forwarded. */
  readonly delayMs: number;
  /** Probability per forwarded chunk that the connection is reset instead (a lossy, flaky link). */
  readonly resetRate: number;
}

export class LinkProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket]>();
  private faults: LinkFaults = { blocked: false, blackhole: false, delayMs: 0, resetRate: 0 };
  port = 0;

  constructor(
    readonly from: string,
    readonly to: string,
    private readonly target: Address,
  ) {}

  async listen(host = '127.0.0.1'): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    this.port = await new Promise<number>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(0, host, () => {
        const address = this.server?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    return this.port;
  }

  set(faults: Partial<LinkFaults>): void {
    this.faults = { ...this.faults, ...faults };
    if (this.faults.blocked) this.dropAll();
  }

  heal(): void {
    this.faults = { blocked: false, blackhole: false, delayMs: 0, resetRate: 0 };
  }

  get state(): LinkFaults {
    return this.faults;
  }

  private accept(client: Socket): void {
    if (this.faults.blocked) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.on('data', (chunk: Buffer) => this.forward(chunk, upstream, close));
    upstream.on('data', (chunk: Buffer) => this.forward(chunk, client, close));
  }

  private forward(chunk: Buffer, to: Socket, close: () => void): void {
    const { blocked, blackhole, delayMs, resetRate } = this.faults;
    if (blocked || (resetRate > 0 && Math.random() < resetRate)) {
      close();
      return;
    }
    if (blackhole) return;
    if (delayMs > 0) setTimeout(() => to.destroyed || to.write(chunk), delayMs);
    else to.write(chunk);
  }

  private dropAll(): void {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
