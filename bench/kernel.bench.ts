// Kernel throughput: a ping-pong world of 64 nodes, each message answered to a random peer.
// Tracing off, message freezing off: what the fuzzer and benchmarks run with.
import { World, type Env, type Message, type NodeId } from '@dslab/sim';
import { loadavg } from 'node:os';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Benchmark } from './benchmark';

interface Ball extends Message {
  readonly type: 'ball';
  readonly hop: number;
}

function pingPongWorld(seed: number, nodes: number, inFlightPerNode: number): World {
  const world = new World({
    seed,
    trace: 'off',
    freezeMessages: false,
    network: { latency: { kind: 'uniform', min: 1, max: 10 } },
  });
  const ids: NodeId[] = Array.from({ length: nodes }, (_, i) => `n${i}`);
  for (const id of ids) {
    world.addNode(id, (env: Env<Ball>) => {
      const pass = (hop: number) => {
        let to = ids[Math.floor(env.random() * ids.length)] as NodeId;
        if (to === env.id) to = ids[(ids.indexOf(to) + 1) % ids.length] as NodeId;
        env.send(to, { type: 'ball', hop });
      };
      for (let i = 0; i < inFlightPerNode; i++) pass(0);
      return { onMessage: (_from, msg) => pass(msg.hop + 1), snapshot: () => null };
    });
  }
  return world;
}

/**
 * Runs `events` events in chunks, sampling memory after each chunk. CPU time (user + system of this
 * process) sits beside wall time: on a loaded machine wall time also counts other processes' turns.
 */
function measure(events: number): Record<string, number> {
  const world = pingPongWorld(1, 64, 4);
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  let peakOld = oldSpaceUsed();
  const chunk = 250_000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (world.stats.events < events) {
    world.runEvents(Math.min(chunk, events - world.stats.events));
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    peakOld = Math.max(peakOld, oldSpaceUsed());
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    events: world.stats.events,
    seconds: Number(seconds.toFixed(3)),
    eventsPerSecond: Math.round(world.stats.events / seconds),
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    eventsPerCpuSecond: Math.round(world.stats.events / cpuSeconds),
    virtualSeconds: Number((world.now() / 1000).toFixed(3)),
    peakRssMiB: Number((peakRss / 2 ** 20).toFixed(1)),
    peakHeapUsedMiB: Number((peakHeap / 2 ** 20).toFixed(1)),
    peakOldSpaceMiB: Number((peakOld / 2 ** 20).toFixed(1)),
  };
}

/** What survives young-generation collections: the retained data (young garbage comes and goes). */
function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;
}

const benchmark: Benchmark = {
  name: 'kernel',
  async run() {
    measure(200_000); // warm-up: let the JIT settle before measuring
    const oneMillion = measure(1_000_000);
    const tenMillion = measure(10_000_000);
    return {
      world: '64 nodes, 256 messages in flight, uniform 1–10 ms latency, tracing off',
      target: '≥ 5,000,000 events/s on one core; memory flat as the run grows',
      oneMillion,
      tenMillion,
      // Memory flat: peaks over 10 M events against over 1 M, sampled every 250,000 events. The heap
      // includes young garbage (up to the semi-space size); old space is what the run retains.
      heapGrowthMiB: Number((tenMillion.peakHeapUsedMiB! - oneMillion.peakHeapUsedMiB!).toFixed(1)),
      oldSpaceGrowthMiB: Number((tenMillion.peakOldSpaceMiB! - oneMillion.peakOldSpaceMiB!).toFixed(1)),
      rssGrowthMiB: Number((tenMillion.peakRssMiB! - oneMillion.peakRssMiB!).toFixed(1)),
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    };
  },
};
export default benchmark;
