/** CLAIMS B1: asynchronous replicas lag; a read right after a write can miss it; lag grows under load and long queries. */
import type { Scenario, ScenarioResult } from '../../contract';
import {
  build,
  mean,
  missedOwnWrite,
  probeReadAfterWrite,
  quantile,
  round,
  runSamplingLag,
  type LagSample,
} from './support';

const ASYNC = { syncCount: 0, commitLevel: 'on', readFraction: 0, keys: 8 } as const;

function lagOf(samples: readonly LagSample[], node?: string): number[] {
  return samples.filter((s) => node === undefined || s.node === node).map((s) => s.lagMs);
}

export const asyncLag: Scenario = {
  id: 'async-replica-lag',
  title: 'Asynchronous standbys lag, and lag grows under load and long queries',
  claim:
    'Asynchronous replicas lag behind the primary; a read on a replica right after a write can miss it; the lag grows under write load and while long queries run on the replica.',
  expected: 'holds',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const probes = quick ? 60 : 300;
    // 1. Light load: 200 commits/s; one session writes and at once reads back from each standby.
    const light = build({ ...ASYNC, clients: 5, opsPerSecond: 200, durationMs: 4_000 }, seed, {
      scripted: (i) => i === 4,
    });
    let missed = 0;
    let done = 0;
    probeReadAfterWrite(light, 'c5', { startMs: 200, gapMs: 20, count: probes, key: 'probe' }, (p) => {
      done++;
      if (missedOwnWrite(p)) missed++;
    });
    const lightSamples = runSamplingLag(light, 200, 200 + probes * 30, 10);
    // 2. Heavy load: more commits per second than the slow standby can replay.
    const heavyMs = quick ? 1_500 : 4_000;
    const heavy = build({ ...ASYNC, clients: 16, opsPerSecond: 1_200, durationMs: heavyMs }, seed);
    const heavySamples = runSamplingLag(heavy, 100, heavyMs, 50);
    const slow = heavy.dataNodes[heavy.dataNodes.length - 1] as string;
    const slowLag = heavySamples.filter((s) => s.node === slow);
    const quarter = Math.max(1, Math.floor(slowLag.length / 4));
    const early = mean(slowLag.slice(0, quarter).map((s) => s.lagMs));
    const late = mean(slowLag.slice(-quarter).map((s) => s.lagMs));
    // 3. A long query (1 s) on n2 holds its replay back while the light load goes on.
    const holdMs = 1_000;
    const held = build({ ...ASYNC, clients: 4, opsPerSecond: 200, durationMs: 3_000 }, seed);
    held.world.at(500, 'long query on n2', () => held.node('n2').holdReplay(holdMs));
    const heldSamples = runSamplingLag(held, 100, 2_500, 10);
    const heldMax = quantile(lagOf(heldSamples, 'n2'), 1);
    const lightAll = lagOf(lightSamples);
    const lightP50 = quantile(lightAll, 0.5);
    const lightP99 = quantile(lightAll, 0.99);
    const holds =
      missed > 0 &&
      late > 2 * Math.max(early, 1) &&
      late > 10 * Math.max(lightP99, 1) &&
      heldMax >= 0.9 * holdMs;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `At 200 commits/s the standbys' replay lag was ${round(lightP50)} ms at the median and ${round(lightP99)} ms at p99 (a LAN: 1–3 ms links, 2 ms fsync); ` +
        `${missed} of ${done} reads issued on a standby the moment the commit returned missed it. ` +
        `At 1,200 commits/s the slow standby (2 ms per record) fell behind without bound: ${round(early)} ms of lag in the first quarter of the run, ${round(late)} ms in the last. ` +
        `A 1 s query holding replay on n2 took its lag to ${round(heldMax)} ms.`,
      measurements: {
        probes: done,
        missedOwnWrite: missed,
        lightLagP50Ms: round(lightP50, 2),
        lightLagP99Ms: round(lightP99, 2),
        heavyLagEarlyMs: round(early),
        heavyLagLateMs: round(late),
        longQueryLagMs: round(heldMax),
      },
      tables: [
        {
          title: 'Replay lag of the standbys',
          columns: ['load', 'node', 'p50 ms', 'p99 ms', 'max ms'],
          rows: [
            ...light.dataNodes.slice(1).map((id) => {
              const l = lagOf(lightSamples, id);
              return ['200/s', id, round(quantile(l, 0.5)), round(quantile(l, 0.99)), round(quantile(l, 1))];
            }),
            ...heavy.dataNodes.slice(1).map((id) => {
              const l = lagOf(heavySamples, id);
              return [
                '1,200/s',
                id,
                round(quantile(l, 0.5)),
                round(quantile(l, 0.99)),
                round(quantile(l, 1)),
              ];
            }),
            [
              '200/s + 1 s query',
              'n2',
              round(quantile(lagOf(heldSamples, 'n2'), 0.5)),
              round(quantile(lagOf(heldSamples, 'n2'), 0.99)),
              round(heldMax),
            ],
          ],
        },
      ],
      traceHash:
        light.world.traceHash().slice(0, 8) +
        heavy.world.traceHash().slice(0, 8) +
        held.world.traceHash().slice(0, 8),
    };
  },
};
