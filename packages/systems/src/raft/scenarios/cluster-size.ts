/**
 * "Raft is practical up to 5–7 nodes": the same write workload on 3, 5, 7 and 9 servers, measuring what
 * a bigger cluster costs — commit latency at the leader (p50, p99), what the clients see, throughput, and
 * the messages each write takes — and whether anything breaks past 7.
 */
import type { NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult, Verdict } from '../../contract';
import { buildRaftCluster, raftParams, type RaftCluster } from '../cluster';
import type { RaftMessage } from '../types';
import { waitForLeader } from './harness';

const SIZES = [3, 5, 7, 9] as const;
/** Writers issuing one write after another (a closed loop): throughput is what the cluster sustains. */
const WRITERS = 8;

export interface SizeFigures {
  readonly nodes: number;
  readonly writes: number;
  readonly writesPerSecond: number;
  readonly commitP50: number;
  readonly commitP99: number;
  readonly clientP50: number;
  readonly clientP99: number;
  readonly messagesPerWrite: number;
}

/** Nearest-rank percentile of sorted values (NaN when there are none). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/**
 * Commit latency as the leader lives it: from a request's delivery at the server that answers it to that
 * server's acknowledgement (append, replicate to a majority, apply). Read off the trace, so the node code
 * carries no measuring hooks.
 */
function recordCommitLatencies(cluster: RaftCluster, into: number[]): void {
  const servers = new Set<NodeId>(cluster.servers);
  const requestOf = new Map<number, string>();
  const deliveredAt = new Map<string, number>();
  cluster.world.onTrace((event) => {
    if (event.kind === 'send') {
      const msg = event.msg as RaftMessage;
      if (msg.type === 'request') requestOf.set(event.id, `${event.to}|${msg.client}|${msg.seq}`);
      else if (msg.type === 'response' && msg.result.ok && servers.has(event.from)) {
        const key = `${event.from}|${msg.client}|${msg.seq}`;
        const start = deliveredAt.get(key);
        if (start !== undefined) into.push(event.t - start);
        deliveredAt.delete(key);
      }
    } else if (event.kind === 'deliver') {
      const key = requestOf.get(event.id);
      if (key === undefined) return;
      requestOf.delete(event.id);
      deliveredAt.set(key, event.t);
    }
  });
}

function measure(nodes: number, seed: number, durationMs: number): { figures: SizeFigures; hash: string } {
  const cluster = buildRaftCluster(
    raftParams.parse({
      nodes,
      clients: WRITERS,
      opsPerSecond: 10_000, // no think time to speak of: each writer is always waiting on a write
      readFraction: 0,
      latencyMs: 2,
      jitterMs: 20,
      durationMs: 1,
    }),
    seed,
  );
  const { world } = cluster;
  const commits: number[] = [];
  recordCommitLatencies(cluster, commits);
  const leader = waitForLeader(cluster);
  commits.length = 0; // count only what the steady state commits
  const started = world.now();
  const sentBefore = world.stats.sent;
  world.runFor(durationMs);
  const latencies: number[] = [];
  for (const id of cluster.clients)
    for (const op of cluster.client(id).completed)
      if (op.ok && op.startedAt >= started) latencies.push(op.latencyMs);
  latencies.sort((a, b) => a - b);
  commits.sort((a, b) => a - b);
  const writes = latencies.length;
  return {
    figures: {
      nodes,
      writes,
      writesPerSecond: (writes * 1_000) / durationMs,
      commitP50: percentile(commits, 0.5),
      commitP99: percentile(commits, 0.99),
      clientP50: percentile(latencies, 0.5),
      clientP99: percentile(latencies, 0.99),
      messagesPerWrite: (world.stats.sent - sentBefore) / Math.max(1, writes),
    },
    hash: world.traceHash().slice(0, 4) + (leader?.id ?? '-'),
  };
}

const round2 = (x: number) => Number(x.toFixed(2));

/**
 * The verdict from the figures. The claim read as a limit holds if something gives way past 7 nodes
 * (throughput down by 30% or more, or commit latency up by half, at 9 against 7). If nothing does, it
 * holds only partly when the cost per write still grows with N (messages per write at least doubling from
 * 3 to 9: one AppendEntries and one reply per follower), and fails when even that does not grow.
 */
