/**
 * Directory sharding as a running service: a directory node owns the versioned range table and performs
 * moves; shard servers hold rows and serve only the ranges they own; clients cache the entries they looked
 * up and are redirected (`wrong-shard`) when a cached entry has gone stale.
 *
 * A move of [start, end) from shard S to shard T: the directory tells S to move it out; S freezes the
 * range (requests on it get `busy`), copies its rows to T in batches, each acknowledged, and reports; the
 * directory tells T to own the range, and once T confirms, commits the new table version and tells S to
 * disown it; S deletes the rows and from then on answers `wrong-shard` for them. At no moment do two
 * servers serve the same key. Links are reliable here (no loss, no crash): the protocol does not retry.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { inRange, type DirectoryEntry, type DirectoryTable } from './directory';
import { mutantActive } from '../kit/mutants';

export type KvOp =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string };

export type DirectoryMessage =
  | { readonly type: 'lookup'; readonly id: number; readonly key: string }
  | { readonly type: 'entry'; readonly id: number; readonly entry: DirectoryEntry }
  | { readonly type: 'op'; readonly id: number; readonly op: KvOp }
  | { readonly type: 'ok'; readonly id: number; readonly value: string | null }
  | { readonly type: 'wrong-shard'; readonly id: number }
  | { readonly type: 'busy'; readonly id: number }
  | {
      readonly type: 'move-out';
      readonly move: number;
      readonly start: string;
      readonly end: string;
      readonly to: NodeId;
    }
  | {
      readonly type: 'move-data';
      readonly move: number;
      readonly rows: readonly (readonly [string, string])[];
    }
  | { readonly type: 'move-ack'; readonly move: number; readonly rows: number }
  | { readonly type: 'copied'; readonly move: number; readonly rows: number }
  | { readonly type: 'own'; readonly move: number; readonly start: string; readonly end: string }
  | { readonly type: 'owned'; readonly move: number }
  | { readonly type: 'disown'; readonly move: number; readonly start: string; readonly end: string };

/**
 * Broken variants the checks must catch: the source keeps serving the range while it copies it
 * (`no-freeze`); the source keeps the rows of a range it gave away (`keep-source-rows`); the target
 * acknowledges a batch when it arrives rather than once it is written (`ack-before-apply`).
 */
export type DirectoryMutant = 'no-freeze' | 'keep-source-rows' | 'ack-before-apply';

/** Sorted, disjoint [start, end) intervals. */
class RangeSet {
  private ranges: [string, string][] = [];

  constructor(initial: readonly (readonly [string, string])[] = []) {
    for (const [s, e] of initial) this.add(s, e);
  }

  has(key: string): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [s, e] = this.ranges[mid] as [string, string];
      if (key < s) hi = mid - 1;
      else if (e !== '' && key >= e) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(start: string, end: string): void {
    this.remove(start, end);
    this.ranges.push([start, end]);
    this.ranges.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }

  remove(start: string, end: string): void {
    const next: [string, string][] = [];
    for (const [s, e] of this.ranges) {
      const overlaps = (end === '' || s < end) && (e === '' || e > start);
      if (!overlaps) {
        next.push([s, e]);
        continue;
      }
      if (s < start) next.push([s, start]);
      if (end !== '' && (e === '' || e > end)) next.push([end, e]);
    }
    this.ranges = next;
  }

  get count(): number {
    return this.ranges.length;
  }
}

const MOVE_BATCH = 200;
const APPLY_MS_PER_ROW = 0.1;

/** A shard server: rows, the ranges it owns, the ranges it is moving out. */
export class ShardServer implements SimNode<DirectoryMessage> {
  readonly rows: Map<string, string>;
  private readonly owned: RangeSet;
  private readonly frozen = new RangeSet();
  /** Per move being sent out: what to do when the target acknowledges a batch (send the next). */
  private readonly pendingAck = new Map<number, () => void>();
  served = 0;
  rowsReceived = 0;

  constructor(
    private readonly env: Env<DirectoryMessage>,
    rows: ReadonlyMap<string, string>,
    owned: readonly (readonly [string, string])[],
    private readonly mutant: DirectoryMutant | undefined,
  ) {
    this.rows = new Map(rows);
    this.owned = new RangeSet(owned);
  }

