// Kernel throughput: a ping-pong world of 64 nodes, each message answered to a random peer.
// Tracing off, message freezing off: what the fuzzer and benchmarks run with.
import { World, type Env, type Message, type NodeId } from '@dslab/sim';
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

function measure(events: number): Record<string, number> {
  const world = pingPongWorld(1, 64, 4);
  let peakRss = process.memoryUsage().rss;
  const chunk = 250_000;
  const started = performance.now();
  while (world.stats.events < events) {
    world.runEvents(Math.min(chunk, events - world.stats.events));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    events: world.stats.events,
    seconds: Number(seconds.toFixed(3)),
    eventsPerSecond: Math.round(world.stats.events / seconds),
    virtualSeconds: Number((world.now() / 1000).toFixed(3)),
    peakRssMiB: Number((peakRss / 2 ** 20).toFixed(1)),
  };
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
    };
  },
};
export default benchmark;
