/**
 * CAP and PACELC side by side (catalog B3): the same workload and the same partition, at the same
 * moment, applied to the Raft KV (A1, CP) and to this store at ONE (AP); then, with no partition, what
 * each consistency setting costs in latency and in stale reads. The Raft cluster is built by A1's own
 * `buildRaftCluster`, unchanged; only its clients' operations and the partition come from here.
 */
import type { History, Operation } from '@dslab/check';
import { Rng, type LinkConfig, type NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import type { KvClient } from '../../raft/client';
import { buildRaftCluster, raftParams, type RaftCluster } from '../../raft/cluster';
import type { ClientOp } from '../../raft/types';
import { buildQuorumCluster, divergentKeys, quorumParams, settle, type QuorumCluster } from '../cluster';
import type { Level } from '../messages';
import { valuesOf } from '../versions';
import { lastWrites } from './convergence';
import { judge, quantile, round, staleReads } from './support';

type Op =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string };

/** The shared workload: per client, a list of reads and writes (unique values) drawn from the seed. */
function workload(
  seed: number,
  clients: readonly NodeId[],
  keys: number,
  length: number,
  readFraction = 0.5,
): Map<NodeId, Op[]> {
  const rng = new Rng(seed).fork('cap-workload');
  const out = new Map<NodeId, Op[]>();
  for (const client of clients) {
    const ops: Op[] = [];
    for (let i = 0; i < length; i++) {
      const key = `k${rng.int(keys)}`;
      ops.push(
        rng.next() < readFraction ? { f: 'get', key } : { f: 'put', key, value: `${client}-${i + 1}` },
      );
    }
    out.set(client, ops);
  }
  return out;
}

/** Hands out each client's next operation while the phase allows. */
function feeder(ops: Map<NodeId, Op[]>, running: () => boolean) {
  const cursor = new Map<NodeId, number>();
  return (client: NodeId): Op | undefined => {
    if (!running()) return undefined;
    const list = ops.get(client) ?? [];
    const i = cursor.get(client) ?? 0;
    cursor.set(client, i + 1);
    return list[i];
  };
}

const SIDE_A = ['n1', 'n2'];
const SIDE_B = ['n3', 'n4', 'n5'];
const KEYS = 4;
const OPS_PER_SECOND = 100;

interface SideCount {
  attempted: number;
  ok: number;
}

/**
 * Longest a client waits before it gives up (the quorum client's 4 × 150 ms, the Raft client's 500 ms
 * and its back-off): a request started this long before the heal has its answer, or has given up,
 * while the partition still stands.
 */
const ANSWER_MS = 700;

/** The requests `process` started in [from, to − ANSWER_MS), and how many of them succeeded before `to`. */
function countWindow(history: History, process: string, from: number, to: number): SideCount {
  const ops = history.filter(
    (op) => op.process.split('.')[0] === process && op.call >= from && op.call < to - ANSWER_MS,
  );
  return { attempted: ops.length, ok: ops.filter((op) => op.outcome === 'ok' && op.ret <= to).length };
}

interface Timeline {
  readonly partitionAt: number;
  readonly partitionMs: number;
}

function runRaft(seed: number, ops: Map<NodeId, Op[]>, t: Timeline) {
  let running = true;
  const next = feeder(ops, () => running);
  const params = raftParams.parse({ nodes: 5, clients: 2, opsPerSecond: OPS_PER_SECOND, keys: KEYS });
  const cluster: RaftCluster = buildRaftCluster(params, seed, {
    nextOp: (client) => next(client) as ClientOp | undefined,
    clientTimeoutMs: 150,
    clientGiveUpMs: 500,
  });
  const { world } = cluster;
  world.network.exemptFromPartitions([]); // the clients sit on the two sides like the servers
  world.runFor(t.partitionAt);
  world.network.partition([
    [...SIDE_A, 'c1'],
    [...SIDE_B, 'c2'],
  ]);
  world.runFor(t.partitionMs);
  world.network.heal();
  running = false;
  world.runFor(2_000);
  const history = cluster.recorder.history();
  const end = t.partitionAt + t.partitionMs;
  return {
    history,
    a: countWindow(history, 'c1', t.partitionAt, end),
    b: countWindow(history, 'c2', t.partitionAt, end),
    hash: world.traceHash(),
  };
}

