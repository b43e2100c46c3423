/**
 * A throwaway NATS cluster with JetStream (Debian's nats-server) on loopback, for tests and
 * `dslab jepsen jetstream`: each server has a fresh store directory, and every route between two
 * servers goes through a `LinkProxy` per direction, so the harness can partition them. Clients connect
 * to the servers directly (they stand where Jepsen's control node stands, outside the partitions).
 * Servers can be killed (SIGKILL) and restarted on the same store, paused (SIGSTOP) and resumed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessGroup } from './process-group';
import { LinkProxy } from './proxy';
import { freePort } from './redis-server';

export const natsServerBinary = '/usr/sbin/nats-server';

export interface NatsMember {
  readonly id: string;
  /** Where clients connect. */
  readonly clientPort: number;
  /** The route port peers reach (through the proxies). */
  readonly clusterPort: number;
  /** The monitoring endpoint (/varz, /jsz, /routez). */
  readonly monitorPort: number;
  readonly storeDir: string;
}

export interface NatsClusterOptions {
  readonly nodes?: number;
  /** Where the store directories go; a fresh temporary directory (removed on stop) by default. */
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class NatsCluster extends ProcessGroup<NatsMember> {
  private constructor(
    private readonly dir: string,
    private readonly ownsDir: boolean,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    super();
  }

  static async start(options: NatsClusterOptions = {}): Promise<NatsCluster> {
    const nodes = options.nodes ?? 3;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new RangeError('nodes must be 1..9');
    const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dslab-nats-'));
    const cluster = new NatsCluster(dir, options.dataDir === undefined, options.log);
    for (let i = 1; i <= nodes; i++) {
      const id = `n${i}`;
      cluster.members.push({
        id,
        clientPort: await freePort(),
        clusterPort: await freePort(),
        monitorPort: await freePort(),
        storeDir: join(dir, id),
      });
    }
    for (const from of cluster.members) {
      for (const to of cluster.members) {
        if (from === to) continue;
        const proxy = new LinkProxy(from.id, to.id, { host: '127.0.0.1', port: to.clusterPort });
        await proxy.listen();
        cluster.links.set(`${from.id}→${to.id}`, proxy);
      }
    }
    for (const member of cluster.members) cluster.spawn(member);
    await cluster.waitReady(30_000, true);
    return cluster;
  }

  /** The configuration file of one server: JetStream on, routes to every peer through its proxy. */
  private config(member: NatsMember): string {
    const routes = this.members
      .filter((m) => m !== member)
      .map((m) => `nats-route://127.0.0.1:${(this.links.get(`${member.id}→${m.id}`) as LinkProxy).port}`);
    return [
      `server_name: ${member.id}`,
      `listen: 127.0.0.1:${member.clientPort}`,
      `http: 127.0.0.1:${member.monitorPort}`,
      `jetstream { store_dir: "${member.storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
      'cluster {',
      '  name: dslab',
      `  listen: 127.0.0.1:${member.clusterPort}`,
      // Without this a server tells its peers its real route address, and they would dial it directly,
      // around the proxies that make partitions.
      '  no_advertise: true',
      `  routes: [${routes.join(', ')}]`,
      '}',
      '',
    ].join('\n');
  }

  protected spawn(member: NatsMember): void {
    mkdirSync(member.storeDir, { recursive: true });
    const file = join(this.dir, `${member.id}.conf`);
    writeFileSync(file, this.config(member));
    const child = spawn(natsServerBinary, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.track(member, child, this.log);
    const forward = (chunk: Buffer) => this.log?.(`${member.id}: ${chunk.toString().trimEnd()}`);
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
  }

  /**
   * Waits until every running server reports JetStream enabled and a meta leader; with `allPeers`, also
   * until the leader hears from every other running server (before that it refuses an R3 stream, "no
   * suitable peers for placement"). A fresh cluster waits for both; after faults healed, a restarted
   * server may take longer to be current, and the caller's drain copes with that.
   */
  async waitReady(maxMs: number, allPeers = false): Promise<void> {
    const until = Date.now() + maxMs;
    let last = '';
    while (Date.now() < until) {
      try {
        let leaders = 0;
        let currentPeers = -1;
        for (const m of this.members) {
          if (!this.processes.has(m.id)) continue;
          const response = await fetch(`http://127.0.0.1:${m.monitorPort}/jsz`, {
            signal: AbortSignal.timeout(1_000),
          });
          const jsz = (await response.json()) as {
            meta_cluster?: { leader?: string; replicas?: { current?: boolean }[] };
          };
          const meta = jsz.meta_cluster;
          if (meta?.leader) leaders++;
          else last = `${m.id} sees no meta leader`;
          // Only the leader lists the other members, each with whether it is current.
          if (meta?.leader === m.id) currentPeers = (meta.replicas ?? []).filter((r) => r.current).length;
        }
        if (leaders === this.processes.size && (!allPeers || currentPeers >= this.processes.size - 1)) return;
        if (leaders === this.processes.size) last = `the meta leader hears from ${currentPeers} peers`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(200);
    }
    throw new Error(`the NATS cluster was not ready in ${maxMs} ms: ${last}`);
  }

  /** Client URLs of the servers, for the client library (it fails over between them). */
  get servers(): string[] {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`);
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
