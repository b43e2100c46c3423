import type { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { LocalCluster } from '@dslab/runtime';
import { parsePositiveCount } from '../options';
import { requireSystem } from '../registry';
import { CliError } from '../errors';

interface ClusterCliOptions {
  nodes: number;
  dataDir?: string;
  password?: string;
  verbose?: boolean;
}

/** The command line that runs this CLI again (for child processes). */
export function selfCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/dslab.js', import.meta.url))];
}

export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('start a local cluster of real node processes on loopback; Ctrl-C stops it')
    .argument('<system>', 'system id (a KV system: raft)')
    .option('--nodes <n>', 'how many nodes', parsePositiveCount, 3)
    .option('--data-dir <dir>', 'parent directory for the nodes’ data (default: a new temp dir)')
    .option('--password <password>', 'clients must AUTH / send a bearer token')
    .option('--verbose', 'print the nodes’ output')
    .action(async (systemId: string, options: ClusterCliOptions) => {
      const system = requireSystem(systemId);
      if (!system.serve || system.clientProtocol !== 'kv') {
        throw new CliError(`${system.id} has no real-mode KV cluster (try raft)`);
      }
      if (options.nodes > 9) throw new CliError('--nodes must be at most 9');
      const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `dslab-${system.id}-`));
      const token = randomBytes(16).toString('hex');
      const cluster = await LocalCluster.start({
        command: selfCommand(),
        system: system.id,
        nodes: options.nodes,
        dataDir,
        token,
        // Real machines stall longer than the simulator's links: etcd's timing (100 ms heartbeat, 1 s
        // election) keeps a busy 2-core box from electing leaders it does not need.
        params: ['electionMinMs=1000', 'electionMaxMs=2000', 'heartbeatMs=100'],
        ...(options.password !== undefined ? { password: options.password } : {}),
        log: options.verbose
          ? (line) => process.stderr.write(line + '\n')
          : (line) => {
              if (/exited|Error|error/.test(line)) process.stderr.write(line + '\n');
            },
      });
      console.log(`${system.id} cluster of ${options.nodes} on loopback (data in ${dataDir}):`);
      for (const m of cluster.members) {
        console.log(
          `  ${m.id}  RESP 127.0.0.1:${m.respPort}   HTTP http://127.0.0.1:${m.httpPort}   peers :${m.peerPort}`,
        );
      }
      console.log(`try: redis-cli -p ${cluster.members[0]?.respPort} SET hello world`);
      console.log(`     curl http://127.0.0.1:${cluster.members[0]?.httpPort}/v1/status`);
      console.log('Ctrl-C stops every node.');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.stderr.write('stopping…\n');
          void cluster.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
