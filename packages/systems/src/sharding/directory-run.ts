/**
 * A workload through the directory service while it rebalances: tenants' rows spread over 8 shards by the
 * directory, one whale tenant with 100× the rows, one hot key; mid-run the directory moves the whale to a
 * new ninth shard and the hot key to the least busy shard, and clients keep reading and writing. What moved,
 * what the clients paid and whether any write was lost are all read back from the servers and clients.
 */
import { World, murmur3, type Env } from '@dslab/sim';
import { DirectoryTable, after } from './directory';
import {
  DirectoryClient,
  DirectoryNode,
  ShardServer,
  type DirectoryMessage,
  type DirectoryMutant,
  type KvOp,
  type MoveRecord,
} from './directory-service';

export interface DirectoryRunOptions {
  readonly seed: number;
  readonly tenants: number;
  readonly rowsPerTenant: number;
  /** The whale has this many times the rows (and, with uniform row access, the traffic) of the others. */
  readonly whaleFactor: number;
  readonly shards: number;
  readonly clients: number;
  /** Share of requests on the one hot key. */
  readonly hotKeyShare: number;
  readonly thinkMeanMs: number;
  /** Load is measured over this long before the moves and again after they finish. */
  readonly windowMs: number;
  readonly mutant?: DirectoryMutant;
}

