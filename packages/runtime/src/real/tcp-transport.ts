/**
 * The real network between nodes: one outbound TCP connection per peer, opened lazily and reopened
 * with backoff; one listening socket for inbound peers. A connection starts with a hello frame that
 * names the sender and carries the cluster token; anything else is refused. Like the simulated
 * network, delivery is best effort: while a peer is unreachable its queue is bounded and the oldest
 * messages are dropped.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { NodeId } from '@dslab/sim';
import { FrameDecoder, encodeFrame } from './frames';

export interface Address {
  readonly host: string;
  readonly port: number;
}

export interface TransportOptions {
  readonly id: NodeId;
  readonly listen: Address;
  readonly peers: ReadonlyMap<NodeId, Address>;
  readonly token: string;
  readonly onMessage: (from: NodeId, msg: unknown) => void;
  readonly onProblem?: (problem: string) => void;
  /** Messages kept per unreachable peer before the oldest are dropped. */
  readonly maxQueue?: number;
}

interface Outbound {
  socket: Socket | undefined;
  connected: boolean;
  queue: Buffer[];
  retryAt: number;
  backoffMs: number;
  /** The socket is corked until the end of this turn: what the node sends meanwhile leaves in one write. */
  corked: boolean;
}

/** Ends a turn's batch: the frames written to a peer since the first one go out together. */
function uncork(out: Outbound): void {
  out.corked = false;
  out.socket?.uncork();
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export class TcpTransport {
  private server: Server | undefined;
  private readonly outbound = new Map<NodeId, Outbound>();
  private readonly inbound = new Set<Socket>();
  private readonly tokenDigest: Buffer;
  private closed = false;
  dropped = 0;

  constructor(private readonly options: TransportOptions) {
    this.tokenDigest = digest(options.token);
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      server.once('error', reject);
      server.listen(this.options.listen.port, this.options.listen.host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : this.options.listen.port);
      });
      this.server = server;
    });
  }

  send(to: NodeId, msg: unknown): void {
    if (this.closed) return;
    const peer = this.options.peers.get(to);
    if (!peer) throw new Error(`${this.options.id} sent to unknown peer '${to}'`);
    let out = this.outbound.get(to);
    if (!out) {
      out = { socket: undefined, connected: false, queue: [], retryAt: 0, backoffMs: 50, corked: false };
      this.outbound.set(to, out);
    }
    const frame = encodeFrame({ msg });
    if (out.connected && out.socket) {
      // A leader sends several frames to a follower in one turn (appends, heartbeats, messages released
      // by an fsync): one syscall for them rather than one each. Uncorked before the turn ends
      // (`nextTick`), so nothing waits on it.
      if (!out.corked) {
        out.corked = true;
        out.socket.cork();
        process.nextTick(uncork, out);
      }
      out.socket.write(frame);
      return;
    }
    out.queue.push(frame);
    const limit = this.options.maxQueue ?? 1_000;
    while (out.queue.length > limit) {
      out.queue.shift();
      this.dropped++;
    }
    if (!out.socket && Date.now() >= out.retryAt) this.dial(to, peer, out);
  }

  private dial(to: NodeId, peer: Address, out: Outbound): void {
    const socket = connect(peer.port, peer.host);
    out.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(encodeFrame({ hello: this.options.id, token: this.options.token }));
      out.connected = true;
      out.backoffMs = 50;
      for (const frame of out.queue) socket.write(frame);
      out.queue = [];
    });
    const reset = () => {
      if (out.socket !== socket) return;
      out.socket = undefined;
      out.connected = false;
      out.retryAt = Date.now() + out.backoffMs;
      out.backoffMs = Math.min(out.backoffMs * 2, 2_000);
    };
    socket.on('error', reset);
    socket.on('close', reset);
    socket.on('data', () => undefined); // peers never answer on our outbound connection
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    let from: NodeId | undefined;
    socket.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        this.options.onProblem?.(`dropping connection: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (from === undefined) {
          from = this.authenticate(frame);
          if (from === undefined) {
            socket.destroy();
            return;
          }
          continue;
        }
        if (frame === null || typeof frame !== 'object' || !('msg' in frame)) {
          this.options.onProblem?.(`malformed frame from ${from}`);
          socket.destroy();
          return;
        }
        this.options.onMessage(from, (frame as { msg: unknown }).msg);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.inbound.delete(socket));
  }

  private authenticate(frame: unknown): NodeId | undefined {
    if (frame === null || typeof frame !== 'object') return undefined;
    const { hello, token } = frame as { hello?: unknown; token?: unknown };
    if (typeof hello !== 'string' || typeof token !== 'string' || !this.options.peers.has(hello)) {
      this.options.onProblem?.('refused a connection without a valid hello');
      return undefined;
    }
    if (!timingSafeEqual(digest(token), this.tokenDigest)) {
      this.options.onProblem?.(`refused ${hello}: wrong cluster token`);
      return undefined;
    }
    return hello;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const out of this.outbound.values()) out.socket?.destroy();
    for (const socket of this.inbound) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
