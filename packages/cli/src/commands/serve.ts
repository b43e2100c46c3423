// A member process runs for hours: it loads the serving code and its one system, not the whole lab
// (`main.ts` gives `serve` a program of its own; the imports below are the narrow subpaths).
import type { Command } from 'commander';
import { serveNode, parseAddress, parsePeers } from '@dslab/runtime/serve';
import { loadSystem, systemEntry } from '@dslab/systems/lazy-registry';
import { collectParam, parseParams } from '../options';
import { CliError } from '../errors';
import { unknownSystem } from '../unknown-system';

interface ServeCliOptions {
  id: string;
  listen: string;
  peers: string;
  dataDir: string;
  http?: string;
  token?: string;
  allowRemote?: boolean;
  param?: Record<string, unknown>;
  verbose?: boolean;
  resp?: string;
  password?: string;
  staleReads?: boolean;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run one node of a system as a real process: TCP to its peers, files with fsync, HTTP status',
    )
    .argument('<system>', 'system id')
    .requiredOption('--id <id>', 'this node’s id')
    .requiredOption('--listen <host:port>', 'address for peer traffic (loopback unless --allow-remote)')
    .option('--peers <list>', 'the other members: id=host:port,…', '')
    .requiredOption('--data-dir <dir>', 'where the node keeps its files')
    .option('--http <host:port>', 'serve GET /v1/status here')
    .option('--token <token>', 'cluster token peers must present (or DSLAB_CLUSTER_TOKEN)')
    .option('--allow-remote', 'allow binding to and dialing non-loopback addresses')
    .option('--param <key=value>', 'a system parameter (repeatable)', collectParam)
    .option('--verbose', 'log node trace events to stderr')
    .option('--resp <host:port>', 'KV systems: serve the Redis protocol here (redis-cli, redis-benchmark)')
    .option(
      '--password <password>',
      'KV systems: clients must AUTH / send a bearer token (or DSLAB_PASSWORD)',
    )
    .option('--stale-reads', 'KV systems: answer GET from this node, leader or not (fast, possibly stale)')
    .action(async (systemId: string, options: ServeCliOptions) => {
      if (!systemEntry(systemId)) throw unknownSystem(systemId);
      const system = await loadSystem(systemId);
      if (!system.serve) throw new CliError(`${system.id} has no real mode`);
      const token = options.token ?? process.env.DSLAB_CLUSTER_TOKEN;
      if (!token) throw new CliError('a cluster token is required: --token or DSLAB_CLUSTER_TOKEN');
      let listen, peers, http, resp;
      try {
        listen = parseAddress(options.listen, options.allowRemote);
        peers = parsePeers(options.peers, options.allowRemote);
        http = options.http !== undefined ? parseAddress(options.http, options.allowRemote) : undefined;
        resp = options.resp !== undefined ? parseAddress(options.resp, options.allowRemote) : undefined;
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      if (peers.has(options.id)) throw new CliError(`--peers must not list this node ('${options.id}')`);
      const kv = system.clientProtocol === 'kv';
      if (!kv && (resp || options.password || options.staleReads)) {
        throw new CliError(
          `${system.id} has no KV client protocol: --resp, --password and --stale-reads do not apply`,
        );
      }
      const password = options.password ?? process.env.DSLAB_PASSWORD;
      const params = parseParams(system.params, options.param ?? {}, system.id);
      const members = [options.id, ...peers.keys()].sort();
      const served = await serveNode({
        id: options.id,
        listen,
        peers,
        dataDir: options.dataDir,
        token,
        ...(http ? { http } : {}),
        factory: system.serve(params, members),
        ...(kv
          ? {
              kv: {
                ...(resp ? { resp } : {}),
                ...(password !== undefined ? { password } : {}),
                staleReads: options.staleReads === true,
              },
            }
          : {}),
        ...(options.verbose ? { log: (line: string) => process.stderr.write(line + '\n') } : {}),
      });
      console.log(
        `${system.id} node ${options.id} listening on ${listen.host}:${served.port}` +
          (served.httpPort !== undefined ? `, HTTP on http://${http?.host}:${served.httpPort}` : '') +
          (served.respPort !== undefined ? `, RESP on ${resp?.host}:${served.respPort}` : ''),
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          void served.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