/** The freshest values the nodes in `side` hold for `key`, as a read at ONE on that side could return. */
function sideValues(cluster: QuorumCluster, side: readonly NodeId[], key: string): string {
  const values = new Set<string>();
  for (const id of side) for (const v of valuesOf(cluster.node(id).replica(key))) values.add(v);
  return [...values].sort().join(',');
}

function runQuorum(seed: number, ops: Map<NodeId, Op[]>, t: Timeline) {
  let running = true;
  const next = feeder(ops, () => running);
  const params = quorumParams.parse({
    nodes: 5,
    replicas: 3,
    conflict: 'lww',
    readLevel: 'one',
    writeLevel: 'one',
    sloppy: true,
    clients: 2,
    keys: KEYS,
    opsPerSecond: OPS_PER_SECOND,
  });
  const cluster = buildQuorumCluster(params, seed, {
    clientsPartitionable: true,
    // Each client talks to the nodes on its own side, as a driver talks to its local data centre.
    client: (id) => ({ nodes: id === 'c1' ? SIDE_A : SIDE_B, workload: () => next(id) }),
  });
  const { world } = cluster;
  world.runFor(t.partitionAt);
  world.network.partition([
    [...SIDE_A, 'c1'],
    [...SIDE_B, 'c2'],
  ]);
  world.runFor(t.partitionMs);
  let diverged = 0;
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  for (const key of keys)
    if (sideValues(cluster, SIDE_A, key) !== sideValues(cluster, SIDE_B, key)) diverged++;
  world.network.heal();
  running = false;
  cluster.phase = 'stop';
  const convergeMs = settle(cluster, 20_000);
  const history = cluster.recorder.history();
  const end = t.partitionAt + t.partitionMs;
  // Writes acknowledged on each side during the split whose key ended with the other side's last write.
  const during = (process: string) =>
    history.filter((op) => op.process.split('.')[0] === process && op.call >= t.partitionAt && op.ret <= end);
  const lastA = lastWrites(during('c1'));
  const lastB = lastWrites(during('c2'));
  let dropped = 0;
  for (const [key, wa] of lastA) {
    const wb = lastB.get(key);
    if (!wb) continue;
    const final = valuesOf(cluster.node(cluster.preferenceList(key)[0] as NodeId).replica(key));
    if (final.includes(wa.value) !== final.includes(wb.value)) dropped++;
  }
  const windowOps = history.filter((op) => op.call >= t.partitionAt && op.ret <= end);
  // Once gossip has noticed the split, a side's coordinators stop waiting on the other side's nodes.
  const detected = t.partitionAt + params.failAfterMs;
  return {
    history,
    a: countWindow(history, 'c1', t.partitionAt, end),
    b: countWindow(history, 'c2', t.partitionAt, end),
    aDetected: countWindow(history, 'c1', detected, end),
    bDetected: countWindow(history, 'c2', detected, end),
    failAfterMs: params.failAfterMs,
    diverged,
    convergeMs,
    divergentAfter: divergentKeys(cluster).length,
    dropped,
    staleDuring: staleReads(windowOps),
    hash: world.traceHash(),
  };
}

/** One client request as the split view draws it. */
export interface CapRequest {
  /** `a` sits with the two-node side, `b` with the three-node side. */
  readonly side: 'a' | 'b';
  readonly f: string;
  readonly call: number;
  /** Completion time; Infinity when the client gave up without an answer. */
  readonly ret: number;
  readonly outcome: 'ok' | 'fail' | 'info';
}

