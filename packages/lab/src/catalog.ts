/** The catalog of systems dslab covers (../shared/CATALOG.md), as data for the home page. */
export interface CatalogRow {
  readonly id: string;
  readonly title: string;
  readonly track: string;
  readonly blurb: string;
}

export const catalog: readonly CatalogRow[] = [
  {
    id: 'A1',
    title: 'Raft',
    track: 'Consensus and coordination',
    blurb:
      'randomized election timeouts; terms; RequestVote granted only to a candidate whose log is at least as up to date; log replication with consistency check and back-off;…',
  },
  {
    id: 'A2',
    title: 'Leases, locks and fencing',
    track: 'Consensus and coordination',
    blurb:
      'lease-based leader election with TTL renewal; fencing tokens checked by the storage service; a paused (GC) holder that wakes after its lease expired is rejected by…',
  },
  {
    id: 'A3',
    title: 'Two-phase commit',
    track: 'Consensus and coordination',
    blurb:
      'coordinator and participants with logs; prepare / commit / abort; participants blocked holding locks when the coordinator dies after prepare; recovery from the…',
  },
  {
    id: 'A4',
    title: 'Other consensus protocols',
    track: 'Consensus and coordination',
    blurb:
      'Multi-Paxos and PBFT (3f+1 nodes tolerate f Byzantine, O(n²) messages) for comparison with Raft on the same workloads: messages per commit, latency, fault tolerance.',
  },
  {
    id: 'B1',
    title: 'Leader–follower replication',
    track: 'Replication and consistency',
    blurb:
      'WAL stream with LSNs; asynchronous replicas with measurable lag (≈ 10–200 ms typical, unbounded under load); stale reads from replicas; read-your-writes by waiting…',
  },
  {
    id: 'B2',
    title: 'Leaderless quorum store (Dynamo / Cassandra style)',
    track: 'Replication and consistency',
    blurb:
      'preference list on a consistent-hash ring; N, W, R per operation (ONE / QUORUM / ALL); W + R > N gives read-your-latest-write, W + R ≤ N shows stale reads; sloppy…',
  },
  {
    id: 'B3',
    title: 'CAP and PACELC',
    track: 'Replication and consistency',
    blurb:
      'the same partition applied to a CP store (Raft KV: the minority returns errors) and an AP store (quorum store at ONE: both sides answer, diverge, reconcile after…',
  },
  {
    id: 'B4',
    title: 'Consistency models and session guarantees',
    track: 'Replication and consistency',
    blurb:
      'classify a recorded history: linearizable, sequential, causal, read-your-writes, monotonic reads, monotonic writes, consistent prefix, eventual; show the shortest…',
  },
  {
    id: 'B5',
    title: 'Multi-leader and CRDTs',
    track: 'Replication and consistency',
    blurb:
      'active-active regions with asynchronous replication; conflict resolution by LWW, version vectors or CRDTs (G-counter, PN-counter, G-set, OR-set, LWW-register); a geo…',
  },
  {
    id: 'C1',
    title: 'Clocks',
    track: 'Time and order',
    blurb:
      'physical clocks with drift (≈ 100 ms/day) and NTP error (≈ 1–10 ms); last-write-wins picking the wrong winner; Lamport timestamps; vector clocks (happens-before,…',
  },
  {
    id: 'C2',
    title: 'ID generation',
    track: 'Time and order',
    blurb:
      'Snowflake (41-bit time, region/worker bits, 12-bit sequence; clock rollback and sequence overflow handled), ULID and UUIDv7 (time-ordered), UUIDv4; index locality and…',
  },
  {
    id: 'D1',
    title: 'Consistent hashing',
    track: 'Partitioning',
    blurb:
      'ring with virtual nodes (≈ 150 per node), O(log N) lookup by binary search; adding or removing one of N nodes moves ≈ 1/N of keys, modulo hashing moves nearly all;…',
  },
  {
    id: 'D2',
    title: 'Sharding strategies',
    track: 'Partitioning',
    blurb:
      'hash, range, directory and geo sharding; Redis Cluster hash slots (CRC16(key) mod 16384, `{tag}` hash tags, MOVED redirects, slot migration); jump hash and rendezvous…',
  },
  {
    id: 'E1',
    title: 'B+tree',
    track: 'Storage and indexing',
    blurb:
      'insert with splits, delete with merges, point lookup path (pages touched), range scan along leaf links, height vs fan-out (≈ 3–4 levels for a terabyte table),…',
  },
  {
    id: 'E2',
    title: 'LSM tree',
    track: 'Storage and indexing',
    blurb:
      'memtable, WAL, flush to SSTables, a Bloom filter per SSTable, size-tiered and leveled compaction; read, write and space amplification measured.',
  },
  {
    id: 'E3',
    title: 'MVCC and isolation levels',
    track: 'Storage and indexing',
    blurb:
      'row versions with xmin/xmax, snapshots, read committed / repeatable read (snapshot isolation) / serializable (SSI); the anomalies dirty write, dirty read,…',
  },
  {
    id: 'E4',
    title: 'Locks and deadlocks',
    track: 'Storage and indexing',
    blurb:
      'shared/exclusive row locks, wait-for graph with cycle detection, victim choice (least work), prevention by global lock order, lock timeouts; `SELECT … FOR UPDATE SKIP…',
  },
  {
    id: 'E5',
    title: 'Search',
    track: 'Storage and indexing',
    blurb:
      'tokenizer and analyzers, inverted index with postings, BM25 ranking, filter (cached, unscored) vs query context, multi-term merge, sharded search with scatter-gather,…',
  },
  {
    id: 'F1',
    title: 'Caches and their failure modes',
    track: 'Caching',
    blurb:
      'cache-aside, read-through, write-through, write-behind; LRU / LFU eviction; stampede (N database queries without a guard, 1 with a mutex / single-flight, early…',
  },
  {
    id: 'G1',
    title: 'Partitioned log (Kafka style)',
    track: 'Messaging and streams',
    blurb:
      'topics, partitions, key → partition ordering, consumer groups, rebalancing, max parallelism = partitions (extra consumers idle), offsets and commits, acks 0 / 1 /…',
  },
  {
    id: 'G2',
    title: 'Exactly-once effects',
    track: 'Messaging and streams',
    blurb:
      'at-most / at-least / exactly-once delivery compared; idempotency keys stored in the same transaction as the effect, with a retention window; processed-event table;…',
  },
  {
    id: 'G3',
    title: 'Backpressure and load shedding',
    track: 'Messaging and streams',
    blurb: 'bounded queues, producer blocking, priority shedding, queue-depth signals.',
  },
  {
    id: 'H1',
    title: 'Load balancing',
    track: 'Services and networking',
    blurb:
      'round robin, weighted, least connections, least response time, power of two choices, consistent-hash stickiness; health checks; slow start after recovery; L4 vs L7…',
  },
  {
    id: 'H2',
    title: 'Resilience',
    track: 'Services and networking',
    blurb:
      'circuit breaker (closed / open / half-open with probe), retries with exponential backoff and jitter, retry budgets, timeouts, bulkheads, adaptive concurrency; a…',
  },
  {
    id: 'H3',
    title: 'Rate limiting',
    track: 'Services and networking',
    blurb:
      'token bucket, leaky bucket, fixed window, sliding log, sliding-window counter; distributed: centralised atomic check-and-decrement (real Redis with a Lua script),…',
  },
  {
    id: 'H4',
    title: 'DNS and CDN',
    track: 'Services and networking',
    blurb:
      'resolution chain (browser, OS, recursive resolver, root, TLD, authoritative) with TTL caches and negative caching; TTL lowering before a migration; CDN edge hit ratio…',
  },
  {
    id: 'H5',
    title: 'API design',
    track: 'Services and networking',
    blurb:
      'REST vs gRPC vs GraphQL payload sizes and round trips for the same screen; pagination by offset vs keyset vs continuation token under concurrent inserts (duplicates,…',
  },
  {
    id: 'H6',
    title: 'Real-time delivery',
    track: 'Services and networking',
    blurb:
      'WebSocket, Server-Sent Events (resume with Last-Event-ID) and long polling compared on latency and connections; fan-out across gateway servers through pub/sub;…',
  },
  {
    id: 'I1',
    title: 'Sagas',
    track: 'Transactions across services',
    blurb:
      'orchestrated and choreographed (order: reserve inventory → charge → confirm; travel: flight → hotel → payment); idempotent compensations; the pivot step; durable saga…',
  },
  {
    id: 'I2',
    title: 'CQRS and event sourcing',
    track: 'Transactions across services',
    blurb:
      'event store with optimistic concurrency on aggregate version; aggregates rebuilt from events; projections into read models with lag; snapshots every N events; replay…',
  },
  {
    id: 'J1',
    title: 'Object storage and sync',
    track: 'Storage systems',
    blurb:
      'multipart upload (parts ≥ 5 MB except the last, ≤ 10,000 parts, retry one part); content-defined or fixed chunking with SHA-256 dedup; sync cursors; conflicted…',
  },
  {
    id: 'K1',
    title: 'Sketches',
    track: 'Probabilistic structures',
    blurb:
      'Bloom filter (false-positive rate ≈ (1 − e^(−kn/m))^k, optimal k = (m/n)·ln 2, ≈ 10 bits per item for 1 %), counting Bloom filter (deletes), cuckoo filter,…',
  },
  {
    id: 'L1',
    title: 'SLOs and tracing',
    track: 'Observability',
    blurb:
      'SLIs, SLOs and error budgets (99.9 % → 43.8 min / month), multi-window burn-rate alerts vs raw error-rate alerts; golden signals; label cardinality; traces of…',
  },
  {
    id: 'M1',
    title: 'URL shortener',
    track: 'Designs that combine the systems',
    blurb: 'base62 IDs, KV + cache, 301 vs 302, click log',
  },
  {
    id: 'M2',
    title: 'Feed fan-out',
    track: 'Designs that combine the systems',
    blurb: 'push, pull, hybrid with a celebrity threshold',
  },
  {
    id: 'M3',
    title: 'Leaderboard',
    track: 'Designs that combine the systems',
    blurb: 'sorted set ranks, sharded by score range',
  },
  {
    id: 'M4',
    title: 'Chat',
    track: 'Designs that combine the systems',
    blurb: 'gateways, pub/sub, presence',
  },
  {
    id: 'M5',
    title: 'Global payments',
    track: 'Designs that combine the systems',
    blurb: 'geo-partitioned Raft groups, cross-region latency floor',
  },
  {
    id: 'M6',
    title: 'Flash-sale inventory',
    track: 'Designs that combine the systems',
    blurb: 'FOR UPDATE vs atomic decrement vs in-memory counter with reconciliation',
  },
  {
    id: 'M7',
    title: 'Zero-downtime schema migration',
    track: 'Designs that combine the systems',
    blurb: 'expand, backfill, dual read, contract',
  },
  {
    id: 'M8',
    title: 'Disaster recovery',
    track: 'Designs that combine the systems',
    blurb: 'RPO / RTO drills',
  },
  {
    id: 'M9',
    title: 'Chaos experiment on a service graph',
    track: 'Designs that combine the systems',
    blurb: '',
  },
  {
    id: 'M10',
    title: 'Database selection decision tree',
    track: 'Designs that combine the systems',
    blurb: '',
  },
  { id: 'M11', title: 'Back-of-envelope estimator', track: 'Designs that combine the systems', blurb: '' },
  { id: 'N1', title: 'Deterministic simulator', track: 'The lab itself', blurb: '' },
  { id: 'N2', title: 'Checkers', track: 'The lab itself', blurb: '' },
  { id: 'N3', title: 'Web lab', track: 'The lab itself', blurb: '' },
  { id: 'N4', title: 'CLI and reports', track: 'The lab itself', blurb: '' },
  { id: 'N5', title: 'Real mode', track: 'The lab itself', blurb: '' },
  {
    id: 'N6',
    title: 'Bring-your-own-node workbench',
    track: 'The lab itself',
    blurb: 'nodes written for the Maelstrom JSON protocol (stdin/stdout) run unmodified',
  },
  {
    id: 'N7',
    title: 'Study mode',
    track: 'The lab itself',
    blurb: 'an explanation, practice questions with answers, and the experiment that backs each answer',
  },
];