  onMessage(from: NodeId, msg: DirectoryMessage): void {
    switch (msg.type) {
      case 'op': {
        const { key } = msg.op;
        if (!this.owned.has(key)) return this.env.send(from, { type: 'wrong-shard', id: msg.id });
        if (this.frozen.has(key) && !mutantActive(this.mutant, 'no-freeze'))
          return this.env.send(from, { type: 'busy', id: msg.id });
        this.served++;
        if (msg.op.f === 'put') this.rows.set(key, msg.op.value);
        return this.env.send(from, { type: 'ok', id: msg.id, value: this.rows.get(key) ?? null });
      }
      case 'move-ack':
        return this.pendingAck.get(msg.move)?.();
      case 'move-out':
        return this.moveOut(msg.move, msg.start, msg.end, msg.to, from);
      case 'move-data': {
        const ack = () => this.env.send(from, { type: 'move-ack', move: msg.move, rows: msg.rows.length });
        if (mutantActive(this.mutant, 'ack-before-apply')) ack();
        // Writing a batch takes time (10,000 rows/s); the ack leaves when it is written.
        this.env.setTimer(msg.rows.length * APPLY_MS_PER_ROW, () => {
          // A row already here was written by a client after this server took the range over: it is
          // newer than the copy. (With the ack after the write, as here, that never happens.)
          for (const [key, value] of msg.rows) if (!this.rows.has(key)) this.rows.set(key, value);
          this.rowsReceived += msg.rows.length;
          if (!mutantActive(this.mutant, 'ack-before-apply')) ack();
        });
        return;
      }
      case 'own':
        this.owned.add(msg.start, msg.end);
        return this.env.send(from, { type: 'owned', move: msg.move });
      case 'disown':
        this.owned.remove(msg.start, msg.end);
        this.frozen.remove(msg.start, msg.end);
        if (mutantActive(this.mutant, 'keep-source-rows')) return;
        for (const key of [...this.rows.keys()]) if (inRange(key, msg.start, msg.end)) this.rows.delete(key);
        return;
      default:
        return;
    }
  }

  private moveOut(move: number, start: string, end: string, to: NodeId, directory: NodeId): void {
    this.frozen.add(start, end);
    const keys = [...this.rows.keys()].filter((key) => inRange(key, start, end)).sort();
    let next = 0;
    let sent = 0;
    // One batch in flight at a time; each batch reads the rows as they are when it leaves.
    const sendBatch = () => {
      if (next >= keys.length) {
        this.pendingAck.delete(move);
        return this.env.send(directory, { type: 'copied', move, rows: sent });
      }
      const batch = keys
        .slice(next, next + MOVE_BATCH)
        .map((key) => [key, this.rows.get(key) as string] as const);
      next += batch.length;
      sent += batch.length;
      this.env.send(to, { type: 'move-data', move, rows: batch });
    };
    this.pendingAck.set(move, sendBatch);
    sendBatch();
  }

  /** Ranges owned, and ranges frozen for a move out. */
  get ranges(): { readonly owned: number; readonly frozen: number } {
    return { owned: this.owned.count, frozen: this.frozen.count };
  }

  snapshot(): unknown {
    return { rows: this.rows.size, ranges: this.owned.count, served: this.served };
  }
}

/** A move the directory has performed or is performing. */
export interface MoveRecord {
  readonly move: number;
  readonly start: string;
  readonly end: string;
  readonly from: number;
  readonly to: number;
  readonly startedAt: number;
  rows: number;
  doneAt: number | undefined;
  version: number | undefined;
}

/** The directory: answers lookups from its table and performs moves, one at a time. */
export class DirectoryNode implements SimNode<DirectoryMessage> {
  lookups = 0;
  readonly moves: MoveRecord[] = [];
  private readonly queue: { start: string; end: string; to: number }[] = [];
  private current: MoveRecord | undefined;

  constructor(
    private readonly env: Env<DirectoryMessage>,
    readonly table: DirectoryTable,
    private readonly shardNode: (shard: number) => NodeId,
  ) {}

  /** Moves [start, end) to `to` (a single key: [key, after(key))), after any move already under way. */
  move(start: string, end: string, to: number): void {
    this.queue.push({ start, end, to });
    if (!this.current) this.nextMove();
  }

  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  private nextMove(): void {
    const next = this.queue.shift();
    if (!next) return;
    const owners = [...this.table.ownersOf(next.start, next.end)];
    if (owners.length !== 1)
      throw new Error(`range [${next.start}, ${next.end}) spans shards ${owners.join(', ')}`);
    const from = owners[0] as number;
    if (from === next.to) return this.nextMove();
    const record: MoveRecord = {
      move: this.moves.length + 1,
      ...next,
      from,
      startedAt: this.env.monotonic(),
      rows: 0,
      doneAt: undefined,
      version: undefined,
    };
    this.moves.push(record);
    this.current = record;
    this.env.send(this.shardNode(from), {
      type: 'move-out',
      move: record.move,
      start: next.start,
      end: next.end,
      to: this.shardNode(next.to),
    });
  }

