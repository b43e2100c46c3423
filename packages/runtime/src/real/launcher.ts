/**
 * A local cluster of real node processes (`dslab cluster`, the Jepsen-style harness): ports picked
 * free on loopback, one data directory per node, optionally a fault proxy on every directed peer link.
 * Processes can be killed (SIGKILL), paused (SIGSTOP/SIGCONT) and restarted over their data.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { freePort } from './redis-server';
import { LinkProxy } from './proxy';
import { ProcessGroup } from './process-group';

export interface ClusterMember {
  readonly id: string;
  readonly peerPort: number;
  readonly httpPort: number;
  readonly respPort: number;
}

/**
 * V8 flags for a member process when the command runs Node (ADR 0019). A member allocates steadily
 * (HTTP parsing, JSON, messages) and keeps little beyond its log and its map, so V8's defaults size the
 * heap for garbage: semi-spaces of up to 16 MB, and an old generation let grow to several times what
 * survived the last full collection. 2 MB semi-spaces and a 20% growth step hold a member under load at
 * about 80 MB instead of 95-105, with the same throughput and p99. And V8 spreads each pause over helper
 * threads, which a machine running several busy members lacks cores for: the pause then lasts until
 * the last descheduled helper gets a core. Collecting on the main thread alone halved the longest pauses
 * and the p99 under load.
 */
export const MEMBER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=2',
  '--heap-growing-percent=20',
  '--single-threaded-gc',
];

export interface LaunchOptions {
  /** The command that runs the CLI, e.g. [process.execPath, '/path/to/dslab.js']. */
  readonly command: readonly string[];
  /** Flags put after the Node binary when `command` starts with it (default `MEMBER_NODE_FLAGS`). */
  readonly nodeFlags?: readonly string[];
  readonly system: string;
  readonly nodes: number;
  readonly dataDir: string;
  readonly token: string;
  readonly password?: string;
  /** Put a fault proxy on every directed peer link. */
  readonly proxied?: boolean;
  /** Extra `--param key=value` for the system. */
  readonly params?: readonly string[];
  readonly log?: (line: string) => void;
}

export class LocalCluster extends ProcessGroup<ClusterMember> {
  private constructor(private readonly options: LaunchOptions) {
    super();
  }

  static async start(options: LaunchOptions): Promise<LocalCluster> {
    if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) {
      throw new Error(`--nodes must be 1 to 9, got ${options.nodes}`);
    }
    const cluster = new LocalCluster(options);
    for (let i = 1; i <= options.nodes; i++) {
      cluster.members.push({
        id: `n${i}`,
        peerPort: await freePort(),
        httpPort: await freePort(),
        respPort: await freePort(),
      });
    }
    if (options.proxied) {
      for (const from of cluster.members) {
        for (const to of cluster.members) {
          if (from === to) continue;
          const proxy = new LinkProxy(from.id, to.id, { host: '127.0.0.1', port: to.peerPort });
          await proxy.listen();
          cluster.links.set(`${from.id}→${to.id}`, proxy);
        }
      }
    }
    for (const member of cluster.members) cluster.spawn(member);
    return cluster;
  }

  private peersOf(member: ClusterMember): string {
    return this.members
      .filter((m) => m !== member)
      .map((m) => {
        const port = this.links.get(`${member.id}→${m.id}`)?.port ?? m.peerPort;
        return `${m.id}=127.0.0.1:${port}`;
      })
      .join(',');
  }

  protected spawn(member: ClusterMember): void {
    const { command, system, dataDir, token, password, params, log } = this.options;
    const dir = join(dataDir, member.id);
    mkdirSync(dir, { recursive: true });
    const runsNode = command[0] === process.execPath;
    const args = [
      ...(runsNode ? (this.options.nodeFlags ?? MEMBER_NODE_FLAGS) : []),
      ...command.slice(1),
      'serve',
      system,
      '--id',
      member.id,
      '--listen',
      `127.0.0.1:${member.peerPort}`,
      '--peers',
      this.peersOf(member),
      '--data-dir',
      dir,
      '--http',
      `127.0.0.1:${member.httpPort}`,
      '--resp',
      `127.0.0.1:${member.respPort}`,
      '--token',
      token,
      ...(password !== undefined ? ['--password', password] : []),
      ...(params ?? []).flatMap((p) => ['--param', p]),
    ];
    const child = spawn(command[0] as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.track(member, child, log);
    child.stdout?.on('data', (d: Buffer) => log?.(`${member.id}: ${d.toString().trimEnd()}`));
    child.stderr?.on('data', (d: Buffer) => log?.(`${member.id}! ${d.toString().trimEnd()}`));
  }
}
