// The Raft KV against etcd 3.4 (Debian's etcd-server), side by side in one run (issue 21 §4): three
// members each on loopback with fsync on, PUTs of 8-byte keys (over 10,000) and 256-byte values sent to
// the leader. Both are driven by the same load generator of equal cost per request: wrk (C, one
// thread) with `bench/wrk/put.lua`, etcd through its v3 JSON gateway and dslab through its HTTP/JSON API.
// A Node client would cost more per etcd request (gRPC) than per dslab request (RESP) and, on two cores,
// decide the race; so wrk's own CPU is reported beside every figure. Throughput, p50/p99 latency and
// the members' resident memory at 1, 10 and 100 connections, and the ratios. Beside it, each server
// through its own protocol and its own project's load generator (`native-clients.ts`). Installs
// etcd-server, wrk, redis-tools and the Go packages etcd's tool is built with when run as root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalCluster, freePort, type ClusterMember, type SlowDiskOp } from '@dslab/runtime';
import type { Benchmark } from './benchmark';
import { asRecorded, pooledQuantileMs, wrkIntervalUs, type Histogram } from './latency-histogram';
import {
  etcdBenchmarkTool,
  etcdToolPut,
  redisBenchmarkSet,
  timedRun,
  type LoadResult,
} from './native-clients';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// This VM's disk now and then stalls every fsync for 100-200 ms. wrk corrects for coordinated
// omission, so at 1 connection one stall inside a 10 s point sets its p99 on its own, for whichever
// server it happened to hit. Each point is run several times, the two servers alternating, and the
// medians are compared; every round is kept in the results. Five rounds, not three: stalls of 120-300 ms
// came in two of three rounds of one server at a time, which then decided its median.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,10,100').split(',').map(Number);
const VALUE_SIZE = 256;
const KEYSPACE = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The sum over `pids` of a kB figure one of their `/proc/<pid>/` files reports, in MB. */
function procMb(pids: readonly number[], file: string, field: RegExp): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      kb += Number(field.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}

const rssMb = (pids: readonly number[]) => procMb(pids, 'status', /VmRSS:\s+(\d+) kB/);

/**
 * The members' proportional set size: each resident page divided by the number of processes mapping
 * it. RSS counts the pages of the server's binary once per member although they are in memory once
 * (Node's are 39 MB per member here, etcd's 18 MB); PSS counts them once for the three.
 */
const pssMb = (pids: readonly number[]) => procMb(pids, 'smaps_rollup', /^Pss:\s+(\d+) kB/m);

/** User + system CPU seconds the processes have used so far (`/proc/<pid>/stat`, clock ticks of 10 ms). */
function processCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited */
    }
  }
  return ticks / 100;
}

/** What one wrk run printed (bench/wrk/put.lua's last line) plus wrk's CPU and the servers' memory. */
interface WrkResult {
  connections: number;
  requests: number;
  errors: number;
  writesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** wrk's user + system CPU over the run's wall time: 1.0 is one core. Low means it did not decide. */
  loadGeneratorCores: number;
  /** The three members' resident memory, the largest sum sampled every 500 ms. */
  rssMb: number;
  /** The same for their proportional set size (shared pages split among the processes sharing them). */
  pssMb: number;
  /** The members' CPU milliseconds per acknowledged write: what a write costs the servers, load aside. */
  serverCpuMsPerWrite: number;
  /**
   * Log fsyncs per write, averaged over the members: how many writes share one (etcd's WAL fsyncs from
   * its metrics, dslab's background rounds from its status). Fewer means bigger batches.
   */
  fsyncsPerWrite: number;
  /**
   * The members' log fsyncs (etcd's WAL fsyncs, dslab's background rounds) that took over 32 ms during
   * the run, summed: how often the disk stalled under each.
   */
  fsyncsOver32Ms: number;
  /**
   * The p99 of the latencies as wrk recorded them, before its correction for coordinated omission
   * (`p99Ms` is after it), and the interval it corrected with: this run's mean time per request per
   * connection (see bench/latency-histogram.ts).
   */
  p99AsRecordedMs: number;
  coIntervalUs: number;
}

/** dslab's rounds only: what its members' slow-operation logs say about the round (`dslabSlowDisk`). */
type DslabRound = WrkResult & SlowDiskSummary;

/** Log fsyncs so far, summed over a server's members, and how many of them took over 32 ms. */
interface Fsyncs {
  count: number;
  over32Ms: number;
}

