// Each server driven through its own protocol by its own project's load generator, beside the wrk race
// of `etcd.bench.ts` (issue 21 §4): etcd by etcd's benchmark tool (`tools/benchmark put`, gRPC), dslab's
// Raft KV by `redis-benchmark` (RESP, from Debian's redis-tools). The wrk race sends both servers the
// same HTTP/JSON load; these figures show what each gateway costs its server.
//
// Debian ships etcd's Go sources (golang-etcd-server-dev) without `tools/`, so the tool is built from
// Debian's own source package of the same release: the upstream tarball is fetched from the Debian
// archive, checked against the SHA-256 its signed .dsc lists, and compiled in GOPATH mode against the
// Debian Go packages, with the module proxy off. Nothing else is fetched.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ETCD_RELEASE = '3.4.23';
const ETCD_TARBALL = `etcd_${ETCD_RELEASE}.orig.tar.gz`;
const ETCD_TARBALL_URL = `http://deb.debian.org/debian/pool/main/e/etcd/${ETCD_TARBALL}`;
/** From `etcd_3.4.23-4.dsc` (Checksums-Sha256), the source package of Debian's etcd-server 3.4.23-4. */
const ETCD_TARBALL_SHA256 = '055c608c4898d25f23aefbc845ff074bf5e8a07e61ed41dbd5cc4d4f59c93093';
const GO_SOURCES = '/usr/share/gocode';

const toolsDir = fileURLToPath(new URL('../.dslab/tools/', import.meta.url));
const etcdTool = join(toolsDir, `etcd-benchmark-${ETCD_RELEASE}`);

/** What one run of a load generator gave. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly writesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The load generator's user + system CPU over its wall time: 1.0 is one core. */
  readonly loadGeneratorCores: number;
}

/**
 * Runs `command args…` under bash so that `times` reports the child's CPU when it exits. Returns what
 * it printed, its CPU seconds and its wall seconds.
 */
export async function timedRun(
  command: string,
  args: readonly string[],
): Promise<{ out: string; cpuSeconds: number; wallSeconds: number }> {
  const started = performance.now();
  const child = spawn('bash', ['-c', `${command} "$@" && times`, 'bash', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${command} failed (exit ${code}):\n${out}\n${err.slice(-2_000)}`);
  // `times` prints the shell's own times, then its children's: "0m0.203s 0m0.118s".
  const lines = out.trim().split('\n');
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(lines[lines.length - 1] ?? '');
  const cpuSeconds = children
    ? Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])
    : Number.NaN;
  return { out, cpuSeconds, wallSeconds };
}

/**
 * etcd's benchmark tool, built once into `.dslab/tools/`. Returns its path, or why it cannot be had
 * (no Go toolchain, no archive): the bench then reports that reason in place of the figures.
 */
export async function etcdBenchmarkTool(): Promise<{ path: string } | { unavailable: string }> {
  if (existsSync(etcdTool)) return { path: etcdTool };
  if (!existsSync('/usr/bin/go') || !existsSync(join(GO_SOURCES, 'src/go.etcd.io/etcd/clientv3'))) {
    return { unavailable: 'needs Debian packages golang-go and golang-etcd-server-dev' };
  }
  mkdirSync(toolsDir, { recursive: true });
  const tarball = join(toolsDir, ETCD_TARBALL);
  if (!existsSync(tarball)) {
    let response: Response;
    try {
      response = await fetch(ETCD_TARBALL_URL);
    } catch (error) {
      return { unavailable: `cannot fetch ${ETCD_TARBALL_URL}: ${(error as Error).message}` };
    }
    if (!response.ok) return { unavailable: `${ETCD_TARBALL_URL}: HTTP ${response.status}` };
    const bytes = Buffer.from(await response.arrayBuffer());
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== ETCD_TARBALL_SHA256) {
      return {
        unavailable: `${ETCD_TARBALL} has SHA-256 ${sha}, Debian's .dsc lists ${ETCD_TARBALL_SHA256}`,
      };
    }
    writeFileSync(tarball, bytes);
  }
  const gopath = join(toolsDir, 'gopath');
  rmSync(gopath, { recursive: true, force: true });
  const source = join(gopath, 'src/go.etcd.io/etcd');
  mkdirSync(source, { recursive: true });
  try {
    execFileSync('tar', [
      'xzf',
      tarball,
      '-C',
      source,
      '--strip-components=1',
      `etcd-${ETCD_RELEASE}/tools/benchmark`,
    ]);
    console.log(`dslab: building etcd ${ETCD_RELEASE}'s tools/benchmark with Debian's Go packages…`);
    execFileSync('go', ['build', '-o', etcdTool, '.'], {
      cwd: join(source, 'tools/benchmark'),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${gopath}:${GO_SOURCES}`,
        GOCACHE: join(toolsDir, 'gocache'),
        GOPROXY: 'off',
        GOFLAGS: '',
      },
    });
  } catch (error) {
    return {
      unavailable: `building etcd's benchmark tool failed: ${(error as Error).message.split('\n')[0]}`,
    };
  } finally {
    rmSync(gopath, { recursive: true, force: true });
    rmSync(join(toolsDir, 'gocache'), { recursive: true, force: true });
  }
  rmSync(tarball, { force: true });
  return { path: etcdTool };
}

