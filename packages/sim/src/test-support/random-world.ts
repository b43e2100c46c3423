/**
 * Builds a world of chatter nodes with a random fault schedule, all from one seed, and returns its
 * trace hash. Used by the determinism property test (in this thread and in worker threads).
 */
import { World } from '../world';
import { Rng } from '../rng';
import { applyFaultSchedule, randomFaultSchedule } from '../nemesis';
import type { Env } from '../env';
import { ChatterNode } from './chatter';

export interface RandomWorldSpec {
  readonly seed: number;
  readonly nodes: number;
  readonly durationMs: number;
  readonly faults: boolean;
}

export function runRandomWorld(spec: RandomWorldSpec): { hash: string; events: number } {
  const world = new World({
    seed: spec.seed,
    network: { latency: { kind: 'long-tail', median: 3, p99: 40 }, loss: 0.01, duplicate: 0.01 },
  });
  const ids = Array.from({ length: spec.nodes }, (_, i) => `n${i}`);
  for (const id of ids) {
    world.addNode(
      id,
      (env: Env) => new ChatterNode(env as Env<never>, { peers: ids, intervalMs: 20, syncEvery: 3 }),
      {
        disk: { tornWrites: true },
      },
    );
  }
  if (spec.faults) {
    const schedule = randomFaultSchedule(new Rng(spec.seed).fork('faults'), ids, {
      endMs: spec.durationMs * 0.8,
      meanIntervalMs: 50,
      maxDurationMs: 200,
    });
    applyFaultSchedule(world, schedule);
  }
  world.runFor(spec.durationMs);
  return { hash: world.traceHash(), events: world.stats.events };
}