export function judgeClusterSize(at3: SizeFigures, at7: SizeFigures, at9: SizeFigures) {
  const cliffPast7 =
    at9.writes === 0 ||
    at9.writesPerSecond < 0.7 * at7.writesPerSecond ||
    at9.commitP99 > 1.5 * at7.commitP99 ||
    at9.commitP50 > 1.5 * at7.commitP50;
  const costGrowth = at9.messagesPerWrite / at3.messagesPerWrite;
  const observed: Verdict = cliffPast7 ? 'holds' : costGrowth >= 2 ? 'partly' : 'fails';
  return { observed, cliffPast7, costGrowth };
}

export const clusterSize: Scenario = {
  id: 'cluster-size',
  title: 'What a bigger cluster costs',
  claim: 'Raft is practical up to 5–7 nodes.',
  expected: 'partly',
  corrected:
    'Nothing breaks at 7: the leader’s messages per write grow linearly with N, and commit waits for the majority-th fastest acknowledgement, so the median commit latency creeps up with N under a spread of link latencies (the tail does not: more acknowledgements to wait among).',
  rows: ['A1'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 1_500 : 10_000;
    const measured = SIZES.map((nodes) => measure(nodes, seed, durationMs));
    const by = new Map(measured.map((m) => [m.figures.nodes, m.figures]));
    const at3 = by.get(3) as SizeFigures;
    const at7 = by.get(7) as SizeFigures;
    const at9 = by.get(9) as SizeFigures;
    const { observed, cliffPast7, costGrowth } = judgeClusterSize(at3, at7, at9);
    const pctChange = (from: number, to: number) =>
      `${to >= from ? '+' : ''}${(((to - from) / from) * 100).toFixed(0)}%`;
    return {
      observed,
      summary:
        `Same ${WRITERS} back-to-back writers on 3 → 9 nodes: commit latency p50 ${at3.commitP50.toFixed(1)} → ${at9.commitP50.toFixed(1)} ms, ` +
        `p99 ${at3.commitP99.toFixed(1)} → ${at9.commitP99.toFixed(1)} ms; throughput ${at3.writesPerSecond.toFixed(0)} → ${at9.writesPerSecond.toFixed(0)} writes/s ` +
        `(${pctChange(at3.writesPerSecond, at9.writesPerSecond)}); messages per write ${at3.messagesPerWrite.toFixed(1)} → ${at9.messagesPerWrite.toFixed(1)} (×${costGrowth.toFixed(1)}). ` +
        (cliffPast7
          ? 'Past 7 nodes throughput or commit latency gave way.'
          : `Nothing gives way past 7 (9 against 7: throughput ${pctChange(at7.writesPerSecond, at9.writesPerSecond)}, commit p99 ${pctChange(at7.commitP99, at9.commitP99)}); the cost is the leader's work per write.`),
      measurements: {
        commitP50At3: at3.commitP50,
        commitP99At3: at3.commitP99,
        commitP50At9: at9.commitP50,
        commitP99At9: at9.commitP99,
        writesPerSecondAt3: at3.writesPerSecond,
        writesPerSecondAt7: at7.writesPerSecond,
        writesPerSecondAt9: at9.writesPerSecond,
        messagesPerWriteAt3: at3.messagesPerWrite,
        messagesPerWriteAt9: at9.messagesPerWrite,
        cliffPast7: cliffPast7 ? 1 : 0,
      },
      tables: [
        {
          title: `${WRITERS} writers, one write after another, link latency 2–22 ms, ${durationMs / 1_000} s per size`,
          columns: [
            'nodes',
            'writes/s',
            'commit p50 (ms)',
            'commit p99 (ms)',
            'client p50 (ms)',
            'client p99 (ms)',
            'messages per write',
          ],
          rows: measured.map(({ figures: f }) => [
            f.nodes,
            round2(f.writesPerSecond),
            round2(f.commitP50),
            round2(f.commitP99),
            round2(f.clientP50),
            round2(f.clientP99),
            round2(f.messagesPerWrite),
          ]),
        },
      ],
      traceHash: measured.map((m) => m.hash).join(''),
    };
  },
};