/** Both stores under the same workload and the same 2 | 3 partition: what the lab's split view draws. */
export interface CapSideBySide {
  readonly partitionAt: number;
  readonly partitionMs: number;
  readonly raft: { readonly requests: readonly CapRequest[]; readonly linearizable: boolean };
  readonly quorum: {
    readonly requests: readonly CapRequest[];
    readonly linearizable: boolean;
    readonly divergedKeys: number;
    readonly keys: number;
    readonly convergeMs: number | undefined;
    readonly lwwDroppedWrites: number;
    readonly staleReadsDuringSplit: number;
    /** When gossip had marked the other side down, so coordinators stopped waiting on it. */
    readonly detectedAt: number;
  };
}

function requests(history: History): CapRequest[] {
  return history.map((op) => ({
    side: op.process.split('.')[0] === 'c1' ? 'a' : 'b',
    f: op.f,
    call: op.call,
    ret: op.ret,
    outcome: op.outcome,
  }));
}

/** The `cap-partition` experiment as data: each store's requests on a shared timeline. */
export function capSideBySide(seed: number, partitionMs = 3_000): CapSideBySide {
  const t: Timeline = { partitionAt: 1_000, partitionMs };
  const ops = workload(seed, ['c1', 'c2'], KEYS, 2_000);
  const raft = runRaft(seed, ops, t);
  const quorum = runQuorum(seed, ops, t);
  return {
    ...t,
    raft: { requests: requests(raft.history), linearizable: judge(raft.history).linearizable },
    quorum: {
      requests: requests(quorum.history),
      linearizable: judge(quorum.history).linearizable,
      divergedKeys: quorum.diverged,
      keys: KEYS,
      convergeMs: quorum.convergeMs,
      lwwDroppedWrites: quorum.dropped,
      staleReadsDuringSplit: quorum.staleDuring.stale,
      detectedAt: t.partitionAt + quorum.failAfterMs,
    },
  };
}

const pct = (c: SideCount) => `${c.ok}/${c.attempted}`;

