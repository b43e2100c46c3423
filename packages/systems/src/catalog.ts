/**
 * The catalog of systems dslab covers, as typed data: the CLI, the lab's home page and the tests read it.
 * Status: `done` when the row's definition of done holds, `partial` when some of it ships, `planned` otherwise.
 */
export type CatalogStatus = 'done' | 'partial' | 'planned';

export interface CatalogRow {
  readonly id: string;
  readonly title: string;
  readonly track: string;
  /** One line: what the row covers. */
  readonly summary: string;
  readonly status: CatalogStatus;
}

export const catalog: readonly CatalogRow[] = [
  {
    id: 'A1',
    status: 'done',
    title: 'Raft',
    track: 'Consensus and coordination',
    summary:
      'randomized election timeouts; terms; RequestVote granted only to a candidate whose log is at least as up to date; log replication with consistency check and back-off;…',
  },
  {
    id: 'A2',
    status: 'done',
    title: 'Leases, locks and fencing',
    track: 'Consensus and coordination',
    summary:
      'lease-based leader election with TTL renewal; fencing tokens checked by the storage service; a paused (GC) holder that wakes after its lease expired is rejected by…',
  },
  {
    id: 'A3',
    status: 'done',
    title: 'Two-phase commit',
    track: 'Consensus and coordination',
    summary:
      'coordinator and participants with logs; prepare / commit / abort; participants blocked holding locks when the coordinator dies after prepare; recovery from the…',
  },
  {
    id: 'A4',
    status: 'planned',
    title: 'Other consensus protocols',
    track: 'Consensus and coordination',
    summary:
      'Multi-Paxos and PBFT (3f+1 nodes tolerate f Byzantine, O(n²) messages) for comparison with Raft on the same workloads: messages per commit, latency, fault tolerance.',
  },
  {
    id: 'B1',
    status: 'done',
    title: 'Leader–follower replication',
    track: 'Replication and consistency',
    summary:
      'WAL stream with LSNs; asynchronous replicas with measurable lag (≈ 10–200 ms typical, unbounded under load); stale reads from replicas; read-your-writes by waiting…',
  },
  {
    id: 'B2',
    status: 'done',
    title: 'Leaderless quorum store (Dynamo / Cassandra style)',
    track: 'Replication and consistency',
    summary:
      'preference list on a consistent-hash ring; N, W, R per operation (ONE / QUORUM / ALL); W + R > N gives read-your-latest-write, W + R ≤ N shows stale reads; sloppy…',
  },
  {
    id: 'B3',
    status: 'done',
    title: 'CAP and PACELC',
    track: 'Replication and consistency',
    summary:
      'the same partition applied to a CP store (Raft KV: the minority returns errors) and an AP store (quorum store at ONE: both sides answer, diverge, reconcile after…',
  },
  {
    id: 'B4',
    status: 'done',
    title: 'Consistency models and session guarantees',
    track: 'Replication and consistency',
    summary:
      'classify a recorded history: linearizable, sequential, causal, read-your-writes, monotonic reads, monotonic writes, consistent prefix, eventual; show the shortest…',
  },
  {
    id: 'B5',
    status: 'planned',
    title: 'Multi-leader and CRDTs',
    track: 'Replication and consistency',
    summary:
      'active-active regions with asynchronous replication; conflict resolution by LWW, version vectors or CRDTs (G-counter, PN-counter, G-set, OR-set, LWW-register); a geo…',
  },
  {
    id: 'C1',
    status: 'done',
    title: 'Clocks',
    track: 'Time and order',
    summary:
      'physical clocks with drift (≈ 100 ms/day) and NTP error (≈ 1–10 ms); last-write-wins picking the wrong winner; Lamport timestamps; vector clocks (happens-before,…',
  },
  {
    id: 'C2',
    status: 'done',
    title: 'ID generation',
    track: 'Time and order',
    summary:
      'Snowflake (41-bit time, region/worker bits, 12-bit sequence; clock rollback and sequence overflow handled), ULID and UUIDv7 (time-ordered), UUIDv4; index locality and…',
  },
  {
    id: 'D1',
    status: 'done',
    title: 'Consistent hashing',
    track: 'Partitioning',
    summary:
      'ring with virtual nodes (≈ 150 per node), O(log N) lookup by binary search; adding or removing one of N nodes moves ≈ 1/N of keys, modulo hashing moves nearly all;…',
  },
  {
    id: 'D2',
    status: 'done',
    title: 'Sharding strategies',
    track: 'Partitioning',
    summary:
      'hash, range, directory and geo sharding; Redis Cluster hash slots (CRC16(key) mod 16384, `{tag}` hash tags, MOVED redirects, slot migration); jump hash and rendezvous…',
  },
  {
    id: 'E1',
    status: 'done',
    title: 'B+tree',
    track: 'Storage and indexing',
    summary:
      'insert with splits, delete with merges, point lookup path (pages touched), range scan along leaf links, height vs fan-out (≈ 3–4 levels for a terabyte table),…',
  },
  {
    id: 'E2',
    status: 'done',
    title: 'LSM tree',
    track: 'Storage and indexing',
    summary:
      'memtable, WAL, flush to SSTables, a Bloom filter per SSTable, size-tiered and leveled compaction; read, write and space amplification measured.',
  },
  {
    id: 'E3',
    status: 'done',
    title: 'MVCC and isolation levels',
    track: 'Storage and indexing',
    summary:
      'row versions with xmin/xmax, snapshots, read committed / repeatable read (snapshot isolation) / serializable (SSI); the anomalies dirty write, dirty read,…',
  },
  {
    id: 'E4',
    status: 'done',
    title: 'Locks and deadlocks',
    track: 'Storage and indexing',
    summary:
      'shared/exclusive row locks, wait-for graph with cycle detection, victim choice (least work), prevention by global lock order, lock timeouts; `SELECT … FOR UPDATE SKIP…',
  },
  {
    id: 'E5',
    status: 'planned',
    title: 'Search',
    track: 'Storage and indexing',
    summary:
      'tokenizer and analyzers, inverted index with postings, BM25 ranking, filter (cached, unscored) vs query context, multi-term merge, sharded search with scatter-gather,…',
  },
  {
    id: 'F1',
    status: 'done',
    title: 'Caches and their failure modes',
    track: 'Caching',
    summary:
      'cache-aside, read-through, write-through, write-behind; LRU / LFU eviction; stampede (N database queries without a guard, 1 with a mutex / single-flight, early…',
  },
  {
    id: 'G1',
    status: 'done',
    title: 'Partitioned log (Kafka style)',
    track: 'Messaging and streams',
    summary:
      'topics, partitions, key → partition ordering, consumer groups, rebalancing, max parallelism = partitions (extra consumers idle), offsets and commits, acks 0 / 1 /…',
  },
  {
    id: 'G2',
    status: 'done',
    title: 'Exactly-once effects',
    track: 'Messaging and streams',
    summary:
      'at-most / at-least / exactly-once delivery compared; idempotency keys stored in the same transaction as the effect, with a retention window; processed-event table;…',
  },
  {
    id: 'G3',
    status: 'done',
    title: 'Backpressure and load shedding',
    track: 'Messaging and streams',
    summary: 'bounded queues, producer blocking, priority shedding, queue-depth signals.',
  },
  {
    id: 'H1',
    status: 'planned',
    title: 'Load balancing',
    track: 'Services and networking',
    summary:
      'round robin, weighted, least connections, least response time, power of two choices, consistent-hash stickiness; health checks; slow start after recovery; L4 vs L7…',
  },
  {
    id: 'H2',
    status: 'done',
    title: 'Resilience',
    track: 'Services and networking',
    summary:
      'circuit breaker (closed / open / half-open with probe), retries with exponential backoff and jitter, retry budgets, timeouts, bulkheads, adaptive concurrency; a…',
  },
  {
    id: 'H3',
    status: 'done',
    title: 'Rate limiting',
    track: 'Services and networking',
    summary:
      'token bucket, leaky bucket, fixed window, sliding log, sliding-window counter; distributed: centralised atomic check-and-decrement (real Redis with a Lua script),…',
  },
  {
    id: 'H4',
    status: 'planned',
    title: 'DNS and CDN',
    track: 'Services and networking',
    summary:
      'resolution chain (browser, OS, recursive resolver, root, TLD, authoritative) with TTL caches and negative caching; TTL lowering before a migration; CDN edge hit ratio…',
  },
  {
    id: 'H5',
    status: 'planned',
    title: 'API design',
    track: 'Services and networking',
    summary:
      'REST vs gRPC vs GraphQL payload sizes and round trips for the same screen; pagination by offset vs keyset vs continuation token under concurrent inserts (duplicates,…',
  },
  {
    id: 'H6',
    status: 'planned',
    title: 'Real-time delivery',
    track: 'Services and networking',
    summary:
      'WebSocket, Server-Sent Events (resume with Last-Event-ID) and long polling compared on latency and connections; fan-out across gateway servers through pub/sub;…',
  },
  {
    id: 'I1',
    status: 'done',
    title: 'Sagas',
    track: 'Transactions across services',
    summary:
      'orchestrated and choreographed (order: reserve inventory → charge → confirm; travel: flight → hotel → payment); idempotent compensations; the pivot step; durable saga…',
  },
  {
    id: 'I2',
    status: 'planned',
    title: 'CQRS and event sourcing',
    track: 'Transactions across services',
    summary:
      'event store with optimistic concurrency on aggregate version; aggregates rebuilt from events; projections into read models with lag; snapshots every N events; replay…',
  },
  {
    id: 'J1',
    status: 'planned',
    title: 'Object storage and sync',
    track: 'Storage systems',
    summary:
      'multipart upload (parts ≥ 5 MB except the last, ≤ 10,000 parts, retry one part); content-defined or fixed chunking with SHA-256 dedup; sync cursors; conflicted…',
  },
  {
    id: 'K1',
    status: 'done',
    title: 'Sketches',
    track: 'Probabilistic structures',
    summary:
      'Bloom filter (false-positive rate ≈ (1 − e^(−kn/m))^k, optimal k = (m/n)·ln 2, ≈ 10 bits per item for 1 %), counting Bloom filter (deletes), cuckoo filter,…',
  },
  {
    id: 'L1',
    status: 'planned',
    title: 'SLOs and tracing',
    track: 'Observability',
    summary:
      'SLIs, SLOs and error budgets (99.9 % → 43.8 min / month), multi-window burn-rate alerts vs raw error-rate alerts; golden signals; label cardinality; traces of…',
  },
  {
    id: 'M1',
    status: 'planned',
    title: 'URL shortener',
    track: 'Designs that combine the systems',
    summary: 'base62 IDs, KV + cache, 301 vs 302, click log',
  },
  {
    id: 'M2',
    status: 'planned',
    title: 'Feed fan-out',
    track: 'Designs that combine the systems',
    summary: 'push, pull, hybrid with a celebrity threshold',
  },
  {
    id: 'M3',
    status: 'planned',
    title: 'Leaderboard',
    track: 'Designs that combine the systems',
    summary: 'sorted set ranks, sharded by score range',
  },
  {
    id: 'M4',
    status: 'planned',
    title: 'Chat',
    track: 'Designs that combine the systems',
    summary: 'gateways, pub/sub, presence',
  },
  {
    id: 'M5',
    status: 'planned',
    title: 'Global payments',
    track: 'Designs that combine the systems',
    summary: 'geo-partitioned Raft groups, cross-region latency floor',
  },
  {
    id: 'M6',
    status: 'planned',
    title: 'Flash-sale inventory',
    track: 'Designs that combine the systems',
    summary: 'FOR UPDATE vs atomic decrement vs in-memory counter with reconciliation',
  },
  {
    id: 'M7',
    status: 'planned',
    title: 'Zero-downtime schema migration',
    track: 'Designs that combine the systems',
    summary: 'expand, backfill, dual read, contract',
  },
  {
    id: 'M8',
    status: 'planned',
    title: 'Disaster recovery',
    track: 'Designs that combine the systems',
    summary: 'RPO / RTO drills',
  },
  {
    id: 'M9',
    status: 'planned',
    title: 'Chaos experiment on a service graph',
    track: 'Designs that combine the systems',
    summary:
      'a graph of services with timeouts, retries and breakers; kill, slow or cut one and measure which requests still succeed and how failure spreads',
  },
  {
    id: 'M10',
    status: 'planned',
    title: 'Database selection decision tree',
    track: 'Designs that combine the systems',
    summary:
      'from access pattern, consistency need, scale and query shape to a database family, each branch backed by an experiment in the lab',
  },
  {
    id: 'M11',
    status: 'planned',
    title: 'Back-of-envelope estimator',
    track: 'Designs that combine the systems',
    summary:
      'requests per second, storage, bandwidth and memory from users, actions, object sizes and retention, with every step of the arithmetic shown',
  },
  {
    id: 'N1',
    status: 'done',
    title: 'Deterministic simulator',
    track: 'The lab itself',
    summary:
      'seeded worlds in virtual time: latency, loss, duplication, one-way partitions, clock skew and drift, disks that lose unsynced writes, crash, restart and pause; one seed replays a run exactly',
  },
  {
    id: 'N2',
    status: 'partial',
    title: 'Checkers',
    track: 'The lab itself',
    summary:
      'a linearizability checker for Jepsen/Knossos histories that names the operation no order explains, invariants checked at every event, and a mutant proving each check can fail',
  },
  {
    id: 'N3',
    status: 'done',
    title: 'Web lab',
    track: 'The lab itself',
    summary:
      'a page per system: live run with fault buttons, time bar and scrub, message timeline, checker verdicts, data-structure explorers and every scenario; a run is a link',
  },
  {
    id: 'N4',
    status: 'done',
    title: 'CLI and reports',
    track: 'The lab itself',
    summary:
      'dslab list, run, fuzz across all cores, replay, claims and check, with exit codes for scripts and HTML reports of checked histories',
  },
  {
    id: 'N5',
    status: 'done',
    title: 'Real mode',
    track: 'The lab itself',
    summary:
      'the same node code as real processes: TCP between peers, fsynced files, RESP and HTTP front ends, a fault proxy and a Jepsen-style harness',
  },
  {
    id: 'N6',
    status: 'done',
    title: 'Bring-your-own-node workbench',
    track: 'The lab itself',
    summary: 'nodes written for the Maelstrom JSON protocol (stdin/stdout) run unmodified',
  },
  {
    id: 'N7',
    status: 'planned',
    title: 'Study mode',
    track: 'The lab itself',
    summary: 'an explanation, practice questions with answers, and the experiment that backs each answer',
  },
];

const byId = new Map(catalog.map((row) => [row.id, row]));

/** The catalog row with this id; throws on an unknown id (a typo in a system's `rows`). */
export function catalogRow(id: string): CatalogRow {
  const row = byId.get(id);
  if (!row) throw new Error(`unknown catalog row '${id}'`);
  return row;
}

/** A system's track: the track of its first catalog row. */
export function trackOf(rows: readonly string[]): string {
  const first = rows[0];
  if (first === undefined) throw new Error('a system names at least one catalog row');
  return catalogRow(first).track;
}
