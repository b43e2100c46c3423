/**
 * A workload through the directory service while it rebalances: tenants' rows spread over 8 shards by the
 * directory, one whale tenant with 100× the rows, one hot key; mid-run the directory moves the whale to a
 * new ninth shard and the hot key to the least busy shard, and clients keep reading and writing. What moved,
 * what the clients paid and whether any write was lost are all read back from the servers and clients.
 */
import { murmur3 } from '@dslab/sim';
import { after } from './directory';
import type { DirectoryClient, MoveRecord } from './directory-service';
import {
  HOT_KEY,
  WHALE,
  buildDirectoryWorld,
  tenantOf,
  tenantStart,
  type DirectoryWorldOptions,
} from './directory-world';

export { HOT_KEY, WHALE } from './directory-world';

export interface DirectoryRunOptions extends DirectoryWorldOptions {
  /** Load is measured over this long before the moves and again after they finish. */
  readonly windowMs: number;
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

export function runDirectorySharding(options: DirectoryRunOptions): DirectoryRunResult {
  const { shards } = options;
  const w = buildDirectoryWorld(options);
  const { world, table, keys, initialShard, baseVersion, lastAcked, latencies, clientIds } = w;

  const servers = w.servers;
  const served = () => servers().map((server) => server.served);
  const busiestOverMean = (counts: readonly number[]) =>
    Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length);
  const minus = (a: readonly number[], b: readonly number[]) => a.map((x, i) => x - (b[i] as number));

  world.runFor(options.windowMs / 4); // warm-up: clients fill their caches
  const beforeStart = served();
  world.runFor(options.windowMs);
  const servedBefore = minus(served(), beforeStart).slice(0, shards);
  // Rebalance: the whale to a new shard of its own, the hot key to the least busy of the old shards.
  const directory = w.directory();
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
  w.stopClients();
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
  const sorted = latencies.slice().sort((a, b) => a - b);
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
    staleReads: w.counters.staleReads,
    lostWrites,
    misplacedKeys: misplaced,
    p99LatencyMs: sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? NaN,
    traceHash: world.traceHash(),
  };
}