export interface DirectoryRunResult {
  readonly rows: number;
  readonly whaleRows: number;
  readonly moves: readonly MoveRecord[];
  /** Rows the servers received in moves (counted by the targets). */
  readonly rowsTransferred: number;
  /** Rows held by a different shard at the end than at the start, read from the servers. */
  readonly movedRows: number;
  readonly movedWhaleRows: number;
  readonly movedHotKeyRows: number;
  /** Rows of other tenants that changed shard: "without touching the others" means 0. */
  readonly movedOtherRows: number;
  /** Whale rows not on the new shard at the end. */
  readonly whaleRowsLeftBehind: number;
  /** Rows rehashing tenants from `shards` to `shards + 1` buckets would move (the same rows). */
  readonly rehashMovedRows: number;
  readonly requests: number;
  readonly directoryLookups: number;
  readonly staleRedirects: number;
  readonly busyRetries: number;
  /** Requests that found their range frozen by a move at least once. */
  readonly delayedRequests: number;
  readonly tableVersionsAdded: number;
  /** Busiest shard's requests over the mean shard's, before the moves (N shards) and after (N + 1). */
  readonly busiestBefore: number;
  readonly busiestAfter: number;
  readonly servedBefore: readonly number[];
  readonly servedAfter: readonly number[];
  /** Reads by a key's only writer that did not return its last acknowledged write. */
  readonly staleReads: number;
  /** Keys whose final value is not the last acknowledged write, or that no server (or two) holds. */
  readonly lostWrites: number;
  readonly misplacedKeys: number;
  readonly p99LatencyMs: number;
  readonly traceHash: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const tenantStart = (t: number) => `t${pad(t, 4)}/`;
const rowKey = (t: number, i: number) => `${tenantStart(t)}r${pad(i, 6)}`;
const tenantOf = (key: string) => Number(key.slice(1, 5));

export const WHALE = 7;
export const HOT_KEY = rowKey(42, 0);

export function runDirectorySharding(options: DirectoryRunOptions): DirectoryRunResult {
  const { shards, clients } = options;
  const world = new World({
    seed: options.seed,
    network: { latency: { kind: 'uniform', min: 0.5, max: 2 } },
  });
  const keys: string[] = [];
  const initialShard = new Map<string, number>();
  const table = new DirectoryTable(0);
  const owned: [string, string][][] = Array.from({ length: shards + 1 }, () => []);
  const stores: Map<string, string>[] = Array.from({ length: shards + 1 }, () => new Map());
  owned[0]!.push(['', tenantStart(0)], [tenantStart(options.tenants), '']);
  table.assign(tenantStart(options.tenants), '', 0);
  for (let t = 0; t < options.tenants; t++) {
    // Tenants were placed round robin when they signed up; the whale grew afterwards.
    const shard = t % shards;
    table.assign(tenantStart(t), tenantStart(t + 1), shard);
    owned[shard]!.push([tenantStart(t), tenantStart(t + 1)]);
    const count = t === WHALE ? options.rowsPerTenant * options.whaleFactor : options.rowsPerTenant;
    for (let i = 0; i < count; i++) {
      const key = rowKey(t, i);
      keys.push(key);
      initialShard.set(key, shard);
      stores[shard]!.set(key, 'v0');
    }
  }
  const baseVersion = table.version;
  const shardNode = (shard: number) => `shard-${shard}`;
  const mutant = options.mutant;
  for (let s = 0; s <= shards; s++) {
    world.addNode(
      shardNode(s),
      (env: Env<DirectoryMessage>) => new ShardServer(env, stores[s]!, owned[s]!, mutant),
    );
  }
  world.addNode('directory', (env: Env<DirectoryMessage>) => new DirectoryNode(env, table, shardNode));

  // Each key has one writer (by hash), so its last acknowledged write is its only correct final value.
  const writerOf = (key: string) => murmur3(key) % clients;
  const lastAcked = new Map<string, string>();
  const latencies: number[] = [];
  let staleReads = 0;
  let stopped = false;
  const clientIds = Array.from({ length: clients }, (_, c) => `client-${c + 1}`);
  clientIds.forEach((id, c) => {
    let seq = 0;
    const ownKeys = keys.filter((key) => writerOf(key) === c);
    world.addNode(
      id,
      (env: Env<DirectoryMessage>) =>
        new DirectoryClient(env, {
          directory: 'directory',
          shardNode,
          thinkMeanMs: options.thinkMeanMs,
          nextOp: (random): KvOp | undefined => {
            if (stopped) return undefined;
            // 30% of the requests write one of this client's own keys; the rest read any key.
            const hot = random() < options.hotKeyShare;
            const write = random() < 0.3 && (!hot || writerOf(HOT_KEY) === c);
            const pool = write && !hot ? ownKeys : keys;
            const key = hot ? HOT_KEY : (pool[Math.floor(random() * pool.length)] as string);
            return write ? { f: 'put', key, value: `${id}:${++seq}` } : { f: 'get', key };
          },
          done: (op, value, ms) => {
            latencies.push(ms);
            if (op.f === 'put') lastAcked.set(op.key, op.value);
            else if (writerOf(op.key) === c && value !== (lastAcked.get(op.key) ?? 'v0')) staleReads++;
          },
        }),
    );
  });

  const servers = () => Array.from({ length: shards + 1 }, (_, s) => world.node<ShardServer>(shardNode(s)));
  const served = () => servers().map((server) => server.served);
  const busiestOverMean = (counts: readonly number[]) =>
    Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length);
  const minus = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x - (b[i] as number));

  world.runFor(options.windowMs / 4); // warm-up: clients fill their caches
  const beforeStart = served();
  world.runFor(options.windowMs);
  const servedBefore = minus(served(), beforeStart).slice(0, shards);
  // Rebalance: the whale to a new shard of its own, the hot key to the least busy of the old shards.
  const directory = world.node<DirectoryNode>('directory');
  const whaleShard = table.lookup(tenantStart(WHALE)).shard;
  const hotKeyTarget = servedBefore
    .map((count, shard) => ({ count, shard }))
    .filter(({ shard }) => shard !== whaleShard && shard !== table.lookup(HOT_KEY).shard)
    .sort((a, b) => a.count - b.count || a.shard - b.shard)[0]!.shard;
  directory.move(tenantStart(WHALE), tenantStart(WHALE + 1), shards);
  directory.move(HOT_KEY, after(HOT_KEY), hotKeyTarget);
  world.runUntilCondition(() => !directory.busy, 60_000);
  world.runFor(200);
  const afterStart = served();
  world.runFor(options.windowMs);
  const servedAfter = minus(served(), afterStart);
  stopped = true;
  world.runUntilQuiet(60_000);

  let requests = 0;
  let redirects = 0;
  let busy = 0;
  let delayed = 0;
  for (const id of clientIds) {
    const client = world.node<DirectoryClient>(id);
    requests += client.completed;
    redirects += client.redirects;
    busy += client.busy;
    delayed += client.delayed;
  }
  const finalServers = servers();
  let movedRows = 0;
  let movedWhale = 0;
  let movedHot = 0;
  let whaleLeft = 0;
  let lostWrites = 0;
  let misplaced = 0;
  let rehashMoved = 0;
  for (const key of keys) {
    const holders = finalServers.flatMap((server, s) => (server.rows.has(key) ? [s] : []));
    if (holders.length !== 1) {
      lostWrites++;
      continue;
    }
    const holder = holders[0] as number;
    if (holder !== table.lookup(key).shard) misplaced++;
    if (finalServers[holder]!.rows.get(key) !== (lastAcked.get(key) ?? 'v0')) lostWrites++;
    const tenant = tenantOf(key);
    if (tenant === WHALE && holder !== shards) whaleLeft++;
    const h = murmur3(`tenant-${tenant}`);
    if (h % shards !== h % (shards + 1)) rehashMoved++;
    if (holder === initialShard.get(key)) continue;
    movedRows++;
    if (tenant === WHALE) movedWhale++;
    else if (key === HOT_KEY) movedHot++;
  }
  latencies.sort((a, b) => a - b);
  return {
    rows: keys.length,
    whaleRows: options.rowsPerTenant * options.whaleFactor,
    moves: directory.moves,
    rowsTransferred: finalServers.reduce((sum, server) => sum + server.rowsReceived, 0),
    movedRows,
    movedWhaleRows: movedWhale,
    movedHotKeyRows: movedHot,
    movedOtherRows: movedRows - movedWhale - movedHot,
    whaleRowsLeftBehind: whaleLeft,
    rehashMovedRows: rehashMoved,
    requests,
    directoryLookups: directory.lookups,
    staleRedirects: redirects,
    busyRetries: busy,
    delayedRequests: delayed,
    tableVersionsAdded: table.version - baseVersion,
    busiestBefore: busiestOverMean(servedBefore),
    busiestAfter: busiestOverMean(servedAfter),
    servedBefore,
    servedAfter,
    staleReads,
    lostWrites,
    misplacedKeys: misplaced,
    p99LatencyMs: latencies[Math.max(0, Math.ceil(0.99 * latencies.length) - 1)] ?? NaN,
    traceHash: world.traceHash(),
  };
}