/**
 * The three etcd members' WAL fsyncs so far (`etcd_disk_wal_fsync_duration_seconds`: the count, less
 * the bucket of those within 32 ms).
 */
async function etcdFsyncs(endpoints: readonly string[]): Promise<Fsyncs> {
  const total = { count: 0, over32Ms: 0 };
  for (const endpoint of endpoints) {
    const text = await (
      await fetch(`http://${endpoint}/metrics`, { headers: { connection: 'close' } })
    ).text();
    const count = /^etcd_disk_wal_fsync_duration_seconds_count (\d+)/m.exec(text);
    const within = /^etcd_disk_wal_fsync_duration_seconds_bucket\{le="0\.032"\} (\d+)/m.exec(text);
    if (!count || !within) throw new Error(`etcd at ${endpoint} exports no WAL fsync histogram`);
    total.count += Number(count[1]);
    total.over32Ms += Number(count[1]) - Number(within[1]);
  }
  return total;
}

/** A dslab member's status (`GET /v1/status`), on a connection closed after it. */
async function dslabStatus(httpPort: number): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/status`, {
    headers: { connection: 'close' },
  });
  return (await response.json()) as Record<string, unknown>;
}

/** A number the member's status must report. */
async function dslabFigure(httpPort: number, field: string): Promise<number> {
  const value = (await dslabStatus(httpPort))[field];
  if (typeof value !== 'number') throw new Error(`member on ${httpPort} reports no ${field}`);
  return value;
}

/**
 * The three dslab members' background fsync rounds so far (`backgroundFsyncs` in their status), and
 * those over 32 ms (`fsyncRoundsByMs`, counted in etcd's buckets).
 */
async function dslabFsyncs(members: readonly ClusterMember[]): Promise<Fsyncs> {
  const total = { count: 0, over32Ms: 0 };
  for (const member of members) {
    const status = await dslabStatus(member.httpPort);
    const rounds = status.backgroundFsyncs;
    const byMs = status.fsyncRoundsByMs;
    if (typeof rounds !== 'number' || !Array.isArray(byMs))
      throw new Error(`member on ${member.httpPort} reports no fsync rounds`);
    total.count += rounds;
    // Buckets 1, 2, 4 … 32 ms come first (FSYNC_BUCKETS_MS): the rest took over 32 ms.
    for (const n of (byMs as number[]).slice(6)) total.over32Ms += n;
  }
  return total;
}

/**
 * The slow disk operations the three dslab members logged since `since` (ms since the epoch): how many
 * fsync rounds were slow, how many of those had first waited for an unlink, and how many unlinks were
 * slow; with the longest of each. Lined up with wrk's p99, this says whose tail the disk set.
 */
async function dslabSlowDisk(members: readonly ClusterMember[], since: number): Promise<SlowDiskSummary> {
  const ops: SlowDiskOp[] = [];
  for (const member of members) {
    const logged = (await dslabStatus(member.httpPort)).slowDiskOps;
    if (!Array.isArray(logged)) throw new Error(`member on ${member.httpPort} reports no slowDiskOps`);
    for (const op of logged as SlowDiskOp[]) if (op.at >= since) ops.push(op);
  }
  const longest = (of: SlowDiskOp[]) => of.reduce((m, op) => Math.max(m, op.ms), 0);
  const fsyncs = ops.filter((op) => op.op === 'fsync');
  const unlinks = ops.filter((op) => op.op === 'unlink');
  const waited = fsyncs.filter((op) => (op.waitedMs ?? 0) > 0);
  return {
    slowFsyncRounds: fsyncs.length,
    longestFsyncRoundMs: longest(fsyncs),
    slowRoundsAfterUnlinks: waited.length,
    longestUnlinkWaitMs: waited.reduce((m, op) => Math.max(m, op.waitedMs ?? 0), 0),
    slowUnlinks: unlinks.length,
    longestUnlinkMs: longest(unlinks),
    slowOther: ops.length - fsyncs.length - unlinks.length,
  };
}

interface SlowDiskSummary {
  slowFsyncRounds: number;
  longestFsyncRoundMs: number;
  slowRoundsAfterUnlinks: number;
  longestUnlinkWaitMs: number;
  slowUnlinks: number;
  longestUnlinkMs: number;
  slowOther: number;
}

const wrkOutput = /^\{"requests".*\}$/m;

/** Runs wrk with bench/wrk/put.lua against `url`, sampling the servers' memory meanwhile. */
async function wrk(
  target: 'etcd' | 'dslab',
  url: string,
  connections: number,
  seconds: number,
  /** Requests per second over all connections, or 0 for a closed loop (see bench/wrk/put.lua). */
  rate: number,
  pids: () => number[],
  fsyncs: () => Promise<Fsyncs>,
  scriptDir: string,
): Promise<WrkResult & { histogram: Histogram }> {
  const script = join(scriptDir, `put-${target}.lua`);
  writeFileSync(
    script,
    `target = "${target}"\nkeyspace = ${KEYSPACE}\nvalue_size = ${VALUE_SIZE}\nrate = ${rate}\n` +
      readFileSync(fileURLToPath(new URL('./wrk/put.lua', import.meta.url)), 'utf8'),
  );
  let peakRss = 0;
  let peakPss = 0;
  const fsyncsBefore = await fsyncs();
  const cpuBefore = processCpuSeconds(pids());
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(pids()));
    peakPss = Math.max(peakPss, pssMb(pids()));
  }, 500);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url];
  const { out, cpuSeconds } = await timedRun('wrk', args).finally(() => clearInterval(sampler));
  const serverCpu = processCpuSeconds(pids()) - cpuBefore;
  const fsyncsAfter = await fsyncs();
  const memberFsyncs = fsyncsAfter.count - fsyncsBefore.count;
  const json = wrkOutput.exec(out);
  if (!json) throw new Error(`wrk against ${target} printed no summary:\n${out}`);
  const { histogram, ...r } = JSON.parse(json[0]) as Record<string, number> & { histogram: Histogram };
  const wallSeconds = (r.durationUs as number) / 1e6;
  const coIntervalUs = wrkIntervalUs(r.durationUs as number, r.requests as number, connections);
  const ms = (us: number | undefined) => Number(((us ?? 0) / 1000).toFixed(2));
  return {
    connections,
    requests: r.requests as number,
    errors:
      (r.connectErrors as number) +
      (r.readErrors as number) +
      (r.writeErrors as number) +
      (r.statusErrors as number) +
      (r.timeouts as number),
    writesPerSecond: Math.round((r.requests as number) / wallSeconds),
    p50Ms: ms(r.p50Us),
    p99Ms: ms(r.p99Us),
    maxMs: ms(r.maxUs),
    loadGeneratorCores: Number((cpuSeconds / wallSeconds).toFixed(3)),
    rssMb: Number(peakRss.toFixed(1)),
    pssMb: Number(peakPss.toFixed(1)),
    serverCpuMsPerWrite: Number(((serverCpu * 1000) / Math.max(1, r.requests as number)).toFixed(3)),
    fsyncsPerWrite: Number((memberFsyncs / 3 / Math.max(1, r.requests as number)).toFixed(3)),
    fsyncsOver32Ms: fsyncsAfter.over32Ms - fsyncsBefore.over32Ms,
    p99AsRecordedMs: pooledQuantileMs([asRecorded(histogram, coIntervalUs)], 0.99),
    coIntervalUs,
    histogram,
  };
}

/** p50, p99 and p99.9 of each server's rounds pooled (wrk's distributions), and dslab's p99 over etcd's. */
function pooled(histograms: { etcd: Histogram[]; dslab: Histogram[] }) {
  const of = (h: Histogram[]) => ({
    p50Ms: pooledQuantileMs(h, 0.5),
    p99Ms: pooledQuantileMs(h, 0.99),
    p999Ms: pooledQuantileMs(h, 0.999),
  });
  const etcd = of(histograms.etcd);
  const dslab = of(histograms.dslab);
  return { etcd, dslab, p99Ratio: ratio(dslab.p99Ms, etcd.p99Ms) };
}

/** `a` over `b`, to three decimals. */
function ratio(a: number, b: number): number {
  return Number((a / Math.max(0.001, b)).toFixed(3));
}

/** Each figure the median of the rounds' (the middle one for an odd count). */
function medianOf<R extends object>(runs: readonly R[]): R {
  const first = runs[0] as R;
  const out = { ...first };
  for (const key of Object.keys(first) as (keyof R)[]) {
    const sorted = runs.map((r) => r[key] as number).sort((a, b) => a - b);
    out[key] = sorted[Math.floor((sorted.length - 1) / 2)] as R[keyof R];
  }
  return out;
}

/** The member etcd calls leader: the one whose own id is the leader id its status reports. */
async function etcdLeader(endpoints: readonly string[]): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const endpoint of endpoints) {
      try {
        const response = await fetch(`http://${endpoint}/v3/maintenance/status`, {
          method: 'POST',
          body: '{}',
        });
        const status = (await response.json()) as { header?: { member_id?: string }; leader?: string };
        if (status.leader !== undefined && status.leader === status.header?.member_id) return endpoint;
      } catch {
        /* not up yet */
      }
    }
    await sleep(200);
  }
  throw new Error('etcd elected no leader in 20 s');
}

