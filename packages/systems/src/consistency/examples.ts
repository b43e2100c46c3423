/**
 * Histories to classify in the lab: a minimal hand-built one per rung of the ladder (it satisfies that
 * model and breaks the next stronger one), and histories recorded from runs of this store and of the
 * replication system, each for a seed.
 */
import { historyFromRows, type History } from '@dslab/check';
import { runOneKey } from '../quorum/one-key-run';
import { buildReplicationCluster, replicationParams } from '../replication/cluster';
import { buildCausalCluster, causalParams } from './cluster';
import { runAcl } from './scenarios/acl';

export interface ExampleHistory {
  readonly id: string;
  readonly title: string;
  /** What it shows, in one sentence. */
  readonly note: string;
  /** Recorded from a run: the seed changes it. */
  readonly seeded: boolean;
  /** The seed the lab opens it with (1 when unset). */
  readonly defaultSeed?: number;
  /** Its writes' outputs are versions (a commit LSN, a last-writer-wins version): see `versionsOf`. */
  readonly versioned?: boolean;
  history(seed: number): History;
}

const hand = historyFromRows;

function causalStoreRun(seed: number, mutant?: 'expose-before-deps'): History {
  // The mutant runs as the fuzzer runs it (many keys, quick sessions), so a write shown early is read soon.
  const params = causalParams.parse(
    mutant
      ? { replicas: 3, clients: 6, keys: 6, durationMs: 300, thinkMs: 3, mutant }
      : { replicas: 3, clients: 4, keys: 2, durationMs: 250, thinkMs: 15 },
  );
  const cluster = buildCausalCluster(params, seed);
  cluster.world.runFor(params.durationMs);
  for (const id of cluster.clients) cluster.client(id).stopped = true;
  cluster.world.runFor(500);
  return cluster.recorder.history();
}

function roundRobinStandbys(seed: number): History {
  const params = replicationParams.parse({
    clients: 3,
    opsPerSecond: 120,
    keys: 2,
    readPolicy: 'round-robin',
    durationMs: 600,
  });
  const cluster = buildReplicationCluster(params, seed);
  cluster.world.at(150, 'long query on n3', () => cluster.node('n3').holdReplay(300));
  cluster.world.runFor(params.durationMs);
  cluster.phase = 'stop';
  cluster.world.runFor(800);
  return cluster.recorder.history();
}

/**
 * Each key's version order from a recorded history whose writes return their version (the replication
 * system's commit LSN, this store's last-writer-wins version): what the session guarantees are judged
 * against. Undefined for writes without one.
 */
export function versionsOf(history: History): (key: string, value: unknown) => number | undefined {
  const versions = new Map<string, number>();
  for (const op of history)
    if (op.f === 'write' && op.outcome === 'ok' && typeof op.output === 'number' && Array.isArray(op.input))
      versions.set(`${String(op.input[0])}\u0000${String(op.input[1])}`, op.output);
  return (key, value) => versions.get(`${key}\u0000${String(value)}`);
}

/** The Dynamo-style store at W = R = ONE (or QUORUM with blocking read repair) under a long-tail network, last-writer-wins. */
function quorumStore(seed: number, level: 'one' | 'quorum'): History {
  return runOneKey({ conflict: 'lww', level, seed, durationMs: 800 }).recorder.history();
}

