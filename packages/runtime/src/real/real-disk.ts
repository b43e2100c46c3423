/**
 * `Disk` over a real directory: one file per name, appends through open descriptors, and `sync()` as
 * fsync of every file written since the last sync plus the directory itself (so creates, renames and
 * removes are durable too). Same contract as the simulator's disk, which is what makes crash tests
 * in the simulator mean something here.
 *
 * Pipelined mode (`pipelineAppends`, ADR 0018): `sync()` still fsyncs whole-file writes and, after a
 * rename, the directory before it returns (a rename must never overtake its file's contents), but the
 * fsync of appended data — and of the directory when files were only created by appending or removed —
 * runs on libuv's thread pool and `sync()` returns at once. The caller learns when
 * that data is durable through `whenDurable` — `RealNode` holds every message sent after a `sync()`
 * until then, so nothing a node tells anyone depends on data a power loss could still take away,
 * while the node goes on reading its sockets during the fsync. Syncs requested while one is in
 * flight share the next one (group commit).
 *
 * Pipelined mode also unlinks removed files on the thread pool: an unlink frees the file's blocks,
 * which waits for the file system's journal, and during a disk stall one held a leader's event loop
 * for 1.6 s. The name is free at once: a file given the same name while its unlink is still running
 * is stored as `name#1` (then `#2`…), so the unlink can never take the new file; reopening keeps the
 * highest generation of each name and removes the others.
 */