/** The dslab member whose status says leader. */
async function dslabLeader(members: readonly ClusterMember[]): Promise<ClusterMember> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const member of members) {
      try {
        if ((await dslabStatus(member.httpPort)).role === 'leader') return member;
      } catch {
        /* not up yet */
      }
    }
    await sleep(200);
  }
  throw new Error('dslab elected no leader in 20 s');
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
        // The same compaction as dslab's members (snapshotEvery=10000): etcd 3.4's default of 100,000
        // keeps ten times as many entries in memory, and its memory then grows all through the run.
        '--snapshot-count',
        '10000',
        // etcd keeps every revision of every key until it is compacted; dslab's store keeps the latest
        // value. Without compaction etcd's memory grew all through the run (180 → 483 MB over five
        // rounds), so the comparison measured how long it had run. A 2 s history holds about as many
        // revisions at these rates as dslab's 10,000 entries between snapshots: 230-235 MB, flat.
        '--auto-compaction-mode',
        'periodic',
        '--auto-compaction-retention',
        '2s',
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
    // The built CLI, as `npm run dslab` runs it (bin/dslab.js compiles the sources at start through tsx).
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../scripts/build-cli.mjs', import.meta.url)), '--if-stale'],
      {
        stdio: 'inherit',
      },
    );
    const dslab = await LocalCluster.start({
      command: [process.execPath, fileURLToPath(new URL('../packages/cli/dist/dslab.js', import.meta.url))],
      system: 'raft',
      nodes: 3,
      dataDir: join(dir, 'dslab'),
      token: 'bench',
      // etcd's default timing (100 ms heartbeat, 1 s election), so both tolerate the same stalls.
      params: ['electionMinMs=1000', 'electionMaxMs=2000', 'heartbeatMs=100', 'snapshotEvery=10000'],
    });
    const etcdPids = () => etcd.processes.flatMap((p) => (p.pid ? [p.pid] : []));
    try {
      const etcdUrl = `http://${await etcdLeader(etcd.endpoints)}`;
      const leader = await dslabLeader(dslab.members);
      const dslabUrl = `http://127.0.0.1:${leader.httpPort}`;
      const scriptDir = join(dir, 'scripts');
      execFileSync('mkdir', ['-p', scriptDir]);
      // Warm both up (connections, JIT, first fsyncs) before anything is measured.
      const etcdSyncs = () => etcdFsyncs(etcd.endpoints);
      const dslabSyncs = () => dslabFsyncs(dslab.members);
      await wrk('etcd', etcdUrl, 10, 2, 0, etcdPids, etcdSyncs, scriptDir);
      await wrk('dslab', dslabUrl, 10, 2, 0, () => dslab.pids(), dslabSyncs, scriptDir);
      const tool = await etcdBenchmarkTool();
      /**
       * One run of a server's own load generator, as many requests as wrk got through per point (so both
       * last about as long), with the servers' CPU per write beside it.
       */
      const ownProtocol = async (target: 'etcd' | 'dslab', connections: number, wrkRate: number) => {
        const total = Math.max(1_000, Math.round(wrkRate * SECONDS));
        const pids = target === 'etcd' ? etcdPids() : dslab.pids();
        const cpuBefore = processCpuSeconds(pids);
        let result: LoadResult;
        if (target === 'etcd') {
          if ('unavailable' in tool) throw new Error(tool.unavailable);
          const endpoint = etcdUrl.slice('http://'.length);
          result = await etcdToolPut(tool.path, endpoint, connections, total, KEYSPACE, VALUE_SIZE);
        } else {
          // redis-benchmark counts an error reply as done: the leader's commit index says what was written.
          const before = await dslabFigure(leader.httpPort, 'commitIndex');
          result = await redisBenchmarkSet(leader.respPort, connections, total, KEYSPACE, VALUE_SIZE);
          const committed = (await dslabFigure(leader.httpPort, 'commitIndex')) - before;
          result = { ...result, errors: Math.max(0, total - committed) };
        }
        const serverCpu = processCpuSeconds(pids) - cpuBefore;
        return {
          ...result,
          serverCpuMsPerWrite: Number(((serverCpu * 1000) / Math.max(1, result.requests)).toFixed(3)),
        };
      };
      type OwnResult = Awaited<ReturnType<typeof ownProtocol>>;
      /**
       * ROUNDS rounds of every point, the servers alternating (so that neither always runs on a disk
       * the other just filled): a closed loop, or at `rate(connections)` requests per second.
       */
      const race = async (rate: (connections: number) => number) => {
        const rounds: Record<number, { etcd: WrkResult[]; dslab: DslabRound[] }> = {};
        const histograms: Record<number, { etcd: Histogram[]; dslab: Histogram[] }> = {};
        for (const connections of CONNECTIONS) {
          rounds[connections] = { etcd: [], dslab: [] };
          histograms[connections] = { etcd: [], dslab: [] };
        }
        for (let round = 0; round < ROUNDS; round++) {
          for (const connections of CONNECTIONS) {
            const runs = rounds[connections] as { etcd: WrkResult[]; dslab: DslabRound[] };
            const order = round % 2 === 0 ? (['etcd', 'dslab'] as const) : (['dslab', 'etcd'] as const);
            const perSecond = rate(connections);
            for (const target of order) {
              const since = Date.now();
              const { histogram, ...run } = await wrk(
                target,
                target === 'etcd' ? etcdUrl : dslabUrl,
                connections,
                SECONDS,
                perSecond,
                target === 'etcd' ? etcdPids : () => dslab.pids(),
                target === 'etcd' ? etcdSyncs : dslabSyncs,
                scriptDir,
              );
              const slow = target === 'dslab' ? await dslabSlowDisk(dslab.members, since) : undefined;
              process.stderr.write(
                `${target} ${connections} conns${perSecond > 0 ? ` at ${perSecond}/s` : ''}: ` +
                  `${run.writesPerSecond} w/s, p99 ${run.p99Ms} ms (${run.p99AsRecordedMs} as recorded), ` +
                  `${run.fsyncsOver32Ms} fsyncs over 32 ms` +
                  `${slow ? `; slow disk ops ${JSON.stringify(slow)}` : ''}\n`,
              );
              if (slow === undefined) runs.etcd.push(run);
              else runs.dslab.push({ ...run, ...slow });
              (histograms[connections] as { etcd: Histogram[]; dslab: Histogram[] })[target].push(histogram);
            }
          }
        }
        return { rounds, histograms };
      };
      const { rounds, histograms } = await race(() => 0);
      // The same offered load for both: a closed loop runs each server at its own saturation, so its
      // p99 compares latencies at different throughputs. 80% of what the slower one carried.
      const fixedRate = (connections: number) => {
        const runs = rounds[connections] as { etcd: WrkResult[]; dslab: DslabRound[] };
        return Math.round(
          0.8 * Math.min(medianOf(runs.etcd).writesPerSecond, medianOf(runs.dslab).writesPerSecond),
        );
      };
      const atFixedRate = await race(fixedRate);
      const ownRounds: Record<number, { etcd: OwnResult[]; dslab: OwnResult[] }> = {};
      for (const connections of CONNECTIONS) ownRounds[connections] = { etcd: [], dslab: [] };
      // After the race, not between its rounds: the tools' keys are not wrk's (etcd's are 8 random bytes,
      // redis-benchmark's `key:` and 12 digits), so each store then holds twice the keys.
      for (let round = 0; round < ROUNDS && !('unavailable' in tool); round++) {
        for (const connections of CONNECTIONS) {
          const runs = rounds[connections] as { etcd: WrkResult[]; dslab: DslabRound[] };
          const own = ownRounds[connections] as { etcd: OwnResult[]; dslab: OwnResult[] };
          const order = round % 2 === 0 ? (['etcd', 'dslab'] as const) : (['dslab', 'etcd'] as const);
          for (const target of order) {
            own[target].push(await ownProtocol(target, connections, medianOf(runs[target]).writesPerSecond));
          }
        }
      }
      /** Both servers at the same offered load (`fixedRate`): medians, ratios, pooled and the rounds. */
      const fixedRateResults = (connections: number) => {
        const runs = atFixedRate.rounds[connections] as { etcd: WrkResult[]; dslab: DslabRound[] };
        const e = medianOf(runs.etcd);
        const d = medianOf(runs.dslab);
        return {
          offeredPerSecond: fixedRate(connections),
          etcd: e,
          dslab: d,
          p99Ratio: ratio(d.p99Ms, e.p99Ms),
          p99AsRecordedRatio: ratio(d.p99AsRecordedMs, e.p99AsRecordedMs),
          pooled: pooled(atFixedRate.histograms[connections] as { etcd: Histogram[]; dslab: Histogram[] }),
          rounds: runs,
        };
      };
      const results: Record<string, unknown> = {};
      for (const connections of CONNECTIONS) {
        const runs = rounds[connections] as { etcd: WrkResult[]; dslab: DslabRound[] };
        const e = medianOf(runs.etcd);
        const d = medianOf(runs.dslab);
        const own = ownRounds[connections] as { etcd: OwnResult[]; dslab: OwnResult[] };
        const ownE = own.etcd.length > 0 ? medianOf(own.etcd) : undefined;
        const ownD = own.dslab.length > 0 ? medianOf(own.dslab) : undefined;
        results[`connections${connections}`] = {
          etcd: e,
          dslab: d,
          throughputRatio: ratio(d.writesPerSecond, e.writesPerSecond),
          p99Ratio: ratio(d.p99Ms, e.p99Ms),
          // Every request of every round in one distribution: a round's own p99 rests on 1% of one
          // 10 s run, which a single disk stall decides; the pooled one on 1% of all of them.
          pooled: pooled(histograms[connections] as { etcd: Histogram[]; dslab: Histogram[] }),
          // wrk charges each slow response with made-up samples at the server's own rate, so the faster
          // server pays more for the same stall; as recorded is before that correction.
          p99AsRecordedRatio: ratio(d.p99AsRecordedMs, e.p99AsRecordedMs),
          atFixedRate: fixedRateResults(connections),
          memoryRatio: ratio(d.rssMb, e.rssMb),
          pssRatio: ratio(d.pssMb, e.pssMb),
          rounds: runs,
          ownProtocol:
            ownE && ownD
              ? {
                  etcd: ownE,
                  dslab: ownD,
                  throughputRatio: ratio(ownD.writesPerSecond, ownE.writesPerSecond),
                  p99Ratio: ratio(ownD.p99Ms, ownE.p99Ms),
                  rounds: own,
                }
              : { unavailable: 'unavailable' in tool ? tool.unavailable : 'no rounds' },
        };
      }
      // What held dslab's members up over the whole bench (etcd exports no maximum to compare with).
      const stalls = await Promise.all(
        dslab.members.map(async (m) => {
          const status = await dslabStatus(m.httpPort);
          const pick = [
            'longestFsyncMs',
            'longestBlockingSyncMs',
            'longestAppendMs',
            'longestFileOpMs',
            'longestUnlinkMs',
            'eventLoopDelayMaxMs',
            'longestGcMs',
            'gcMs',
            'gcByKind',
          ];
          return { id: m.id, ...Object.fromEntries(pick.map((k) => [k, status[k]])) };
        }),
      );
      return {
        setup:
          `3 members each, loopback, fsync on, ${SECONDS} s per point, PUTs of 8-byte keys over ${KEYSPACE} and ` +
          `${VALUE_SIZE}-byte values to the leader; wrk -t1 with bench/wrk/put.lua for both ` +
          '(etcd: POST /v3/kv/put on the JSON gateway; dslab: PUT /v1/kv/{key}); ' +
          `${ROUNDS} rounds, the servers alternating, each figure the median of its rounds; p99 as wrk reports it ` +
          "(corrected for coordinated omission at the run's own pace) and as recorded; atFixedRate: the same " +
          "rounds with both servers at 80% of the slower one's closed-loop throughput. ownProtocol: " +
          "each server through its own protocol and its project's load generator after the race, as many " +
          "requests as wrk's median got through: etcd 3.4.23's tools/benchmark put (gRPC, 8-byte keys), dslab by " +
          'redis-benchmark -t set (RESP, 16-byte keys key:<12 digits>)',
        etcdVersion: execFileSync('/usr/bin/etcd', ['--version']).toString().split('\n')[0],
        goal: "dslab ≥ 1.0× etcd write throughput at 1, 10 and 100 connections, p99 no worse, members' memory ≤ etcd's",
        ...results,
        dslabMemberStalls: stalls,
      };
    } finally {
      for (const p of etcd.processes) p.kill('SIGTERM');
      await dslab.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
