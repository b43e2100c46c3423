// Starts a throwaway single-member etcd 3.4 (Debian's etcd-server) on free loopback ports with a fresh
// data directory, for tests and benchmarks.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

export interface EtcdServer {
  /** `http://127.0.0.1:<port>`, what etcd3's `hosts` takes. */
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export const etcdBinary = '/usr/bin/etcd';

/** How long etcd may take to elect itself and serve, at most. */
const READY_TIMEOUT_MS = 20_000;

export async function startEtcdServer(): Promise<EtcdServer> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dslab-etcd-'));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    etcdBinary,
    [
      '--name',
      'n1',
      '--data-dir',
      join(dir, 'data'),
      '--listen-client-urls',
      client,
      '--advertise-client-urls',
      client,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `n1=${peer}`,
      '--initial-cluster-state',
      'new',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`etcd was not ready in ${READY_TIMEOUT_MS} ms: ${output}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready to serve client requests')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`etcd exited (${code}) before it was ready: ${output}`));
    });
    child.once('error', reject);
  });
  return {
    endpoint: client,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