import {
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlink,
  writeSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import { invariant, type Disk } from '@dslab/sim';

export interface RealDiskOptions {
  /** Fsync appended data off the event loop; see the file comment. Off: `sync()` blocks until done. */
  readonly pipelineAppends?: boolean;
  /** What `slowOps()` remembers: operations at least this long, in ms (default `SLOW_OP_MS`). */
  readonly slowOpMs?: number;
}

/**
 * A disk operation that took at least `SLOW_OP_MS` (`RealDiskOptions.slowOpMs`), with its wall-clock
 * start, so that the slow operations of several members on one machine can be lined up against each
 * other and against a load generator's slow seconds.
 */
export interface SlowDiskOp {
  /** `fsync`: a background round (its files' fsyncs together); `unlink`: a removal on the thread pool. */
  readonly op: 'fsync' | 'unlink' | 'append' | 'file';
  /** When it started, in ms since the epoch. */
  readonly at: number;
  readonly ms: number;
  /**
   * fsync: the files in the round, the bytes appended for it, and how long it first waited for unlinks
   * (part of `ms`, which counts from when the round was due).
   */
  readonly files?: number;
  readonly bytes?: number;
  readonly waitedMs?: number;
}

/**
 * Upper bounds (ms) of the buckets `fsyncRoundsByMs` counts background rounds in: etcd's buckets for
 * its WAL fsyncs (`etcd_disk_wal_fsync_duration_seconds`, 1 ms doubling to 8.192 s), so that the two
 * disks' weather can be compared; a last bucket holds the rest.
 */
export const FSYNC_BUCKETS_MS: readonly number[] = Array.from({ length: 14 }, (_, k) => 2 ** k);

/** What counts as slow: several times a healthy fsync on an SSD, short of anything a client would miss. */
export const SLOW_OP_MS = 20;
/** The slow operations a disk remembers (the newest). */
const SLOW_OPS_KEPT = 64;

/** How far a disk's background fsyncs got, for whoever must not act before they end. */
export interface SyncProgress {
  /** The number of `sync()` calls so far. */
  readonly syncsRequested: number;
  /** How many of them are durable. */
  readonly syncsDurable: number;
  /** Called each time `syncsDurable` grows. */
  onDurable(listener: () => void): void;
}

export class RealDisk implements Disk, SyncProgress {
  private readonly appendFds = new Map<string, number>();
  private readonly dirty = new Set<string>();
  /** A rename (or, not pipelined, any change of the directory) that the next `sync()` fsyncs before it returns. */
  private directoryDirty = false;
  /** Pipelined mode: files created by an append or removed since the last background round. */
  private directoryChanged = false;
  private readonly pipelined: boolean;
  private readonly slowOpMs: number;
  /** Pipelined mode: `sync()` calls so far, and how many of them are durable. */
  private requestedSyncs = 0;
  private durableSyncs = 0;
  /** The fsync in flight covers syncs up to this number (0: none in flight). */
  private inFlightCovers = 0;
  /** Appended files whose data the next fsync must cover. */
  private readonly appendDirty = new Set<number>();
  /** Descriptors closed by the caller while an fsync on them was in flight: closed when it ends. */
  private readonly closeAfterFsync = new Set<number>();
  private readonly inFlightFds = new Set<number>();
  private readonly durableListeners: (() => void)[] = [];
  /** Background fsync rounds started (pipelined mode): fewer than syncs requested under load. */
  backgroundFsyncs = 0;
  /** The longest `sync()` that blocked the caller (whole-file fsyncs and the directory's), in ms. */
  longestBlockingSyncMs = 0;
  /** The longest background fsync round (pipelined mode), in ms: how long held messages can wait. */
  longestFsyncMs = 0;
  /** The longest append (a write to the page cache, which can wait for a running fsync's writeback). */
  longestAppendMs = 0;
  /**
   * The longest create, rename or removal on the caller's thread, in ms: a change to the directory
   * waits for the file system's journal, which a stalled disk can hold for as long as an fsync.
   */
  longestFileOpMs = 0;
  /** Pipelined mode: the longest unlink on the thread pool, in ms (what it kept off the event loop). */
  longestUnlinkMs = 0;
  /** Background rounds by duration: `fsyncRoundsByMs[k]` ended within `FSYNC_BUCKETS_MS[k]` (and above the one before). */
  readonly fsyncRoundsByMs: number[] = new Array<number>(FSYNC_BUCKETS_MS.length + 1).fill(0);
  /** The latest slow operations, oldest first once `slowOpsNext` wraps (a ring: `slowOps()` orders it). */
  private readonly slowOpsRing: SlowDiskOp[] = [];
  private slowOpsNext = 0;
  /** Bytes appended since the last background round started (what the next one makes durable). */
  private bytesSinceRound = 0;
  /** Pipelined mode: the generation each name is stored under when it is not 0 (see the file comment). */
  private readonly generations = new Map<string, number>();
  /** Pipelined mode: stored names whose unlink is running on the thread pool. */
  private readonly unlinking = new Set<string>();
  /** Pipelined mode: the rest of a background round that is due, run once the running unlinks end. */
  private afterUnlinks: (() => void) | undefined;
  private closed = false;

  constructor(
    readonly directory: string,
    options: RealDiskOptions = {},
  ) {
    mkdirSync(directory, { recursive: true });
    this.pipelined = options.pipelineAppends === true;
    this.slowOpMs = options.slowOpMs ?? SLOW_OP_MS;
    this.keepNewestGenerations();
    // A previous process may have died with appends not yet fsynced: still in the page cache, so this
    // one would read them and act on them as durable. Make them so before anyone reads.
    for (const name of readdirSync(directory)) this.fsyncFile(name);
    this.fsyncFile('.');
  }

  /** After a crash during an unlink, a name may be stored twice: the highest generation is the file. */
  private keepNewestGenerations(): void {
    const stored = new Map<string, { generation: number; file: string }[]>();
    for (const file of readdirSync(this.directory)) {
      const parsed = parseStored(file);
      if (parsed === undefined) continue;
      const { name, generation } = parsed;
      let files = stored.get(name);
      if (files === undefined) stored.set(name, (files = []));
      files.push({ generation, file });
    }
    for (const [name, files] of stored) {
      let newest = files[0] as { generation: number; file: string };
      for (const f of files) if (f.generation > newest.generation) newest = f;
      for (const f of files) if (f !== newest) rmSync(join(this.directory, f.file), { force: true });
      if (newest.generation > 0) this.generations.set(name, newest.generation);
    }
  }

  private fsyncFile(name: string): void {
    const fd = openSync(join(this.directory, name), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** The number of the latest `sync()`: data appended before it is durable once `durable()` reaches it. */
  get syncsRequested(): number {
    return this.requestedSyncs;
  }

  /** How many `sync()` calls are durable. Without pipelining, always all of them. */
  get syncsDurable(): number {
    return this.durableSyncs;
  }

  /** Calls `listener` every time more syncs become durable (pipelined mode). */
  onDurable(listener: () => void): void {
    this.durableListeners.push(listener);
  }

  /** Where `name` is stored now (its current generation). */
  private stored(name: string): string {
    if (
      name.length === 0 ||
      name.includes('/') ||
      name.includes('\\') ||
      name.includes('#') ||
      name === '.' ||
      name === '..'
    ) {
      throw new Error(`disk: invalid file name '${name}' (flat names only, no '#')`);
    }
    const generation = this.generations.get(name);
    return generation === undefined ? name : `${name}#${generation}`;
  }

  private path(name: string): string {
    return join(this.directory, this.stored(name));
  }

  /**
   * The path a file about to be created under `name` goes to: the next generation when the current
   * one is still being unlinked.
   */
  private pathToCreate(name: string): string {
    if (this.unlinking.has(this.stored(name)))
      this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    return this.path(name);
  }

  /** Gone for every reader from the moment `remove` is called, whether or not its unlink has ended. */
  private exists(name: string): boolean {
    const file = this.stored(name);
    return !this.unlinking.has(file) && existsSync(join(this.directory, file));
  }

  append(name: string, data: Uint8Array): void {
    let fd = this.appendFds.get(name);
    if (fd === undefined) {
      const opened = performance.now();
      if (!this.exists(name)) this.noteDirectoryChange();
      fd = openSync(this.pathToCreate(name), 'a');
      this.appendFds.set(name, fd);
      this.noteFileOp(opened);
    }
    const started = performance.now();
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    this.bytesSinceRound += data.length;
    const ms = performance.now() - started;
    this.longestAppendMs = Math.max(this.longestAppendMs, ms);
    this.noteSlow('append', started, ms);
    if (this.pipelined) this.appendDirty.add(fd);
    else this.dirty.add(name);
  }

  write(name: string, data: Uint8Array): void {
    this.closeAppend(name);
    if (!this.exists(name)) this.directoryDirty = true;
    const fd = openSync(this.pathToCreate(name), 'w');
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } finally {
      closeSync(fd);
    }
    this.dirty.add(name);
  }

  read(name: string): Uint8Array | undefined {
    if (!this.exists(name)) return undefined;
    const bytes = readFileSync(this.path(name));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  rename(from: string, to: string): void {
    this.closeAppend(from);
    this.closeAppend(to);
    // A file being unlinked is gone already, though renameSync could still find it.
    if (!this.exists(from)) throw new Error(`disk: cannot rename '${from}': no such file`);
    const started = performance.now();
    const source = this.path(from);
    renameSync(source, this.pathToCreate(to));
    this.noteFileOp(started);
    if (this.dirty.delete(from)) this.dirty.add(to);
    this.directoryDirty = true;
  }

  remove(name: string): void {
    this.closeAppend(name, false); // what it held no longer matters
    this.dirty.delete(name);
    if (!this.exists(name)) return;
    if (!this.pipelined) {
      const started = performance.now();
      rmSync(this.path(name), { force: true });
      this.noteFileOp(started);
      this.noteDirectoryChange();
      return;
    }
    const file = this.stored(name);
    this.unlinking.add(file);
    const started = performance.now();
    unlink(join(this.directory, file), (error) => {
      this.unlinking.delete(file);
      if (error && error.code !== 'ENOENT')
        throw new Error(`disk: unlink failed in ${this.directory}: ${error.message}`);
      const ms = performance.now() - started;
      this.longestUnlinkMs = Math.max(this.longestUnlinkMs, ms);
      this.noteSlow('unlink', started, ms);
      this.directoryChanged = true;
      if (this.closed) return; // its directory may be gone with it
      if (this.unlinking.size === 0) this.afterUnlinks?.();
    });
  }

  private noteFileOp(started: number): void {
    const ms = performance.now() - started;
    this.longestFileOpMs = Math.max(this.longestFileOpMs, ms);
    this.noteSlow('file', started, ms);
  }

  /** Remembers an operation begun at `started` (performance.now()) that took `ms`, if that is slow. */
  private noteSlow(
    op: SlowDiskOp['op'],
    started: number,
    ms: number,
    detail?: Omit<SlowDiskOp, 'op' | 'at' | 'ms'>,
  ): void {
    if (ms < this.slowOpMs) return;
    const at = Math.round(performance.timeOrigin + started);
    this.slowOpsRing[this.slowOpsNext] = { op, at, ms: Number(ms.toFixed(2)), ...detail };
    this.slowOpsNext = (this.slowOpsNext + 1) % SLOW_OPS_KEPT;
  }

  /** The latest slow operations (at most 64), oldest first. */
  slowOps(): SlowDiskOp[] {
    const ring = this.slowOpsRing;
    if (ring.length < SLOW_OPS_KEPT) return ring.slice();
    return [...ring.slice(this.slowOpsNext), ...ring.slice(0, this.slowOpsNext)];
  }

  /** A create or a remove: made durable by the next background round when pipelined, else by `sync()`. */
  private noteDirectoryChange(): void {
    if (this.pipelined) this.directoryChanged = true;
    else this.directoryDirty = true;
  }

  list(): string[] {
    const names: string[] = [];
    for (const file of readdirSync(this.directory)) {
      const parsed = parseStored(file);
      if (parsed === undefined || this.unlinking.has(file)) continue;
      if (this.stored(parsed.name) === file) names.push(parsed.name);
    }
    return names.sort();
  }

  sync(): void {
    this.requestedSyncs++;
    if (
      this.appendDirty.size === 0 &&
      !this.directoryChanged &&
      this.unlinking.size === 0 &&
      this.inFlightCovers === 0
    )
      this.durableSyncs = this.requestedSyncs;
    else if (this.inFlightCovers === 0) this.startFsync();
    // else: the fsync in flight started before this data was written; the next one (started when it
    // ends) covers it, together with every other sync() requested meanwhile.
    if (this.dirty.size === 0 && !this.directoryDirty) return;
    const started = performance.now();
    for (const name of this.dirty) {
      const open = this.appendFds.get(name);
      if (open !== undefined) fsyncSync(open);
      else if (this.exists(name)) this.fsyncFile(this.stored(name));
    }
    this.dirty.clear();
    if (this.directoryDirty) {
      this.fsyncFile('.');
      this.directoryDirty = false;
    }
    this.longestBlockingSyncMs = Math.max(this.longestBlockingSyncMs, performance.now() - started);
  }

  close(): void {
    this.closed = true;
    for (const fd of this.appendFds.values()) this.closeFd(fd);
    this.appendFds.clear();
  }

  /**
   * A background round: first the running unlinks end (the directory's fsync must come after the
   * unlinks it makes durable), then one fsync per dirty appended file, and of the directory when files
   * came or went, in parallel; when all end, the syncs requested before are durable. The round is in
   * flight from the start, so syncs requested while it waits share the next one.
   */
  private startFsync(): void {
    this.inFlightCovers = this.requestedSyncs;
    if (this.unlinking.size === 0) {
      this.fsyncRound(undefined);
      return;
    }
    const due = performance.now();
    this.afterUnlinks = () => {
      this.afterUnlinks = undefined;
      this.fsyncRound(due);
    };
  }

  /** The fsyncs of a round (`waitedFrom`: when it began to wait for unlinks, if it did). */
  private fsyncRound(waitedFrom: number | undefined): void {
    const bytes = this.bytesSinceRound;
    this.bytesSinceRound = 0;
    const fds = [...this.appendDirty];
    this.appendDirty.clear();
    if (this.directoryChanged) {
      const directory = openSync(this.directory, 'r');
      this.closeAfterFsync.add(directory);
      fds.push(directory);
      this.directoryChanged = false;
    }
    // A round with nothing to fsync would never end, and every sync after it would wait forever.
    invariant(fds.length > 0, 'a background round has something to fsync');
    const covers = this.requestedSyncs;
    this.inFlightCovers = covers;
    this.backgroundFsyncs++;
    const started = performance.now();
    let left = fds.length;
    for (const fd of fds) {
      this.inFlightFds.add(fd);
      fsync(fd, (error) => {
        this.inFlightFds.delete(fd);
        if (this.closeAfterFsync.delete(fd)) closeSync(fd);
        // A failed fsync leaves the data's fate unknown (PostgreSQL's "fsyncgate"): stop rather than
        // let a node acknowledge what may be gone.
        if (error) throw new Error(`disk: fsync failed in ${this.directory}: ${error.message}`);
        if (--left > 0) return;
        const ended = performance.now();
        const ms = ended - started;
        this.longestFsyncMs = Math.max(this.longestFsyncMs, ms);
        let bucket = 0;
        while (bucket < FSYNC_BUCKETS_MS.length && ms > (FSYNC_BUCKETS_MS[bucket] as number)) bucket++;
        (this.fsyncRoundsByMs[bucket] as number)++;
        this.noteSlow('fsync', waitedFrom ?? started, ended - (waitedFrom ?? started), {
          files: fds.length,
          bytes,
          waitedMs: waitedFrom === undefined ? 0 : Number((started - waitedFrom).toFixed(2)),
        });
        this.fsyncDone(covers);
      });
    }
  }

  private fsyncDone(covers: number): void {
    this.durableSyncs = covers;
    this.inFlightCovers = 0;
    if (this.requestedSyncs > covers) {
      if (this.appendDirty.size > 0 || this.directoryChanged || this.unlinking.size > 0) this.startFsync();
      else this.durableSyncs = this.requestedSyncs; // nothing appended since: already durable
    }
    for (const listener of this.durableListeners) listener();
  }

  private closeAppend(name: string, keepPromises = true): void {
    const fd = this.appendFds.get(name);
    if (fd !== undefined) {
      // keep durability promises across reopen
      if (keepPromises && (this.dirty.has(name) || this.appendDirty.has(fd))) fsyncSync(fd);
      this.appendDirty.delete(fd);
      this.closeFd(fd);
      this.appendFds.delete(name);
    }
  }

  /** Closes now, or when the fsync running on it ends (closing first could hand its number to another file). */
  private closeFd(fd: number): void {
    if (this.inFlightFds.has(fd)) this.closeAfterFsync.add(fd);
    else closeSync(fd);
  }
}

/**
 * The name a stored file holds and its generation (`name#3` → name, 3; a plain name is generation 0).
 * Undefined for a file no `RealDisk` wrote (a '#' not followed by a generation): it is left alone.
 */
function parseStored(file: string): { name: string; generation: number } | undefined {
  const hash = file.indexOf('#');
  if (hash < 0) return { name: file, generation: 0 };
  const digits = file.slice(hash + 1);
  const generation = Number(digits);
  if (hash === 0 || !/^[1-9][0-9]{0,14}$/.test(digits)) return undefined;
  return { name: file.slice(0, hash), generation };
}