export const exampleHistories: readonly ExampleHistory[] = [
  {
    id: 'linearizable',
    title: 'Linearizable: the read after the write sees it',
    note: 'A write completes, a later read returns it.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 2],
        ['b', 'read', 'x', '1', 3, 4],
      ]),
  },
  {
    id: 'sequential',
    title: 'Sequential, not linearizable: a stale read',
    note: 'b reads the initial value after a’s write completed: one order exists, but not in real time.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 2],
        ['b', 'read', 'x', null, 3, 4],
        ['b', 'read', 'x', '1', 5, 6],
      ]),
  },
  {
    id: 'causal',
    title: 'Causal, not sequential: two readers, two orders',
    note: 'c sees the concurrent writes as 1 then 2, d as 2 then 1: no single order, no causal rule broken.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 1],
        ['b', 'write', 'x', '2', 0, 1],
        ['c', 'read', 'x', '1', 2, 3],
        ['c', 'read', 'x', '2', 4, 5],
        ['d', 'read', 'x', '2', 2, 3],
        ['d', 'read', 'x', '1', 4, 5],
      ]),
  },
  {
    id: 'pram',
    title: 'PRAM, not causal: the reply before the question',
    note: 'b answers after reading a’s post; c sees the answer, then no post.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'post', 'question', 0, 1],
        ['b', 'read', 'post', 'question', 2, 3],
        ['b', 'write', 'reply', 'answer', 4, 5],
        ['c', 'read', 'reply', 'answer', 6, 7],
        ['c', 'read', 'post', null, 8, 9],
      ]),
  },
  {
    id: 'per-key',
    title: 'Per-key session guarantees, not PRAM: writes seen out of order',
    note: 'a writes x then y; b sees y’s write but not x’s — each key alone is fine.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 1],
        ['a', 'write', 'y', '1', 2, 3],
        ['b', 'read', 'y', '1', 4, 5],
        ['b', 'read', 'x', null, 6, 7],
      ]),
  },
  {
    id: 'monotonic-reads',
    title: 'Monotonic reads broken: back in time',
    note: 'b reads the second write, then the first.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 1],
        ['a', 'write', 'x', '2', 2, 3],
        ['b', 'read', 'x', '2', 4, 5],
        ['b', 'read', 'x', '1', 6, 7],
      ]),
  },
  {
    id: 'eventual',
    title: 'Eventual, not read-your-writes',
    note: 'a misses its own write at first; after the last write everyone reads the same value.',
    seeded: false,
    history: () =>
      hand([
        ['a', 'write', 'x', '1', 0, 1],
        ['a', 'read', 'x', null, 2, 3],
        ['b', 'write', 'x', '2', 4, 5],
        ['b', 'read', 'x', '2', 10, 11],
        ['a', 'read', 'x', '2', 12, 13],
      ]),
  },
  {
    id: 'causal-store',
    title: 'Recorded: the causal store, three replicas',
    note: 'Four clients on three asynchronous replicas, random reads and writes of two keys.',
    seeded: true,
    versioned: true,
    history: (seed) => causalStoreRun(seed),
  },
  {
    id: 'causal-acl',
    title: 'Recorded: strangers reading the ACL, then the post',
    note: 'The owner on r1 flips the ACL and posts; strangers on r2 read with single-key gets (some see the leak, causally).',
    seeded: true,
    versioned: true,
    history: (seed) => runAcl(seed, 'single', 200, undefined, false).history,
  },
  {
    id: 'causal-mutant',
    title: 'Recorded: a replica that shows writes before their dependencies',
    note: 'The expose-before-deps mutant of the causal store, run as the fuzzer runs it: on many seeds (2 is its pinned one) the classifier finds a causal bad pattern.',
    seeded: true,
    defaultSeed: 2,
    versioned: true,
    history: (seed) => causalStoreRun(seed, 'expose-before-deps'),
  },
  {
    id: 'replication-round-robin',
    title: 'Recorded: leader–follower, reads round-robin over standbys',
    note: 'A long query holds one standby back; reads alternate between standbys and can go back in time.',
    seeded: true,
    versioned: true,
    history: (seed) => roundRobinStandbys(seed),
  },
  {
    id: 'quorum-one',
    title: 'Recorded: quorum store, W = R = ONE',
    note: 'Three replicas, last-writer-wins, a long-tail network: W + R ≤ N, so a read can miss the latest write.',
    seeded: true,
    history: (seed) => quorumStore(seed, 'one'),
  },
  {
    id: 'quorum-quorum',
    title: 'Recorded: quorum store, W = R = QUORUM',
    note: 'The same store and network with W + R > N and blocking read repair, no faults.',
    seeded: true,
    history: (seed) => quorumStore(seed, 'quorum'),
  },
];
