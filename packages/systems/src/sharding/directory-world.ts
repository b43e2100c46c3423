/**
 * The directory service's world, built once for the scenario's monolithic run and for fuzzing: tenants'
 * rows spread over the shards by the directory (one whale tenant with many times the rows, one hot key),
 * a spare shard for the whale, clients reading and writing, and what the clients acknowledged recorded
 * so the final state can be judged against it.
 */
import { World, murmur3, type Env, type TraceMode } from '@dslab/sim';
import { DirectoryTable } from './directory';
import {
  DirectoryClient,
  DirectoryNode,
  ShardServer,
  type DirectoryMessage,
  type DirectoryMutant,
  type KvOp,
} from './directory-service';

export interface DirectoryWorldOptions {
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
  readonly mutant?: DirectoryMutant;
  readonly trace?: TraceMode;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
export const tenantStart = (t: number) => `t${pad(t, 4)}/`;
const rowKey = (t: number, i: number) => `${tenantStart(t)}r${pad(i, 6)}`;
export const tenantOf = (key: string) => Number(key.slice(1, 5));

export const WHALE = 7;
export const HOT_KEY = rowKey(42, 0);

export interface DirectoryWorld {
  readonly world: World;
  readonly options: DirectoryWorldOptions;
  readonly table: DirectoryTable;
  /** Every row key, in tenant order. */
  readonly keys: readonly string[];
  readonly initialShard: ReadonlyMap<string, number>;
  /** The table version once the tenants were placed. */
  readonly baseVersion: number;
  readonly shardNode: (shard: number) => string;
  /** Shards 0 … shards - 1 hold the tenants; shard `shards` starts empty (the whale's new home). */
  readonly shardIds: readonly string[];
  readonly clientIds: readonly string[];
  /** Each key has one writer (by hash), so its last acknowledged write is its only correct value. */
  readonly lastAcked: ReadonlyMap<string, string>;
  /** Completed operations' latencies, in completion order. */
  readonly latencies: readonly number[];
  /** Reads by a key's only writer that did not return its last acknowledged write, counted as they return. */
  readonly counters: { staleReads: number; firstStaleRead: string | undefined };
  readonly directory: () => DirectoryNode;
  readonly servers: () => ShardServer[];
  /** Clients issue nothing new from now on (the one in flight completes). */
  stopClients(): void;
}

export function buildDirectoryWorld(options: DirectoryWorldOptions): DirectoryWorld {
  const { shards, clients } = options;
  if (options.tenants <= Math.max(WHALE, tenantOf(HOT_KEY)))
    throw new Error(`directory world needs more than ${Math.max(WHALE, tenantOf(HOT_KEY))} tenants`);
  if (shards < 3) throw new Error('directory world needs at least 3 shards (whale, hot key and a target)');
  const world = new World({
    seed: options.seed,
    trace: options.trace ?? 'hash',
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
  const shardIds = Array.from({ length: shards + 1 }, (_, s) => shardNode(s));
  for (let s = 0; s <= shards; s++) {
    world.addNode(
      shardNode(s),
      (env: Env<DirectoryMessage>) => new ShardServer(env, stores[s]!, owned[s]!, mutant),
    );
  }
  world.addNode('directory', (env: Env<DirectoryMessage>) => new DirectoryNode(env, table, shardNode));

  const writerOf = (key: string) => murmur3(key) % clients;
  const lastAcked = new Map<string, string>();
  const latencies: number[] = [];
  const counters: DirectoryWorld['counters'] = { staleReads: 0, firstStaleRead: undefined };
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
            else if (writerOf(op.key) === c && value !== (lastAcked.get(op.key) ?? 'v0')) {
              counters.staleReads++;
              counters.firstStaleRead ??= `${id} read ${op.key} as ${JSON.stringify(value)}, its last acknowledged value ${JSON.stringify(lastAcked.get(op.key) ?? 'v0')}`;
            }
          },
        }),
    );
  });

  return {
    world,
    options,
    table,
    keys,
    initialShard,
    baseVersion,
    shardNode,
    shardIds,
    clientIds,
    lastAcked,
    latencies,
    counters,
    directory: () => world.node<DirectoryNode>('directory'),
    servers: () => shardIds.map((id) => world.node<ShardServer>(id)),
    stopClients: () => {
      stopped = true;
    },
  };
}

/** What the servers hold at the end, judged against the clients' acknowledged writes and the directory's table. */
export interface DirectoryFinalState {
  /** Keys the shard the directory names holds with a value other than their last acknowledged write (or not at all). */
  readonly lostWrites: number;
  /** Keys held by no shard or by two. */
  readonly unheldKeys: number;
  readonly doublyHeldKeys: number;
  /** Keys held by exactly one shard, but not the one the directory names. */
  readonly misplacedKeys: number;
  /** The first key of each kind, for a failure message. */
  readonly examples: { readonly lost?: string; readonly held?: string; readonly misplaced?: string };
}

export function directoryFinalState(w: DirectoryWorld): DirectoryFinalState {
  const servers = w.servers();
  let lostWrites = 0;
  let unheld = 0;
  let doubly = 0;
  let misplaced = 0;
  const examples: { lost?: string; held?: string; misplaced?: string } = {};
  for (const key of w.keys) {
    let holders = 0;
    let holder = -1;
    servers.forEach((server, s) => {
      if (!server.rows.has(key)) return;
      holders++;
      holder = s;
    });
    const named = w.table.lookup(key).shard;
    const expected = w.lastAcked.get(key) ?? 'v0';
    const value = servers[named]!.rows.get(key);
    if (value !== expected) {
      lostWrites++;
      examples.lost ??= `${key} holds ${JSON.stringify(value ?? null)} on shard ${named}, last acknowledged ${JSON.stringify(expected)}`;
    }
    if (holders !== 1) {
      if (holders === 0) unheld++;
      else doubly++;
      examples.held ??= `${key} is held by ${holders} shards`;
    } else if (holder !== named) {
      misplaced++;
      examples.misplaced ??= `${key} is on shard ${holder}, the directory names shard ${named}`;
    }
  }
  return { lostWrites, unheldKeys: unheld, doublyHeldKeys: doubly, misplacedKeys: misplaced, examples };
}
