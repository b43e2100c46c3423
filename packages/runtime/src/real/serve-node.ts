/**
 * One real node process: a system's node factory with a RealEnv, TCP to its peers, a data directory,
 * and a small HTTP status endpoint (`GET /v1/status`) that shows the node's snapshot.
 */
import { createServer, type Server } from 'node:http';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Message, NodeFactory, NodeId } from '@dslab/sim';
import { RealDisk } from './real-disk';
import { RealNode } from './real-env';
import { TcpTransport, type Address } from './tcp-transport';
import { KvGateway } from '../kv/gateway';
import { handleKvHttp } from '../kv/http-routes';
import { startRespServer, type RespServer } from '../kv/resp-server';
import type { KvService } from '../kv/service';

export interface ServeOptions {
  readonly id: NodeId;
  readonly listen: Address;
  readonly peers: ReadonlyMap<NodeId, Address>;
  readonly dataDir: string;
  readonly token: string;
  readonly http?: Address;
  readonly factory: NodeFactory<Message>;
  readonly log?: (line: string) => void;
  /** For KV systems: client protocols (HTTP routes on `http`, RESP on `resp`). */
  readonly kv?: {
    readonly resp?: Address;
    readonly password?: string;
    readonly staleReads?: boolean;
  };
}

export interface ServedNode {
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly respPort: number | undefined;
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

function gcKindName(kind: number | undefined): string {
  if (kind === constants.NODE_PERFORMANCE_GC_MINOR) return 'scavenge';
  if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) return 'markCompact';
  if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) return 'incrementalMarking';
  if (kind === constants.NODE_PERFORMANCE_GC_WEAKCB) return 'weakCallbacks';
  return 'other';
}

/**
 * How long the event loop was held (a GC pause, a blocking fsync, a long handler): what sets a
 * member's tail latency, since no socket is read meanwhile. Reported in the status.
 */
function watchStalls(): { report(): Record<string, unknown>; stop(): void } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let longestGcMs = 0;
  let gcMs = 0;
  // Pauses by kind: many short scavenges and a few long mark-compacts hurt a tail differently.
  const byKind = new Map<string, { count: number; ms: number; longestMs: number }>();
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      longestGcMs = Math.max(longestGcMs, entry.duration);
      const kind = gcKindName((entry as unknown as { detail?: { kind?: number } }).detail?.kind);
      let sum = byKind.get(kind);
      if (sum === undefined) byKind.set(kind, (sum = { count: 0, ms: 0, longestMs: 0 }));
      sum.count++;
      sum.ms += entry.duration;
      sum.longestMs = Math.max(sum.longestMs, entry.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  return {
    report: () => ({
      eventLoopDelayP99Ms: ms(delay.percentile(99)),
      eventLoopDelayMaxMs: ms(delay.max),
      gcMs: Number(gcMs.toFixed(1)),
      longestGcMs: Number(longestGcMs.toFixed(2)),
      gcByKind: Object.fromEntries(
        [...byKind].map(([kind, sum]) => [
          kind,
          { count: sum.count, ms: Number(sum.ms.toFixed(2)), longestMs: Number(sum.longestMs.toFixed(2)) },
        ]),
      ),
    }),
    stop: () => {
      delay.disable();
      gc.disconnect();
    },
  };
}

export async function serveNode(options: ServeOptions): Promise<ServedNode> {
  const stalls = watchStalls();
  const disk = new RealDisk(options.dataDir, { pipelineAppends: true });
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
  let gateway: KvGateway | undefined;
  if (options.kv) {
    gateway = new KvGateway({
      nodeId: options.id,
      peers: [...options.peers.keys()],
      deliverLocal: (msg) => holder.node?.deliver(options.id, msg),
      sendRemote: (to, msg) => transport.send(to, msg),
    });
  }
  const node = new RealNode({
    id: options.id,
    factory: options.factory,
    disk,
    durability: disk,
    transport: () => transport,
    trace: options.log
      ? (name, data) => options.log?.(`${options.id} ${name} ${JSON.stringify(data ?? {})}`)
      : undefined,
    ...(gateway
      ? {
          local: (_from: NodeId, _to: NodeId, msg: unknown) => {
            if (!gateway.owns(msg)) return false;
            gateway.receive(msg);
            return true;
          },
        }
      : {}),
  });
  holder.node = node;
  const service: KvService | undefined = gateway && {
    execute: (op) => gateway.execute(op),
    status: () => ({
      id: options.id,
      peers: [...options.peers.keys()],
      ...(node.node.snapshot() as Record<string, unknown>),
      gatewayRedirects: gateway.redirects,
      gatewayRetries: gateway.retries,
      transportDropped: transport.dropped,
      // What an operator sizes a member by (etcd exports the same as process_* metrics).
      memory: process.memoryUsage(),
      backgroundFsyncs: disk.backgroundFsyncs,
      longestBlockingSyncMs: Number(disk.longestBlockingSyncMs.toFixed(2)),
      longestFsyncMs: Number(disk.longestFsyncMs.toFixed(2)),
      longestAppendMs: Number(disk.longestAppendMs.toFixed(2)),
      longestFileOpMs: Number(disk.longestFileOpMs.toFixed(2)),
      longestUnlinkMs: Number(disk.longestUnlinkMs.toFixed(2)),
      slowDiskOps: disk.slowOps(),
      fsyncRoundsByMs: disk.fsyncRoundsByMs,
      ...stalls.report(),
      heldDropped: node.heldDropped,
      sentAhead: node.sentAhead,
    }),
    ...(options.kv?.password !== undefined ? { password: options.kv.password } : {}),
    staleReads: options.kv?.staleReads === true,
  };
  let respServer: RespServer | undefined;
  if (service && options.kv?.resp) respServer = await startRespServer(options.kv.resp, service, options.log);
  let http: Server | undefined;
  let httpPort: number | undefined;
  if (options.http) {
    const served = node;
    http = createServer(async (request, response) => {
      if (service && (await handleKvHttp(request, response, service))) return;
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
    respPort: respServer?.port,
    node,
    stop: async () => {
      gateway?.close();
      await respServer?.close();
      node.stop();
      await transport.close();
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      disk.close();
      stalls.stop();
    },
  };
}
