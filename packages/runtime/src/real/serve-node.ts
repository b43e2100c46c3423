/**
 * One real node process: a system's node factory with a RealEnv, TCP to its peers, a data directory,
 * and a small HTTP status endpoint (`GET /v1/status`) that shows the node's snapshot.
 */
import { createServer, type Server } from 'node:http';
import type { Message, NodeFactory, NodeId } from '@dslab/sim';
import { RealDisk } from './real-disk';
import { RealNode } from './real-env';
import { TcpTransport, type Address } from './tcp-transport';

export interface ServeOptions {
  readonly id: NodeId;
  readonly listen: Address;
  readonly peers: ReadonlyMap<NodeId, Address>;
  readonly dataDir: string;
  readonly token: string;
  readonly http?: Address;
  readonly factory: NodeFactory<Message>;
  readonly log?: (line: string) => void;
}

export interface ServedNode {
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly node: RealNode<Message>;
  stop(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

/** Parses `host:port`; refuses non-loopback hosts unless `allowRemote` (real mode binds to loopback by default). */
export function parseAddress(text: string, allowRemote = false): Address {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new Error(`expected host:port, got '${text}'`);
  const host = (match[1] as string).replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  if (port > 65535) throw new Error(`port out of range in '${text}'`);
  if (!allowRemote && !LOOPBACK.test(host))
    throw new Error(`'${host}' is not a loopback address (pass --allow-remote to bind elsewhere)`);
  return { host, port };
}

/** Parses `n2=127.0.0.1:7002,n3=127.0.0.1:7003`. */
export function parsePeers(text: string, allowRemote = false): Map<NodeId, Address> {
  const peers = new Map<NodeId, Address>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`expected id=host:port in --peers, got '${part}'`);
    const id = part.slice(0, eq);
    if (peers.has(id)) throw new Error(`peer '${id}' listed twice`);
    peers.set(id, parseAddress(part.slice(eq + 1), allowRemote));
  }
  return peers;
}

export async function serveNode(options: ServeOptions): Promise<ServedNode> {
  const disk = new RealDisk(options.dataDir);
  // The transport exists before the node (the node may send from its start code), so it delivers through this.
  const holder: { node?: RealNode<Message> } = {};
  const transport = new TcpTransport({
    id: options.id,
    listen: options.listen,
    peers: options.peers,
    token: options.token,
    onMessage: (from, msg) => holder.node?.deliver(from, msg),
    onProblem: (problem) => options.log?.(`${options.id}: ${problem}`),
  });
  const port = await transport.listen();
  const node = new RealNode({
    id: options.id,
    factory: options.factory,
    disk,
    transport: () => transport,
    trace: options.log
      ? (name, data) => options.log?.(`${options.id} ${name} ${JSON.stringify(data ?? {})}`)
      : undefined,
  });
  holder.node = node;
  let http: Server | undefined;
  let httpPort: number | undefined;
  if (options.http) {
    const served = node;
    http = createServer((request, response) => {
      if (request.method === 'GET' && request.url === '/v1/status') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ id: options.id, snapshot: served.node.snapshot(), dropped: transport.dropped }),
        );
        return;
      }
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: `no route ${request.method} ${request.url}` }));
    });
    const httpAddress = options.http;
    httpPort = await new Promise<number>((resolve, reject) => {
      http?.once('error', reject);
      http?.listen(httpAddress.port, httpAddress.host, () => {
        const address = http?.address();
        resolve(typeof address === 'object' && address ? address.port : httpAddress.port);
      });
    });
  }
  return {
    port,
    httpPort,
    node,
    stop: async () => {
      node.stop();
      await transport.close();
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      disk.close();
    },
  };
}
