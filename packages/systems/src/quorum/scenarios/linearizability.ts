/**
 * "W + R > N gives strong consistency", checked rather than believed: every read quorum meets every
 * write quorum, yet each of four ordinary conditions produces a history the linearizability checker
 * rejects. Each scenario runs a short script that sets the condition up on the real nodes (the
 * checker judges what they did) and a batch of random workloads under the matching fault, and
 * reports how often the checker found no linearization, with the operations of the first it found.
 */
import { Rng, catchViolation, type LinkConfig, type NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { standardNemesis } from '../../kit';
import { buildQuorumCluster, quorumParams, type QuorumCluster, type QuorumParams } from '../cluster';
import { judge, read, valuesRead, write, type Judged } from './support';

const CLAIM =
  'W + R > N gives strong consistency: every read quorum overlaps every write quorum, so reads see the latest write.';
const CORRECTED =
  'Overlap gives linearizability only with strict quorums, blocking (write-back) read repair and timestamps that respect real time. ' +
  'A write that fails part-way, a sloppy quorum, a read racing a write without write-back, or a writer whose clock is behind each produce reads no order explains.';

/** A tail like a shared network's: median 3 ms, 1 in 100 messages slower than 40 ms. */
const TAIL: Partial<LinkConfig> = { latency: { kind: 'long-tail', median: 3, p99: 40 } };

/** Scripted clusters: clients without a workload, driven request by request. */
function scripted(params: Partial<QuorumParams>, seed: number): QuorumCluster {
  return buildQuorumCluster(
    quorumParams.parse({ conflict: 'lww', readLevel: 'quorum', writeLevel: 'quorum', clients: 3, ...params }),
    seed,
    { client: () => ({ workload: undefined }) },
  );
}

interface RandomCondition {
  readonly params: Partial<QuorumParams>;
  /** Faults and skew applied to the freshly built cluster. */
  setup(cluster: QuorumCluster, seed: number): void;
}

const RANDOM_BASE: Partial<QuorumParams> = {
  conflict: 'lww',
  readLevel: 'quorum',
  writeLevel: 'quorum',
  clients: 5,
  keys: 2,
  opsPerSecond: 300,
  durationMs: 2_000,
};

interface RandomOutcome {
  readonly params: QuorumParams;
  readonly runs: number;
  readonly violations: number;
  readonly undecided: number;
  readonly operations: number;
  readonly first?: Judged;
}

/** Random workloads under a condition, each history judged by the checker. */
function randomRuns(condition: RandomCondition, seed: number, runs: number): RandomOutcome {
  let violations = 0;
  let undecided = 0;
  let operations = 0;
  let first: Judged | undefined;
  const params = quorumParams.parse({ ...RANDOM_BASE, ...condition.params });
  for (let i = 0; i < runs; i++) {
    const runSeed = seed * 1_000 + i;
    const cluster = buildQuorumCluster(params, runSeed, { network: TAIL });
    condition.setup(cluster, runSeed);
    const violation = catchViolation(() => cluster.world.runFor(params.durationMs));
    if (violation) throw violation;
    const history = cluster.recorder.history();
    operations += history.length;
    const judged = judge(history);
    if (judged.undecided) undecided++;
    else if (!judged.linearizable) {
      violations++;
      first ??= judged;
    }
  }
  return { params, runs, violations, undecided, operations, ...(first ? { first } : {}) };
}

const partitionsOnly = (cluster: QuorumCluster, seed: number) =>
  standardNemesis(cluster.world, seed, cluster.nodes, {
    startMs: 100,
    endMs: cluster.params.durationMs - 100,
    meanIntervalMs: 150,
    maxDurationMs: 500,
    families: ['partition'],
  });

function verdictOf(script: Judged, random: RandomOutcome): 'holds' | 'fails' {
  return !script.linearizable || random.violations > 0 ? 'fails' : 'holds';
}

function randomRow(label: string, r: RandomOutcome): (string | number)[] {
  return [label, r.runs, r.operations, r.violations, r.undecided];
}

const RANDOM_COLUMNS = ['random workload', 'runs', 'operations', 'not linearizable', 'undecided'];

function result(
  script: Judged,
  control: Judged,
  random: RandomOutcome,
  controlRandom: RandomOutcome | undefined,
  text: { script: string; control: string; random: string; controlRandom?: string },
  extra: Record<string, number>,
  hashes: string,
): ScenarioResult {
  const observed = verdictOf(script, random);
  const counterexample = script.counterexample ?? random.first?.counterexample;
  return {
    observed,
    summary:
      `${text.script}: the checker found ${script.linearizable ? 'a linearization' : 'no linearization'}` +
      (script.counterexample ? ` (no order explains ${script.counterexample.stuck})` : '') +
      `. ${text.control}: ${control.linearizable ? 'linearizable' : 'not linearizable'}. ` +
      `${text.random}: ${random.violations} of ${random.runs} histories not linearizable` +
      (controlRandom && text.controlRandom
        ? `; ${text.controlRandom}: ${controlRandom.violations} of ${controlRandom.runs}.`
        : '.'),
    measurements: {
      scriptLinearizable: script.linearizable ? 1 : 0,
      controlLinearizable: control.linearizable ? 1 : 0,
      randomRuns: random.runs,
      randomViolations: random.violations,
      randomUndecided: random.undecided,
      randomOperations: random.operations,
      ...(controlRandom
        ? { controlRuns: controlRandom.runs, controlViolations: controlRandom.violations }
        : {}),
      ...extra,
    },
    tables: [
      {
        title: `Random workloads: ${random.params.clients} clients on ${random.params.keys} keys at ${random.params.opsPerSecond} ops/s for ${random.params.durationMs / 1_000} s over links with a median of 3 ms and a p99 of 40 ms; each history checked`,
        columns: RANDOM_COLUMNS,
        rows: [
          randomRow(text.random, random),
          ...(controlRandom && text.controlRandom ? [randomRow(text.controlRandom, controlRandom)] : []),
        ],
      },
    ],
    ...(counterexample ? { counterexample } : {}),
    traceHash: hashes,
  };
}

/** Runs `body` and returns the scripted cluster's history, judged. */
function judgeScript(cluster: QuorumCluster): Judged {
  return judge(cluster.recorder.history());
}

// ---- a write that failed part-way ----

function partialWriteScript(
  seed: number,
  readRepair: 'off' | 'blocking',
): { judged: Judged; reads: string[]; hash: string } {
  const cluster = scripted({ nodes: 3, replicas: 3, sloppy: false, readRepair, antiEntropyMs: 0 }, seed);
  const { world } = cluster;
  write(cluster, 'c1', 'x', 'a', 'quorum', { via: 'n2' });
  // n1 is cut off; before gossip says so, it coordinates a write, keeps it, and times out on the rest.
  world.network.partition([['n1'], ['n2', 'n3']]);
  write(cluster, 'c2', 'x', 'b', 'quorum', { via: 'n1' });
  world.network.heal();
  world.runFor(cluster.params.failAfterMs + 100); // n1 stops suspecting the nodes that did not answer
  const first = read(cluster, 'c3', 'x', 'quorum', 'n1');
  // The network flaps: n1 is cut off again, and the next read is answered by the other two.
  world.network.partition([['n1'], ['n2', 'n3']]);
  const second = read(cluster, 'c3', 'x', 'quorum', 'n2');
  return {
    judged: judgeScript(cluster),
    reads: [...valuesRead(first), '→', ...valuesRead(second)],
    hash: world.traceHash(),
  };
}

export const partialWriteFlipFlop: Scenario = {
  id: 'quorum-partial-write',
  title: 'W + R > N under partitions: a write that failed part-way makes reads flip-flop',
  claim: CLAIM,
  expected: 'fails',
  corrected: CORRECTED,
  rows: ['B2'],
  run({ seed, quick }) {
    const script = partialWriteScript(seed, 'off');
    const control = partialWriteScript(seed, 'blocking');
    const runs = quick ? 3 : 30;
    const random = randomRuns(
      { params: { nodes: 3, replicas: 3, sloppy: false }, setup: partitionsOnly },
      seed,
      runs,
    );
    const blocking = randomRuns(
      { params: { nodes: 3, replicas: 3, sloppy: false, readRepair: 'blocking' }, setup: partitionsOnly },
      seed,
      runs,
    );
    return result(
      script.judged,
      control.judged,
      random,
      blocking,
      {
        script: `N = 3, QUORUM/QUORUM, strict: write "a"; a write of "b" coordinated by a cut-off n1 times out having landed on n1 alone; a read via n1 then a read via n2 return ${script.reads.join(' ')}`,
        control: `The same script with blocking read repair (the first read writes "b" back before answering) reads ${control.reads.join(' ')}`,
        random: 'random partitions, strict quorums, async read repair',
        controlRandom: 'with blocking read repair',
      },
      {},
      script.hash + control.hash,
    );
  },
};

// ---- sloppy quorum ----

function sloppyScript(
  seed: number,
  sloppy: boolean,
): { judged: Judged; wrote: string; readBack: string; hash: string } {
  const cluster = scripted({ nodes: 5, replicas: 3, sloppy, readRepair: 'async' }, seed);
  const { world } = cluster;
  const walk = cluster.ring.replicas('x', 5) as [NodeId, NodeId, NodeId, NodeId, NodeId];
  const [p1, p2, p3, s1, s2] = walk;
  write(cluster, 'c1', 'x', 'a', 'quorum', { via: p2 });
  // The key's first replica and the next two nodes of the ring walk on one side, its other two replicas on the other.
  world.network.partition([
    [p1, s1, s2],
    [p2, p3],
  ]);
  world.runFor(cluster.params.failAfterMs + 4 * cluster.params.gossipMs); // gossip marks the other side down
  const wrote = write(cluster, 'c2', 'x', 'b', 'quorum', { via: p1 });
  const back = read(cluster, 'c3', 'x', 'quorum', p2);
  return {
    judged: judgeScript(cluster),
    wrote: wrote.ok
      ? `acknowledged (${wrote.f === 'put' ? wrote.acks : 0} acks)`
      : `refused (${wrote.error})`,
    readBack: valuesRead(back).join(',') || (back.ok ? 'nothing' : `error ${back.ok ? '' : back.error}`),
    hash: world.traceHash(),
  };
}

export const sloppyQuorumStale: Scenario = {
  id: 'quorum-sloppy',
  title: 'W + R > N with a sloppy quorum: the write and read quorums need not overlap',
  claim: CLAIM,
  expected: 'fails',
  corrected: CORRECTED,
  rows: ['B2'],
  run({ seed, quick }) {
    const script = sloppyScript(seed, true);
    const control = sloppyScript(seed, false);
    const runs = quick ? 3 : 30;
    const random = randomRuns(
      { params: { nodes: 5, replicas: 3, sloppy: true }, setup: partitionsOnly },
      seed,
      runs,
    );
    const strict = randomRuns(
      { params: { nodes: 5, replicas: 3, sloppy: false, readRepair: 'blocking' }, setup: partitionsOnly },
      seed,
      runs,
    );
    return result(
      script.judged,
      control.judged,
      random,
      strict,
      {
        script: `N = 3 of 5, QUORUM/QUORUM, sloppy: with the key's first replica and two stand-ins cut off from its other two replicas, a write of "b" is ${script.wrote} and a later read on the other side returns ${script.readBack}`,
        control: `The same with a strict quorum (the write is ${control.wrote}, the read returns ${control.readBack})`,
        random: 'random partitions, sloppy quorums',
        controlRandom: 'strict quorums with blocking read repair',
      },
      {},
      script.hash + control.hash,
    );
  },
};

// ---- last-write-wins under clock skew ----

/** Client clock error in the random runs: the top of NTP's usual error (≈ 1–10 ms, catalog C1). */
const SKEW_MS = 10;
/**
 * The scripted writer's clock error: larger than the ~20 ms between two writes that follow each other
 * through the store, as an unsynchronised VM drifts to (≈ 100 ms a day, catalog C1).
 */
const SCRIPT_SKEW_MS = 50;

function skewScript(seed: number, skewMs: number): { judged: Judged; readBack: string; hash: string } {
  const cluster = scripted({ nodes: 3, replicas: 3, sloppy: false, readRepair: 'blocking' }, seed);
  cluster.world.clock('c2').setOffset(-skewMs);
  write(cluster, 'c1', 'x', 'a', 'quorum', { via: 'n1' });
  write(cluster, 'c2', 'x', 'b', 'quorum', { via: 'n2' }); // starts after "a" is acknowledged
  const back = read(cluster, 'c3', 'x', 'quorum', 'n3');
  return {
    judged: judgeScript(cluster),
    readBack: valuesRead(back).join(','),
    hash: cluster.world.traceHash(),
  };
}

export const lwwSkewLosesWrites: Scenario = {
  id: 'quorum-lww-skew',
  title: 'W + R > N with last-write-wins: a writer whose clock is behind loses its acknowledged write',
  claim: CLAIM,
  expected: 'fails',
  corrected: CORRECTED,
  rows: ['B2'],
  run({ seed, quick }) {
    const script = skewScript(seed, SCRIPT_SKEW_MS);
    const control = skewScript(seed, 0);
    const runs = quick ? 3 : 30;
    const skewed = (cluster: QuorumCluster, s: number) => {
      const rng = new Rng(s).fork('skew');
      for (const id of cluster.clients) cluster.world.clock(id).setOffset(rng.uniform(-SKEW_MS, SKEW_MS));
    };
    const random = randomRuns(
      { params: { nodes: 3, replicas: 3, sloppy: false, readRepair: 'blocking' }, setup: skewed },
      seed,
      runs,
    );
    const synced = randomRuns(
      { params: { nodes: 3, replicas: 3, sloppy: false, readRepair: 'blocking' }, setup: () => undefined },
      seed,
      runs,
    );
    return result(
      script.judged,
      control.judged,
      random,
      synced,
      {
        script: `N = 3, QUORUM/QUORUM, strict, blocking read repair: c1 writes "a", then c2 (clock ${SCRIPT_SKEW_MS} ms behind) writes "b" and both are acknowledged; a read returns "${script.readBack}"`,
        control: `The same with c2's clock right (the read returns "${control.readBack}")`,
        random: `client clocks off by up to ±${SKEW_MS} ms`,
        controlRandom: 'clocks in sync',
      },
      { scriptSkewMs: SCRIPT_SKEW_MS, randomSkewMs: SKEW_MS },
      script.hash + control.hash,
    );
  },
};

// ---- a read racing a write, no fault at all ----

function racingScript(
  seed: number,
  readRepair: 'off' | 'blocking',
): { judged: Judged; reads: string[]; hash: string } {
  const cluster = scripted({ nodes: 4, replicas: 3, sloppy: false, readRepair, antiEntropyMs: 0 }, seed);
  const { world } = cluster;
  const [p1, p2, p3, q] = cluster.ring.replicas('x', 4) as [NodeId, NodeId, NodeId, NodeId];
  write(cluster, 'c1', 'x', 'a', 'quorum', { via: p1 });
  // Nothing fails: three links are slow for a moment (a queue, a GC pause) — q, which coordinates the
  // next write, to two of the key's replicas, and p1 to p2 — so the write is still on its way to p2
  // and p3 while two reads come and go.
  const slow: Partial<LinkConfig> = { latency: { kind: 'constant', ms: 80 } };
  world.network.configure(q, p2, slow);
  world.network.configure(q, p3, slow);
  world.network.configure(p1, p2, slow);
  cluster.client('c2').put('x', 'b', 'quorum', undefined, { via: q });
  world.runFor(15);
  const first = read(cluster, 'c3', 'x', 'quorum', p1);
  const second = read(cluster, 'c3', 'x', 'quorum', p2);
  const normal: Partial<LinkConfig> = { latency: { kind: 'uniform', min: 2, max: 8 } };
  world.network.configure(q, '*', normal);
  world.network.configure(p1, p2, normal);
  world.runFor(500);
  return {
    judged: judgeScript(cluster),
    reads: [...valuesRead(first), '→', ...valuesRead(second)],
    hash: world.traceHash(),
  };
}

export const racingReadsFlipFlop: Scenario = {
  id: 'quorum-racing-reads',
  title: 'W + R > N with no fault at all: two reads racing one write see it, then do not',
  claim: CLAIM,
  expected: 'fails',
  corrected: CORRECTED,
  rows: ['B2'],
  run({ seed, quick }) {
    const script = racingScript(seed, 'off');
    const control = racingScript(seed, 'blocking');
    const runs = quick ? 3 : 30;
    const contended: RandomCondition = {
      params: { nodes: 3, replicas: 3, sloppy: false, clients: 8, keys: 1, opsPerSecond: 600 },
      setup: () => undefined,
    };
    const random = randomRuns(contended, seed, runs);
    const blocking = randomRuns(
      { ...contended, params: { ...contended.params, readRepair: 'blocking' } },
      seed,
      runs,
    );
    return result(
      script.judged,
      control.judged,
      random,
      blocking,
      {
        script: `N = 3 of 4, QUORUM/QUORUM, strict, no read repair (an async one can land after the next read): while a write of "b" is still on its way to two of the three replicas, a read and a later read return ${script.reads.join(' ')}`,
        control: `With blocking read repair the same reads return ${control.reads.join(' ')}`,
        random: 'no faults, 8 clients on one key, async read repair',
        controlRandom: 'with blocking read repair',
      },
      {},
      script.hash + control.hash,
    );
  },
};

export const linearizabilityScenarios: readonly Scenario[] = [
  partialWriteFlipFlop,
  sloppyQuorumStale,
  lwwSkewLosesWrites,
  racingReadsFlipFlop,
];
