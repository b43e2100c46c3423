/**
 * The same systems as `registry.ts`, for a reader that must not load them all: the lab's pages and its
 * worker. Each entry carries what a list of systems shows (id, title, catalog rows) and loads the
 * definition itself only when asked, through a dynamic `import()` that a bundler turns into one chunk per
 * system. `lazy-registry.test.ts` fails when this list and `registry.ts` disagree.
 * Adding a system = one line here (beside its import and entry in `registry.ts`).
 */
import type { SystemDefinition } from './contract';

export interface SystemEntry {
  readonly id: string;
  readonly title: string;
  /** The catalog rows the system covers (the home page links each row to its system). */
  readonly rows: readonly string[];
  /** The system's view kind, if it has its own picture: its page loads the view beside the definition. */
  readonly view?: string;
  /** The system's folder; one of its exports is the definition whose id is `id`. */
  readonly load: () => Promise<object>;
}

export const systemEntries: readonly SystemEntry[] = [
  { id: 'echo', title: 'Echo (kernel demo)', rows: ['N1'], load: () => import('./echo') },
  {
    id: 'raft',
    title: 'Raft and a replicated KV store',
    rows: ['A1'],
    view: 'raft',
    load: () => import('./raft'),
  },
  {
    id: 'hashring',
    title: 'Consistent hashing',
    rows: ['D1'],
    view: 'ring',
    load: () => import('./hashring'),
  },
  { id: 'sharding', title: 'Sharding strategies', rows: ['D2'], load: () => import('./sharding') },
  {
    id: 'slot-migration',
    title: 'Redis Cluster slots: MOVED, ASK and live resharding',
    rows: ['D2'],
    load: () => import('./slot-migration'),
  },
  { id: 'bloom', title: 'Bloom filters', rows: ['K1'], view: 'bloom', load: () => import('./bloom') },
  {
    id: 'hyperloglog',
    title: 'HyperLogLog',
    rows: ['K1'],
    view: 'hyperloglog',
    load: () => import('./hyperloglog'),
  },
  { id: 'count-min', title: 'Count-min sketch', rows: ['K1'], load: () => import('./countmin') },
  { id: 'minhash', title: 'MinHash', rows: ['K1'], load: () => import('./minhash') },
  { id: 'btree', title: 'B+tree index', rows: ['E1'], view: 'btree', load: () => import('./btree') },
  { id: 'lsm', title: 'LSM tree', rows: ['E2'], view: 'lsm', load: () => import('./lsm') },
  { id: 'ids', title: 'Id generation', rows: ['C2'], load: () => import('./ids') },
  { id: 'clocks', title: 'Clocks', rows: ['C1'], view: 'clocks', load: () => import('./clocks') },
  {
    id: 'ratelimit',
    title: 'Rate limiting',
    rows: ['H3'],
    view: 'ratelimit',
    load: () => import('./ratelimit'),
  },
  {
    id: 'quorum',
    title: 'Leaderless quorum store (Dynamo)',
    rows: ['B2', 'B3'],
    view: 'quorum',
    load: () => import('./quorum'),
  },
  {
    id: 'cache',
    title: 'Caches and their failure modes',
    rows: ['F1'],
    view: 'cache',
    load: () => import('./cache'),
  },
  {
    id: 'mvcc',
    title: 'MVCC, isolation levels, locks and deadlocks (PostgreSQL’s design)',
    rows: ['E3', 'E4'],
    view: 'mvcc',
    load: () => import('./mvcc'),
  },
  {
    id: 'replication',
    title: 'Leader–follower replication (PostgreSQL-style WAL streaming)',
    rows: ['B1', 'B4'],
    view: 'replication',
    load: () => import('./replication'),
  },
  { id: 'twopc', title: 'Two-phase commit', rows: ['A3'], view: 'twopc', load: () => import('./twopc') },
  {
    id: 'backpressure',
    title: 'Backpressure and load shedding',
    rows: ['G3'],
    view: 'backpressure',
    load: () => import('./backpressure'),
  },
  {
    id: 'outbox',
    title: 'Exactly-once effects and the transactional outbox',
    rows: ['G2'],
    view: 'outbox',
    load: () => import('./outbox'),
  },
  {
    id: 'leases',
    title: 'Leases, locks and fencing',
    rows: ['A2'],
    view: 'leases',
    load: () => import('./leases'),
  },
  { id: 'sagas', title: 'Sagas', rows: ['I1'], view: 'sagas', load: () => import('./sagas') },
  {
    id: 'resilience',
    title: 'Resilience patterns',
    rows: ['H2'],
    view: 'resilience',
    load: () => import('./resilience'),
  },
  {
    id: 'plog',
    title: 'Partitioned log (Kafka style): replication, acks, idempotent producers, consumer groups',
    rows: ['G1'],
    view: 'plog',
    load: () => import('./plog'),
  },
  {
    id: 'consistency',
    title: 'Consistency models',
    rows: ['B4'],
    view: 'consistency',
    load: () => import('./consistency'),
  },
];

const byId = new Map(systemEntries.map((entry) => [entry.id, entry]));
if (byId.size !== systemEntries.length) throw new Error('two lazy registry entries share a system id');

/** The entry of a system, or undefined for an id no system has. No definition is loaded. */
export function systemEntry(id: string): SystemEntry | undefined {
  return byId.get(id);
}

function isDefinitionOf(id: string, value: unknown): value is SystemDefinition<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SystemDefinition<unknown>>;
  return candidate.id === id && Array.isArray(candidate.scenarios) && Array.isArray(candidate.rows);
}

const loading = new Map<string, Promise<SystemDefinition<unknown>>>();

/**
 * Loads one system's definition (each at most once; the same promise every time, so a React `use()` of it
 * suspends once). Rejects for an unknown id, and when the folder exports no definition with that id.
 */
export function loadSystem(id: string): Promise<SystemDefinition<unknown>> {
  const known = loading.get(id);
  if (known) return known;
  const entry = byId.get(id);
  if (!entry) return Promise.reject(new Error(`unknown system '${id}'`));
  const promise = entry.load().then((module) => {
    const definition = Object.values(module).find((value) => isDefinitionOf(id, value));
    if (!definition) throw new Error(`the folder of system '${id}' exports no definition with that id`);
    return definition;
  });
  loading.set(id, promise);
  // A failed load (a chunk the network lost) may be retried by asking again.
  promise.catch(() => loading.delete(id));
  return promise;
}