export const capPartition: Scenario = {
  id: 'cap-partition',
  title:
    'One partition, two stores: the Raft KV’s minority side fails, the quorum store at ONE answers on both sides and diverges',
  claim:
    'During a partition a CP store’s minority side returns errors, an AP store’s both sides answer and diverge.',
  expected: 'holds',
  rows: ['B3'],
  run({ seed, quick }): ScenarioResult {
    const t: Timeline = { partitionAt: 1_000, partitionMs: quick ? 2_000 : 5_000 };
    const ops = workload(seed, ['c1', 'c2'], KEYS, 2_000);
    const raft = runRaft(seed, ops, t);
    const quorum = runQuorum(seed, ops, t);
    const raftJudged = judge(raft.history);
    const quorumJudged = judge(quorum.history);
    const cp = raft.a.attempted > 0 && raft.a.ok === 0 && raft.b.ok > 0;
    // Both sides answer: every request once failure detection has caught up (before it, a coordinator
    // may wait on a node across the split and time out, as Dynamo's do).
    const ap =
      quorum.aDetected.ok === quorum.aDetected.attempted &&
      quorum.bDetected.ok === quorum.bDetected.attempted &&
      quorum.aDetected.ok > 0 &&
      quorum.bDetected.ok > 0;
    const divergedAndConverged = quorum.diverged > 0 && quorum.convergeMs !== undefined;
    const observed = cp && ap && divergedAndConverged ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `Five servers split 2 | 3 for ${t.partitionMs} ms with a client on each side, the same operations sent to both stores. ` +
        `Raft KV: the minority side's client completed ${pct(raft.a)} operations, the majority side's ${pct(raft.b)}; its history is ${raftJudged.linearizable ? 'linearizable' : 'not linearizable'}. ` +
        `Quorum store at ONE: ${pct(quorum.a)} and ${pct(quorum.b)} (${pct(quorum.aDetected)} and ${pct(quorum.bDetected)} from ${quorum.failAfterMs} ms in, once gossip had noticed the split); ${quorum.diverged} of ${KEYS} keys differed between the sides at the heal, ${quorum.staleDuring.stale} of ${quorum.staleDuring.reads} reads during the split returned an overwritten value; ` +
        `once healed (the workload stopped there) replicas ${quorum.convergeMs !== undefined ? `converged in ${quorum.convergeMs} ms` : 'did not converge'}, and last-write-wins dropped ${quorum.dropped} acknowledged writes; its history is ${quorumJudged.linearizable ? 'linearizable' : 'not linearizable'}.`,
      measurements: {
        raftMinorityOk: raft.a.ok,
        raftMinorityAttempted: raft.a.attempted,
        raftMajorityOk: raft.b.ok,
        raftMajorityAttempted: raft.b.attempted,
        quorumSideAOk: quorum.a.ok,
        quorumSideAAttempted: quorum.a.attempted,
        quorumSideBOk: quorum.b.ok,
        quorumSideBAttempted: quorum.b.attempted,
        divergedKeys: quorum.diverged,
        staleReadsDuringSplit: quorum.staleDuring.stale,
        convergeMs: quorum.convergeMs ?? -1,
        lwwDroppedWrites: quorum.dropped,
        raftLinearizable: raftJudged.linearizable ? 1 : 0,
        quorumLinearizable: quorumJudged.linearizable ? 1 : 0,
      },
      tables: [
        {
          title: `Requests started during the partition (up to ${ANSWER_MS} ms before it healed) and answered successfully before it healed`,
          columns: ['store', 'minority side (n1, n2)', 'majority side (n3, n4, n5)', 'history'],
          rows: [
            [
              'Raft KV (CP)',
              pct(raft.a),
              pct(raft.b),
              raftJudged.linearizable ? 'linearizable' : 'not linearizable',
            ],
            [
              'quorum store at ONE (AP)',
              pct(quorum.a),
              pct(quorum.b),
              quorumJudged.linearizable ? 'linearizable' : 'not linearizable',
            ],
          ],
        },
      ],
      ...(quorumJudged.counterexample
        ? { counterexample: { quorumStore: quorumJudged.counterexample } }
        : {}),
      traceHash: raft.hash + quorum.hash,
    };
  },
};

// ---- PACELC: else, latency against consistency ----

/** The links of the comparison: log-normal, median 2 ms, p99 40 ms (as the staleness scenario). */
const TAIL: Partial<LinkConfig> = { latency: { kind: 'long-tail', median: 2, p99: 40 } };

interface Cost {
  readonly label: string;
  readonly readP50: number;
  readonly readP99: number;
  readonly writeP50: number;
  readonly writeP99: number;
  readonly stale: number;
  readonly reads: number;
}

function latencies(history: History, f: string): number[] {
  return history.filter((op: Operation) => op.f === f && op.outcome === 'ok').map((op) => op.ret - op.call);
}

function cost(label: string, history: History): Cost {
  const reads = latencies(history, 'read');
  const writes = latencies(history, 'write');
  const s = staleReads(history);
  return {
    label,
    readP50: quantile(reads, 0.5),
    readP99: quantile(reads, 0.99),
    writeP50: quantile(writes, 0.5),
    writeP99: quantile(writes, 0.99),
    stale: s.stale,
    reads: s.reads,
  };
}

const CLIENTS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
/** Keys and rate of the no-partition comparison: contended enough that a read often follows a write closely. */
const PACELC_KEYS = 2;
const PACELC_OPS = 300;

