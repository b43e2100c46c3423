/**
 * The quorum store's run that the consistency classifier is shown (its tests, the lab's examples): four
 * clients on one key, the same level for reads and writes, read repair blocking at QUORUM and off at
 * ONE, under a network with a tail (median 3 ms, one message in a hundred slower than 40 ms), then a
 * second of quiet.
 */
import { buildQuorumCluster, quorumParams, type QuorumCluster, type QuorumParams } from './cluster';
import type { Level } from './messages';

export interface OneKeyRun {
  readonly conflict: QuorumParams['conflict'];
  readonly level: Level;
  readonly seed: number;
  readonly durationMs: number;
}

export function runOneKey({ conflict, level, seed, durationMs }: OneKeyRun): QuorumCluster {
  const params = quorumParams.parse({
    conflict,
    readLevel: level,
    writeLevel: level,
    sloppy: false,
    readRepair: level === 'one' ? 'off' : 'blocking',
    clients: 4,
    keys: 1,
    opsPerSecond: 400,
    durationMs,
  });
  const cluster = buildQuorumCluster(params, seed, {
    network: { latency: { kind: 'long-tail', median: 3, p99: 40 } },
  });
  cluster.world.runFor(params.durationMs);
  cluster.phase = 'stop';
  cluster.world.runFor(1_000);
  return cluster;
}
