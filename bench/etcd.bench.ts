// The Raft KV against etcd 3.4 (Debian's etcd-server), side by side in one run: three members each on
// loopback with fsync on, the same Node load generator (etcd3 for etcd, ioredis over RESP for dslab),
// 8-byte keys and 256-byte values, 1 client and 100 clients. Throughput, p50/p99 latency and the
// members' resident memory, and the ratios. Installs etcd-server when run as root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { LocalCluster, freePort } from '@dslab/runtime';
import type { Benchmark } from './benchmark';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VALUE = 'v'.repeat(256);
const KEYSPACE = 10_000;
const key = (n: number) => String(n % KEYSPACE).padStart(8, '0');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

interface LoadResult {
  clients: number;
  ops: number;
  errors: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
}

async function load(
  clients: number,
  put: (client: number, k: string) => Promise<unknown>,
  pids: () => number[],
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pids()))), 500);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          await put(c, key(n++));
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  return {
    clients,
    ops: latencies.length,
    errors,
    opsPerSecond: latencies.length / SECONDS,
    p50Ms: Number((latencies[Math.floor(latencies.length * 0.5)] ?? 0).toFixed(2)),
    p99Ms: Number((latencies[Math.floor(latencies.length * 0.99)] ?? 0).toFixed(2)),
    rssMb: Number(peakRss.toFixed(1)),
  };
}

async function startEtcd(dir: string): Promise<{ processes: ChildProcess[]; endpoints: string[] }> {
  const members = await Promise.all(
    [1, 2, 3].map(async (i) => ({ name: `e${i}`, client: await freePort(), peer: await freePort() })),
  );
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const processes = members.map((m) =>
    spawn(
      '/usr/bin/etcd',
      [
        '--name',
        m.name,
        '--data-dir',
        join(dir, m.name),
        '--listen-client-urls',
        `http://127.0.0.1:${m.client}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${m.client}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${m.peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${m.peer}`,
        '--initial-cluster',
        initial,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        'dslab-bench',
        '--logger',
        'zap',
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    ),
  );
  return { processes, endpoints: members.map((m) => `127.0.0.1:${m.client}`) };
}

const bench: Benchmark = {
  name: 'etcd',
  async run() {
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../scripts/setup-system.mjs', import.meta.url)), '--bench'],
      { stdio: 'inherit' },
    );
    const dir = mkdtempSync(join(tmpdir(), 'dslab-vs-etcd-'));
    const etcd = await startEtcd(join(dir, 'etcd'));
    const dslab = await LocalCluster.start({
      command: [process.execPath, fileURLToPath(new URL('../packages/cli/bin/dslab.js', import.meta.url))],
      system: 'raft',
      nodes: 3,
      dataDir: join(dir, 'dslab'),
      token: 'bench',
      // etcd's default timing (100 ms heartbeat, 1 s election), so both tolerate the same stalls.
      params: ['electionMinMs=1000', 'electionMaxMs=2000', 'heartbeatMs=100', 'snapshotEvery=10000'],
    });
    const etcdClient = new Etcd3({ hosts: etcd.endpoints.map((e) => `http://${e}`) });
    const redisClients: Redis[] = [];
    try {
      for (let i = 0; i < 100; i++) {
        await etcdClient
          .put('warmup')
          .value('x')
          .catch(() => undefined);
        if (i > 50) break;
        await sleep(100);
      }
      await etcdClient.put('warmup').value('x');
      const ports = dslab.members.map((m) => m.respPort);
      for (let i = 0; i < 100; i++) {
        const redis = new Redis({
          port: ports[i % ports.length] as number,
          host: '127.0.0.1',
          maxRetriesPerRequest: 3,
        });
        redis.on('error', () => undefined);
        redisClients.push(redis);
      }
      for (let i = 0; i < 100; i++) {
        try {
          await redisClients[0]?.set('warmup', 'x');
          break;
        } catch {
          await sleep(200);
        }
      }
      const results: Record<string, unknown> = {};
      for (const clients of [1, 100]) {
        const e = await load(
          clients,
          (_c, k) => etcdClient.put(k).value(VALUE).exec(),
          () => etcd.processes.flatMap((p) => (p.pid ? [p.pid] : [])),
        );
        const d = await load(
          clients,
          (c, k) => (redisClients[c] as Redis).set(k, VALUE),
          () => dslab.pids(),
        );
        results[`clients${clients}`] = {
          etcd: e,
          dslab: d,
          throughputRatio: Number((d.opsPerSecond / Math.max(1, e.opsPerSecond)).toFixed(3)),
          p99Ratio: Number((d.p99Ms / Math.max(0.001, e.p99Ms)).toFixed(3)),
        };
      }
      return {
        setup: `3 members each, loopback, fsync on, ${SECONDS} s per run, 8-byte keys, 256-byte values, writes only`,
        etcdVersion: execFileSync('/usr/bin/etcd', ['--version']).toString().split('\n')[0],
        goal: 'dslab ≥ etcd write throughput at 100 clients with p99 no worse',
        ...results,
      };
    } finally {
      etcdClient.close();
      for (const r of redisClients) r.disconnect();
      for (const p of etcd.processes) p.kill('SIGTERM');
      await dslab.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