function raftCost(seed: number, ops: Map<NodeId, Op[]>, durationMs: number): Cost {
  let running = true;
  const next = feeder(ops, () => running);
  const params = raftParams.parse({
    nodes: 3,
    clients: CLIENTS.length,
    opsPerSecond: PACELC_OPS,
    keys: PACELC_KEYS,
  });
  const cluster = buildRaftCluster(params, seed, {
    nextOp: (client) => next(client) as ClientOp | undefined,
  });
  cluster.world.network.configure('*', '*', TAIL);
  cluster.world.runFor(durationMs);
  running = false;
  cluster.world.runFor(2_000);
  // Leave out the start-up election: measure from the first operation the leader answered.
  const first = Math.min(
    ...cluster.clients.map(
      (id) => cluster.world.node<KvClient>(id).completed.find((c) => c.ok)?.startedAt ?? Infinity,
    ),
  );
  return cost(
    'Raft KV (leader, majority commit, ReadIndex reads)',
    cluster.recorder.history().filter((op) => op.call >= first),
  );
}

function quorumCost(seed: number, ops: Map<NodeId, Op[]>, durationMs: number, level: Level): Cost {
  let running = true;
  const next = feeder(ops, () => running);
  const params = quorumParams.parse({
    nodes: 3,
    replicas: 3,
    conflict: 'lww',
    readLevel: level,
    writeLevel: level,
    sloppy: false,
    clients: CLIENTS.length,
    keys: PACELC_KEYS,
    opsPerSecond: PACELC_OPS,
  });
  const cluster = buildQuorumCluster(params, seed, {
    network: TAIL,
    client: (id) => ({ workload: () => next(id) }),
  });
  cluster.world.runFor(durationMs);
  running = false;
  cluster.world.runFor(2_000);
  const n = level === 'one' ? 1 : level === 'quorum' ? 2 : 3;
  return cost(`quorum store, R = W = ${n} (${level.toUpperCase()})`, cluster.recorder.history());
}

export const pacelcLatency: Scenario = {
  id: 'pacelc-latency',
  title: 'PACELC, the "else": with no partition, consistency costs latency',
  claim:
    'PACELC: with no partition, synchronous replication is consistent and slower, asynchronous is faster and can be stale.',
  expected: 'holds',
  rows: ['B3'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 2_000 : 8_000;
    const ops = workload(seed, CLIENTS, PACELC_KEYS, 4_000);
    const costs = [
      raftCost(seed, ops, durationMs),
      ...(['one', 'quorum', 'all'] as const).map((level) => quorumCost(seed, ops, durationMs, level)),
    ];
    const [raft, one, quorum, all] = costs as [Cost, Cost, Cost, Cost];
    const asyncFaster =
      one.readP50 < quorum.readP50 &&
      one.writeP50 < quorum.writeP50 &&
      one.writeP50 < raft.writeP50 &&
      quorum.writeP50 <= all.writeP50;
    const asyncStale = one.stale > 0;
    const syncConsistent = raft.stale === 0 && quorum.stale === 0 && all.stale === 0;
    const observed = asyncFaster && asyncStale && syncConsistent ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `Three replicas, links with a 2 ms median and a 40 ms p99, the same ${CLIENTS.length}-client workload on ${PACELC_KEYS} keys at ${PACELC_OPS} operations/s: median write latency ${one.writeP50.toFixed(1)} ms at ONE, ` +
        `${quorum.writeP50.toFixed(1)} at QUORUM, ${all.writeP50.toFixed(1)} at ALL, ${raft.writeP50.toFixed(1)} through Raft; median read ${one.readP50.toFixed(1)} / ${quorum.readP50.toFixed(1)} / ${all.readP50.toFixed(1)} / ${raft.readP50.toFixed(1)} ms. ` +
        `Reads that returned an already-overwritten value: ${one.stale} of ${one.reads} at ONE, ${quorum.stale} at QUORUM, ${all.stale} at ALL, ${raft.stale} through Raft.`,
      measurements: Object.fromEntries(
        costs.flatMap((c, i) => {
          const tag = ['Raft', 'One', 'Quorum', 'All'][i] as string;
          return [
            [`readP50${tag}`, round(c.readP50, 2)],
            [`writeP50${tag}`, round(c.writeP50, 2)],
            [`writeP99${tag}`, round(c.writeP99, 2)],
            [`staleReads${tag}`, c.stale],
          ];
        }),
      ),
      tables: [
        {
          title: 'No partition: latency and stale reads by consistency setting',
          columns: ['setting', 'read p50 ms', 'read p99 ms', 'write p50 ms', 'write p99 ms', 'stale reads'],
          rows: costs.map((c) => [
            c.label,
            round(c.readP50, 2),
            round(c.readP99, 2),
            round(c.writeP50, 2),
            round(c.writeP99, 2),
            `${c.stale}/${c.reads}`,
          ]),
        },
      ],
    };
  },
};

