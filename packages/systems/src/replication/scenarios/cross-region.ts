/** CLAIMS B1: cross-region synchronous replication adds ≥ RTT per commit; Little's law sizes the connection pool. */
import type { Scenario, ScenarioResult } from '../../contract';
import { build, commitLatencies, mean, round } from './support';

const RTT_MS = 80;
const CLIENTS = 16;
const TARGET_RATE = 20_000;

interface LoadRun {
  readonly mode: string;
  readonly commits: number;
  readonly throughput: number;
  readonly meanLatencyMs: number;
  /** Commits in flight on average, by Little's law: throughput × latency. */
  readonly inFlight: number;
  /** Commits in flight on average, sampled every 2 ms. */
  readonly measuredInFlight: number;
  readonly hash: string;
}

/** Sixteen sessions commit back to back (1 ms think time) for `ms`; the standby n2 is `RTT_MS` away. */
function runLoad(mode: string, syncCount: number, seed: number, ms: number): LoadRun {
  const warmup = 300;
  const cluster = build(
    {
      standbys: 1,
      syncCount,
      commitLevel: 'on',
      farStandbyRttMs: RTT_MS,
      clients: CLIENTS,
      opsPerSecond: CLIENTS * 1_000,
      readFraction: 0,
      keys: 64,
      slowReplayFactor: 1,
      durationMs: warmup + ms,
    },
    seed,
  );
  // The concurrency Little's law predicts, sampled directly: sessions with a commit in flight, every 2 ms.
  cluster.world.runFor(warmup);
  let samples = 0;
  let inFlightSum = 0;
  for (let t = warmup; t < warmup + ms; t += 2) {
    cluster.world.runUntil(t);
    samples++;
    for (const id of cluster.clients) if (cluster.client(id).busy) inFlightSum++;
  }
  cluster.world.runUntil(warmup + ms);
  const latencies = commitLatencies(cluster, warmup);
  const throughput = (latencies.length * 1_000) / ms;
  const meanLatencyMs = mean(latencies);
  return {
    mode,
    commits: latencies.length,
    throughput,
    meanLatencyMs,
    inFlight: (throughput * meanLatencyMs) / 1_000,
    measuredInFlight: inFlightSum / samples,
    hash: cluster.world.traceHash().slice(0, 8),
  };
}

export const crossRegion: Scenario = {
  id: 'cross-region-sync-little',
  title: 'A synchronous standby in another region: one round trip per commit, and the connections it takes',
  claim:
    "Cross-region synchronous replication adds at least one RTT per commit; by Little's law 20 k writes/s × 80 ms needs ~1,600 more concurrent connections.",
  expected: 'holds',
  rows: ['B1'],
  run({ seed, quick }): ScenarioResult {
    const ms = quick ? 1_000 : 5_000;
    const local = runLoad('asynchronous', 0, seed, ms);
    const remote = runLoad('synchronous (on), standby 80 ms away', 1, seed, ms);
    const added = remote.meanLatencyMs - local.meanLatencyMs;
    const extraConnections = (TARGET_RATE * added) / 1_000;
    const littleError = Math.max(
      Math.abs(local.inFlight - local.measuredInFlight) / local.measuredInFlight,
      Math.abs(remote.inFlight - remote.measuredInFlight) / remote.measuredInFlight,
    );
    // Operations cut by the window's two edges are half counted: up to about 2W/T of the total.
    const tolerance = Math.max(0.05, (2 * remote.meanLatencyMs) / ms);
    const holds =
      added >= RTT_MS && littleError < tolerance && extraConnections >= (TARGET_RATE * RTT_MS) / 1_000;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${CLIENTS} sessions committing back to back: ${round(local.throughput)} commits/s at ${round(local.meanLatencyMs, 2)} ms asynchronously, ` +
        `${round(remote.throughput)} commits/s at ${round(remote.meanLatencyMs, 2)} ms with the synchronous standby ${RTT_MS} ms away (+${round(added, 2)} ms per commit). ` +
        `Little's law (throughput × latency) matched the sampled concurrency within ${round(littleError * 100, 2)}% (edge tolerance ${round(tolerance * 100, 1)}%); ` +
        `so ${TARGET_RATE.toLocaleString('en-US')} commits/s need ${Math.round(extraConnections).toLocaleString('en-US')} more connections in flight.`,
      measurements: {
        asyncThroughput: round(local.throughput),
        asyncMeanLatencyMs: round(local.meanLatencyMs, 2),
        syncThroughput: round(remote.throughput),
        syncMeanLatencyMs: round(remote.meanLatencyMs, 2),
        addedLatencyMs: round(added, 2),
        littleErrorPercent: round(littleError * 100, 2),
        extraConnectionsAt20k: Math.round(extraConnections),
      },
      tables: [
        {
          title: `${CLIENTS} sessions, one commit at a time each`,
          columns: [
            'replication',
            'commits',
            'commits/s',
            'mean latency ms',
            'λ × W',
            'commits in flight (sampled)',
          ],
          rows: [local, remote].map((r) => [
            r.mode,
            r.commits,
            round(r.throughput),
            round(r.meanLatencyMs, 2),
            round(r.inFlight, 2),
            round(r.measuredInFlight, 2),
          ]),
        },
      ],
      traceHash: local.hash + remote.hash,
    };
  },
};