  onMessage(from: NodeId, msg: DirectoryMessage): void {
    const current = this.current;
    switch (msg.type) {
      case 'lookup':
        this.lookups++;
        return this.env.send(from, { type: 'entry', id: msg.id, entry: this.table.lookup(msg.key) });
      case 'copied':
        if (!current || msg.move !== current.move) return;
        current.rows = msg.rows;
        return this.env.send(this.shardNode(current.to), {
          type: 'own',
          move: current.move,
          start: current.start,
          end: current.end,
        });
      case 'owned':
        if (!current || msg.move !== current.move) return;
        current.version = this.table.assign(current.start, current.end, current.to);
        current.doneAt = this.env.monotonic();
        this.env.send(this.shardNode(current.from), {
          type: 'disown',
          move: current.move,
          start: current.start,
          end: current.end,
        });
        this.current = undefined;
        return this.nextMove();
      default:
        return;
    }
  }

  snapshot(): unknown {
    return {
      version: this.table.version,
      ranges: this.table.size,
      lookups: this.lookups,
      moving: this.current?.move,
    };
  }
}

interface InFlight {
  readonly id: number;
  readonly op: KvOp;
  readonly started: number;
  /** Got `busy` at least once: the range it asked for was being moved. */
  delayed: boolean;
}

export interface DirectoryClientConfig {
  readonly directory: NodeId;
  readonly shardNode: (shard: number) => NodeId;
  readonly nextOp: (random: () => number) => KvOp | undefined;
  readonly thinkMeanMs: number;
  /** Called when an operation completes: what it returned. */
  readonly done: (op: KvOp, value: string | null, latencyMs: number) => void;
}

/** A client with a cache of directory entries: looks up on a miss, re-looks up when redirected. */
export class DirectoryClient implements SimNode<DirectoryMessage> {
  /** Cached entries, sorted by start, disjoint. */
  private cache: DirectoryEntry[] = [];
  private nextId = 1;
  private current: InFlight | undefined;
  lookups = 0;
  redirects = 0;
  busy = 0;
  /** Requests that met a frozen range at least once. */
  delayed = 0;
  completed = 0;

  constructor(
    private readonly env: Env<DirectoryMessage>,
    private readonly config: DirectoryClientConfig,
  ) {
    this.schedule();
  }

  private schedule(): void {
    this.env.setTimer(-this.config.thinkMeanMs * Math.log(1 - this.env.random()), () => this.issue());
  }

  private issue(): void {
    const op = this.config.nextOp(() => this.env.random());
    if (!op) return;
    this.current = { id: this.nextId++, op, started: this.env.monotonic(), delayed: false };
    this.route();
  }

  private cached(key: string): DirectoryEntry | undefined {
    let lo = 0;
    let hi = this.cache.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const entry = this.cache[mid] as DirectoryEntry;
      if (key < entry.start) hi = mid - 1;
      else if (entry.end !== '' && key >= entry.end) lo = mid + 1;
      else return entry;
    }
    return undefined;
  }

  private remember(entry: DirectoryEntry): void {
    const overlaps = (e: DirectoryEntry) =>
      (entry.end === '' || e.start < entry.end) && (e.end === '' || e.end > entry.start);
    this.cache = this.cache.filter((e) => !overlaps(e));
    this.cache.push(entry);
    this.cache.sort((a, b) => (a.start < b.start ? -1 : 1));
  }

  private forget(key: string): void {
    this.cache = this.cache.filter((e) => !inRange(key, e.start, e.end));
  }

  private route(): void {
    const current = this.current as InFlight;
    const entry = this.cached(current.op.key);
    if (!entry) {
      this.lookups++;
      this.env.send(this.config.directory, { type: 'lookup', id: current.id, key: current.op.key });
      return;
    }
    this.env.send(this.config.shardNode(entry.shard), { type: 'op', id: current.id, op: current.op });
  }

  onMessage(_from: NodeId, msg: DirectoryMessage): void {
    const current = this.current;
    if (!current || !('id' in msg) || msg.id !== current.id) return;
    switch (msg.type) {
      case 'entry':
        this.remember(msg.entry);
        return this.route();
      case 'wrong-shard':
        this.redirects++;
        this.forget(current.op.key);
        return this.route();
      case 'busy':
        this.busy++;
        if (!current.delayed) this.delayed++;
        current.delayed = true;
        this.env.setTimer(2 + 3 * this.env.random(), () => {
          if (this.current === current) this.route();
        });
        return;
      case 'ok':
        this.current = undefined;
        this.completed++;
        this.config.done(current.op, msg.value, this.env.monotonic() - current.started);
        return this.schedule();
      default:
        return;
    }
  }

  /** No operation in flight. */
  get idle(): boolean {
    return this.current === undefined;
  }

  snapshot(): unknown {
    return { cached: this.cache.length, lookups: this.lookups, redirects: this.redirects, busy: this.busy };
  }
}