// ---- "CP for writes at ALL, AP for reads at ONE" ----

export const capPerOperation: Scenario = {
  id: 'cap-per-operation',
  title: 'Writes at ALL and reads at ONE: unavailable writes do not make the store CP',
  claim: 'Cassandra is CP for writes at ALL and AP for reads at ONE.',
  expected: 'partly',
  corrected:
    'CAP describes a system, not an operation. Writes at ALL do stop during a partition, but a write at ALL that times out has still landed on some replicas, reads at ONE return old or half-written values, and last-write-wins picks by clock: the store is not linearizable for either kind of operation.',
  rows: ['B3'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 2 : 10;
    let writes = 0;
    let writesRefused = 0;
    let writesUnknown = 0;
    let reads = 0;
    let readsOk = 0;
    let violations = 0;
    let counterexample: unknown;
    const hashes: string[] = [];
    for (let i = 0; i < runs; i++) {
      const params = quorumParams.parse({
        nodes: 3,
        replicas: 3,
        conflict: 'lww',
        readLevel: 'one',
        writeLevel: 'all',
        sloppy: false,
        clients: 4,
        keys: 3,
        opsPerSecond: 200,
        durationMs: 2_000,
      });
      const cluster = buildQuorumCluster(params, seed * 1_000 + i, { network: TAIL });
      const { world } = cluster;
      const from = 500;
      const to = 1_500;
      world.at(from, 'partition', () => world.network.partition([['n3'], ['n1', 'n2']]));
      world.at(to, 'heal', () => world.network.heal());
      world.runFor(params.durationMs);
      const history = cluster.recorder.history();
      for (const op of history) {
        // Started during the cut; a success counts only if it also ended before the heal.
        if (op.call < from || op.call >= to || (op.outcome === 'ok' && op.ret > to)) continue;
        if (op.f === 'write') {
          writes++;
          if (op.outcome === 'fail') writesRefused++;
          if (op.outcome === 'info') writesUnknown++;
        } else {
          reads++;
          if (op.outcome === 'ok') readsOk++;
        }
      }
      const judged = judge(history);
      if (!judged.linearizable && !judged.undecided) {
        violations++;
        counterexample ??= judged.counterexample;
      }
      hashes.push(world.traceHash().slice(0, 6));
    }
    const writesStopped = writes > 0 && writesRefused + writesUnknown === writes;
    const readsAnswered = reads > 0 && readsOk === reads;
    const observed =
      writesStopped && readsAnswered && violations > 0 ? 'partly' : violations === 0 ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `3 replicas, writes at ALL and reads at ONE, one replica cut off for 1 s, ${runs} runs: during the cut ${writes - writesRefused - writesUnknown} of ${writes} writes succeeded ` +
        `(${writesRefused} refused as unavailable, ${writesUnknown} timed out with an unknown outcome) and ${readsOk} of ${reads} reads were answered; ` +
        `the checker found ${violations} of ${runs} histories not linearizable.`,
      measurements: {
        runs,
        writes,
        writesRefused,
        writesUnknown,
        reads,
        readsOk,
        notLinearizable: violations,
      },
      ...(counterexample ? { counterexample } : {}),
      traceHash: hashes.join(''),
    };
  },
};

export const capScenarios: readonly Scenario[] = [capPartition, pacelcLatency, capPerOperation];
