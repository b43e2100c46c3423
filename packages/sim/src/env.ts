/**
 * The one interface node code is written against (ARCHITECTURE.md, "The one rule").
 * The simulator implements it deterministically; packages/runtime implements it over real sockets and files.
 * Node code must take time, randomness, timers, network and disk only from here.
 */

export type NodeId = string;

/** Messages are plain serializable data. A `type` field lets receivers switch on them. */
export interface Message {
  readonly type: string;
}

/** Opaque handle for a timer; only meaningful to the Env that created it. */
export type TimerId = number;

/**
 * A tiny file system per node. Files are byte arrays; `append` extends one, `write` replaces one.
 * Nothing is durable until `sync()`: a crash keeps exactly what was synced (plus, optionally, a torn
 * prefix of the last unsynced append). `rename` is atomic and durable after the next `sync()`.
 */
export interface Disk {
  /**
   * Appends `data` to the file. The disk may keep the buffer itself (the simulator's does, rather than
   * copy every record): the caller must not change it afterwards.
   */
  append(name: string, data: Uint8Array): void;
  /** Replaces the file with `data`; the same rule about the buffer as `append`. */
  write(name: string, data: Uint8Array): void;
  /** The whole file, or undefined when it does not exist. The caller must not mutate the result. */
  read(name: string): Uint8Array | undefined;
  rename(from: string, to: string): void;
  remove(name: string): void;
  list(): string[];
  /** Makes every write so far durable (fsync of every dirty file and of the directory). */
  sync(): void;
}

/**
 * Where `sync()` returns before the data is durable: a real disk fsyncing appended data on a
 * background thread (ADR 0018). Absent in the simulator, whose `sync()` is durable when it returns.
 * The runtime then holds every message a node sends until the syncs it asked for before are durable,
 * which is what a blocking `sync()` would give. A node that knows a message claims nothing about that
 * data may send it at once with `sendNow`, and learns through `onDurable` when its syncs end: a Raft
 * leader's AppendEntries, and its answer for an entry a majority of other disks already hold (Ongaro's
 * thesis §10.2.1).
 */
export interface BackgroundSync<M extends Message = Message> {
  /** `sync()` calls so far. */
  readonly syncsRequested: number;
  /** How many of them are durable. */
  readonly syncsDurable: number;
  /** Called each time `syncsDurable` grows, after the messages held for it left. */
  onDurable(listener: () => void): void;
  /** Sends at once, ahead of any message still held for a sync (it may overtake them). */
  sendNow(to: NodeId, msg: M): void;
}

/** Data a node attaches to a trace event: plain, serializable. */
export type TraceData = Readonly<Record<string, unknown>>;

export interface Env<M extends Message = Message> {
  readonly id: NodeId;
  /** This node's clock in milliseconds: offset, drifting and jumping in the simulator. */
  now(): number;
  /**
   * Milliseconds on a monotonic clock, for measuring elapsed time: it runs at this node's clock rate
   * (drift) but never jumps. Only differences mean anything.
   */
  monotonic(): number;
  /** Uniform in [0, 1) from this node's own seeded stream. */
  random(): number;
  /** Fire and forget: the message may be lost, delayed, duplicated or reordered. */
  send(to: NodeId, msg: M): void;
  /** Runs `fire` after `ms` of this node's clock (drift stretches it; clock jumps do not move it). */
  setTimer(ms: number, fire: () => void): TimerId;
  clearTimer(timer: TimerId): void;
  readonly disk: Disk;
  /** Present only where `disk.sync()` returns before the data is durable (see `BackgroundSync`). */
  readonly backgroundSync?: BackgroundSync<M>;
  /** A structured event for the lab, reports and the trace hash. */
  trace(name: string, data?: TraceData): void;
}

/**
 * A node: created by its factory on start and again on every restart (the factory is the start code,
 * reading its disk). All callbacks are synchronous; the simulator runs one event at a time.
 */
export interface SimNode<M extends Message = Message> {
  onMessage(from: NodeId, msg: M): void;
  /** Plain data describing the node's state, for the lab and for invariants. */
  snapshot(): unknown;
}

export type NodeFactory<M extends Message = Message> = (env: Env<M>) => SimNode<M>;
