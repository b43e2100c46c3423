// Real processes: three `dslab serve raft` nodes on loopback, spoken to over RESP and HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { LocalCluster } from '../real/launcher';
import { runJepsen } from '../jepsen/run';

const command = [process.execPath, fileURLToPath(new URL('../../../cli/bin/dslab.js', import.meta.url))];
const password = 'test-password';
const dir = mkdtempSync(join(tmpdir(), 'dslab-kv-'));
let cluster: LocalCluster;
const clients: Redis[] = [];

function client(port: number): Redis {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    password,
    // Generous: on a loaded machine a freshly started or restarted node may take seconds to listen.
    maxRetriesPerRequest: 20,
    commandTimeout: 8_000,
  });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

async function leaderId(): Promise<string | undefined> {
  for (const m of cluster.members) {
    try {
      const response = await fetch(`http://127.0.0.1:${m.httpPort}/v1/status`, {
        headers: { authorization: `Bearer ${password}` },
        signal: AbortSignal.timeout(500),
      });
      const status = (await response.json()) as { role?: string; id?: string };
      if (status.role === 'leader') return status.id;
    } catch {
      /* down */
    }
  }
  return undefined;
}

async function until<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  cluster = await LocalCluster.start({
    command,
    system: 'raft',
    nodes: 3,
    dataDir: dir,
    token: 't',
    password,
  });
  await until(leaderId);
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Raft KV as real processes', () => {
  it('any node takes writes (followers forward to the leader) and reads are linearizable', async () => {
    const [a, b, c] = cluster.members.map((m) => client(m.respPort)) as [Redis, Redis, Redis];
    expect(await a.set('greeting', 'hello')).toBe('OK');
    expect(await b.get('greeting')).toBe('hello');
    expect(await c.incr('counter')).toBe(1);
    expect(await a.incr('counter')).toBe(2);
    expect(await b.call('CAS', 'greeting', 'hello', 'bye')).toBe(1);
    expect(await c.get('greeting')).toBe('bye');
    // A member's GC pauses, by kind, add up to its GC total.
    const response = await fetch(`http://127.0.0.1:${cluster.members[0]?.httpPort}/v1/status`, {
      headers: { authorization: `Bearer ${password}`, connection: 'close' },
    });
    const status = (await response.json()) as {
      gcMs: number;
      gcByKind: Record<string, { count: number; ms: number; longestMs: number }>;
    };
    const kinds = Object.values(status.gcByKind);
    for (const kind of kinds) expect(kind.longestMs).toBeLessThanOrEqual(kind.ms); // both to 0.01 ms
    expect(kinds.reduce((sum, kind) => sum + kind.ms, 0)).toBeCloseTo(status.gcMs, 0);
  });

  it('survives the leader being killed with SIGKILL, and every node being killed and restarted', async () => {
    const leader = await until(leaderId);
    cluster.kill(leader);
    const other = cluster.members.find((m) => m.id !== leader);
    const redis = client(other?.respPort ?? 0);
    expect(await redis.set('after-kill', 'yes')).toBe('OK');
    cluster.restart(leader);
    for (const m of cluster.members) cluster.kill(m.id);
    for (const m of cluster.members) cluster.restart(m.id);
    await until(leaderId);
    const again = client(cluster.members[0]?.respPort ?? 0);
    expect(await again.get('after-kill')).toBe('yes');
    expect(await again.get('counter')).toBe('2');
  }, 60_000);

  it('redis-cli and redis-benchmark work against it', () => {
    const port = String(cluster.members[2]?.respPort ?? 0);
    const cli = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', port, '--no-auth-warning', '-a', password, ...args], {
        encoding: 'utf8',
      }).trim();
    expect(cli('SET', 'via-cli', 'works')).toBe('OK');
    expect(cli('GET', 'via-cli')).toBe('works');
    expect(cli('INFO')).toMatch(/role:(leader|follower)/);
    const bench = execFileSync(
      'redis-benchmark',
      ['-p', port, '-a', password, '-t', 'set,get', '-n', '500', '-c', '10', '-q', '--csv'],
      { encoding: 'utf8' },
    );
    expect(bench).toMatch(/"SET"/);
    expect(bench).toMatch(/"GET"/);
  }, 60_000);

  it('malformed RESP gets an error and a closed connection; the node keeps serving', async () => {
    const port = cluster.members[1]?.respPort ?? 0;
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('*1\r\n$-7\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(reply).toMatch(/^-ERR Protocol error: invalid bulk length/);
    expect(await client(port).ping()).toBe('PONG');
  });
});

describe('Jepsen-style, short', () => {
  it('kill -9, SIGSTOP and partitions: the history is linearizable and no acknowledged write is lost', async () => {
    const report = await runJepsen({
      command,
      system: 'raft',
      nodes: 3,
      timeMs: 8_000,
      clients: 4,
      nemesis: ['kill', 'pause', 'partition'],
    });
    expect(report.faults.length).toBeGreaterThan(0);
    expect(report.operations.ok).toBeGreaterThan(100);
    expect(report.verdict).toBe('linearizable');
    expect(report.lostAcknowledgedWrites).toBe(0);
    expect(report.finalReadsFailed).toBe(0);
    expect(report.valid).toBe(true);
  }, 90_000);
});
