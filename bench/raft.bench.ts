// Raft in the simulator: how fast a 5-node cluster with 200 client operations per virtual second runs
// under the full nemesis (virtual seconds per wall second), fuzz throughput in seeds per minute on all
// cores, and messages per committed operation with and without faults.
import { availableParallelism, loadavg } from 'node:os';
import { Rng, applyFaultSchedule, randomFaultSchedule } from '@dslab/sim';
import { buildRaftCluster, raftParams } from '@dslab/systems';
import { runFuzzPool } from '../packages/cli/src/fuzz/pool';
import type { Benchmark } from './benchmark';

function simulate(virtualSeconds: number, nemesis: boolean, checks: boolean) {
  const params = raftParams.parse({ nodes: 5, clients: 10, opsPerSecond: 200, keys: 20 });
  const cluster = buildRaftCluster(params, 42, {
    trace: 'off',
    freezeMessages: false,
    logMatchingEvery: checks ? 64 : 0,
  });
  if (nemesis) {
    const schedule = randomFaultSchedule(new Rng(42).fork('nemesis'), cluster.servers, {
      startMs: 500,
      endMs: virtualSeconds * 1_000,
      meanIntervalMs: 500,
      maxDurationMs: 1_500,
    });
    applyFaultSchedule(cluster.world, schedule);
  }
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  cluster.world.runFor(virtualSeconds * 1_000);
  const wallSeconds = (performance.now() - started) / 1000;
  // CPU time of the whole process (GC helper threads included): on a machine shared with other work the
  // wall figure measures the neighbours too, the CPU figure much less so.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  let ok = 0;
  for (const id of cluster.clients) ok += cluster.client(id).completed.filter((op) => op.ok).length;
  return {
    virtualSeconds,
    wallSeconds,
    virtualSecondsPerWallSecond: virtualSeconds / wallSeconds,
    cpuSeconds,
    virtualSecondsPerCpuSecond: virtualSeconds / cpuSeconds,
    events: cluster.world.stats.events,
    eventsPerSecond: cluster.world.stats.events / wallSeconds,
    committedOps: ok,
    messagesPerCommittedOp: cluster.world.stats.sent / Math.max(1, ok),
  };
}

const bench: Benchmark = {
  name: 'raft',
  async run() {
    const loadBefore = loadavg()[0];
    // Warm the JIT on every path first, then keep the better of two runs per configuration: the first
    // run measured otherwise pays for compilation and the comparison between rows is skewed. A 60 s and
    // a 30 s run were not enough: the nemesis keeps meeting rare paths (recovery, partitions, snapshots)
    // that deoptimize and recompile, so the first row measured compilation — consecutive 120 s runs gave
    // 375, 537, then 738–837 virtual s per wall s, and the checks-off row, measured after it, came out
    // 30% faster while in steady state it is 2% faster. So: three full runs of the first row's
    // configuration and one of each other row's, then measure.
    for (let run = 0; run < 3; run++) simulate(120, true, true);
    simulate(120, true, false);
    simulate(120, false, true);
    // A 120 s run takes about a tenth of a wall second, so one run swings ±10% with whatever else the
    // machine does (consecutive single runs gave 879 to 1,063): each row is the median of nine runs,
    // interleaved with the other rows', with every run's figure beside it.
    const RUNS = 9;
    const rows = [
      () => simulate(120, true, true),
      () => simulate(120, true, false),
      () => simulate(120, false, true),
    ];
    const runs: ReturnType<typeof simulate>[][] = rows.map(() => []);
    for (let run = 0; run < RUNS; run++) rows.forEach((row, k) => runs[k]?.push(row()));
    const median = (of: ReturnType<typeof simulate>[]) => {
      const sorted = [...of].sort((a, b) => a.virtualSecondsPerWallSecond - b.virtualSecondsPerWallSecond);
      const middle = sorted[Math.floor(sorted.length / 2)] as ReturnType<typeof simulate>;
      return { ...middle, runs: of.map((r) => Math.round(r.virtualSecondsPerWallSecond)) };
    };
    const [withNemesis, withNemesisNoLogMatching, healthy] = runs.map(median);
    const workers = availableParallelism();
    const seeds = Array.from({ length: 2_000 }, (_, i) => i);
    const started = performance.now();
    let virtualMs = 0;
    const pool = await runFuzzPool({
      systemId: 'raft',
      seeds,
      workers,
      stopOnFirst: false,
      onOutcome: (_done, _failure, outcome) => {
        virtualMs += outcome?.virtualMs ?? 0;
      },
    });
    const minutes = (performance.now() - started) / 60_000;
    return {
      target: 'at least 1,000 virtual seconds per wall second (5 nodes, 200 ops/s, nemesis on)',
      loadAverage1m: { before: loadBefore, after: loadavg()[0] },
      withNemesis,
      withNemesisNoLogMatching,
      healthy,
      fuzz: {
        workers,
        seeds: pool.done,
        failures: pool.failures.length,
        seedsPerMinute: pool.done / minutes,
        virtualSecondsPerSeed: virtualMs / 1000 / Math.max(1, pool.done),
      },
    };
  },
};

export default bench;