/**
 * `benchmark put` against one etcd endpoint: `connections` gRPC connections and as many clients,
 * 8-byte keys over `keyspace`, values of `valueSize` bytes, `total` requests.
 */
export async function etcdToolPut(
  tool: string,
  endpoint: string,
  connections: number,
  total: number,
  keyspace: number,
  valueSize: number,
): Promise<LoadResult> {
  const run = await timedRun(tool, [
    'put',
    '--endpoints',
    endpoint,
    '--conns',
    String(connections),
    '--clients',
    String(connections),
    '--total',
    String(total),
    '--key-size',
    '8',
    '--key-space-size',
    String(keyspace),
    '--val-size',
    String(valueSize),
    '--precise',
  ]);
  return parseEtcdTool(run.out, total, run.cpuSeconds / run.wallSeconds);
}

/** Reads the summary `benchmark put` prints: requests per second, the latency percentiles, errors. */
export function parseEtcdTool(out: string, total: number, cores: number): LoadResult {
  const field = (pattern: RegExp, what: string) => {
    const match = pattern.exec(out);
    if (!match) throw new Error(`etcd's benchmark printed no ${what}:\n${out.slice(-2_000)}`);
    return Number(match[1]);
  };
  let errors = 0;
  const distribution = out.indexOf('Error distribution:');
  if (distribution >= 0) {
    for (const m of out.slice(distribution).matchAll(/^\s*\[(\d+)\]/gm)) errors += Number(m[1]);
  }
  return {
    requests: total - errors,
    errors,
    writesPerSecond: Math.round(field(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')),
    p50Ms: Number((field(/^\s*50% in ([\d.]+) secs/m, 'p50') * 1000).toFixed(2)),
    p99Ms: Number((field(/^\s*99% in ([\d.]+) secs/m, 'p99') * 1000).toFixed(2)),
    loadGeneratorCores: Number(cores.toFixed(3)),
  };
}

/**
 * `redis-benchmark` SETs against one RESP endpoint: `connections` clients, keys `key:<12 digits>` over
 * `keyspace` (its `-r`), values of `valueSize` bytes, `total` requests.
 */
export async function redisBenchmarkSet(
  port: number,
  connections: number,
  total: number,
  keyspace: number,
  valueSize: number,
): Promise<LoadResult> {
  const run = await timedRun('redis-benchmark', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    String(connections),
    '-n',
    String(total),
    '-t',
    'set',
    '-r',
    String(keyspace),
    '-d',
    String(valueSize),
    '--csv',
  ]);
  return parseRedisBenchmark(run.out, total, run.cpuSeconds / run.wallSeconds);
}

/**
 * Reads redis-benchmark's CSV line for SET. redis-benchmark counts an error reply as a request done, so
 * `errors` is 0 here and the caller compares `total` with what the server committed.
 */
export function parseRedisBenchmark(out: string, total: number, cores: number): LoadResult {
  const row = /^"SET","([\d.]+)","[\d.]+","[\d.]+","([\d.]+)","[\d.]+","([\d.]+)"/m.exec(out);
  if (!row) throw new Error(`redis-benchmark printed no SET row:\n${out.slice(-2_000)}`);
  return {
    requests: total,
    errors: 0,
    writesPerSecond: Math.round(Number(row[1])),
    p50Ms: Number(row[2]),
    p99Ms: Number(row[3]),
    loadGeneratorCores: Number(cores.toFixed(3)),
  };
}
