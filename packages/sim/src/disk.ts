/**
 * The simulated disk behind `env.disk`. Two views of the same files:
 * - volatile: what the node reads and writes (the OS page cache);
 * - durable: what survives a crash (what the last sync() flushed).
 * A file is a list of immutable chunks; appends push chunks, so the durable view of a file can keep
 * a prefix by count without copying. Optional faults: a torn last append on crash, and bit flips in
 * durable data (only checksums in the node's own format can detect them — as on a real disk).
 */
import type { Disk } from './env';
import type { Rng } from './rng';

class FileData {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  private joined: Uint8Array | undefined;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    this.joined = undefined;
  }

  bytes(): Uint8Array {
    if (this.joined) return this.joined;
    if (this.chunks.length === 1) return (this.joined = this.chunks[0] as Uint8Array);
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    this.joined = out;
    return out;
  }

  /** A new file holding the first `count` chunks, optionally with a torn prefix of the next one. */
  prefix(count: number, tornBytes?: Uint8Array): FileData {
    const copy = new FileData();
    for (let i = 0; i < count; i++) copy.push(this.chunks[i] as Uint8Array);
    if (tornBytes && tornBytes.length > 0) copy.push(tornBytes);
    return copy;
  }
}

interface DurableEntry {
  readonly file: FileData;
  /** Grows in place when a sync makes more of the same file durable (a sync per message is common). */
  chunkCount: number;
}

export interface DiskFaults {
  /** On crash, keep a random prefix of the first unsynced append of each file (a torn write). */
  readonly tornWrites?: boolean;
}

export interface DiskStats {
  appends: number;
  writes: number;
  syncs: number;
  bytesWritten: number;
}

export class SimDisk implements Disk {
  private volatile = new Map<string, FileData>();
  private durable = new Map<string, DurableEntry>();
  /**
   * Names changed since the last sync, in the order first changed (the order syncs record them in, which
   * a crash's torn writes draw by): the first in `firstDirty`, the others in `dirty`. A node usually
   * changes one file between syncs (an append to its log per message), and then no set is touched.
   */
  private firstDirty: string | undefined;
  private dirty = new Set<string>();
  readonly stats: DiskStats = { appends: 0, writes: 0, syncs: 0, bytesWritten: 0 };
  faults: DiskFaults;

  constructor(faults: DiskFaults = {}) {
    this.faults = faults;
  }

  append(name: string, data: Uint8Array): void {
    let file = this.volatile.get(name);
    if (!file) {
      checkName(name); // (a file that exists has a valid name: every way to make one checks it)
      file = new FileData();
      this.volatile.set(name, file);
    }
    file.push(data); // kept as given: the Disk contract forbids changing a buffer once it is handed over
    this.markDirty(name);
    this.stats.appends++;
    this.stats.bytesWritten += data.length;
  }

  write(name: string, data: Uint8Array): void {
    checkName(name);
    const file = new FileData();
    file.push(data);
    this.volatile.set(name, file);
    this.markDirty(name);
    this.stats.writes++;
    this.stats.bytesWritten += data.length;
  }

  read(name: string): Uint8Array | undefined {
    return this.volatile.get(name)?.bytes();
  }

  rename(from: string, to: string): void {
    checkName(to);
    const file = this.volatile.get(from);
    if (!file) throw new Error(`disk.rename: no file '${from}'`);
    this.volatile.delete(from);
    this.volatile.set(to, file);
    this.markDirty(from);
    this.markDirty(to);
  }

  remove(name: string): void {
    if (this.volatile.delete(name)) this.markDirty(name);
  }

  list(): string[] {
    return [...this.volatile.keys()].sort();
  }

  sync(): void {
    if (this.firstDirty !== undefined) {
      this.syncFile(this.firstDirty);
      this.firstDirty = undefined;
    }
    if (this.dirty.size > 0) {
      // forEach, not for…of: a node syncs before every message it sends, and the iterator was garbage.
      this.dirty.forEach(this.syncFile, this);
      this.dirty.clear();
    }
    this.stats.syncs++;
  }

  private markDirty(name: string): void {
    if (this.firstDirty === undefined) this.firstDirty = name;
    else if (name !== this.firstDirty) this.dirty.add(name);
  }

  /** Makes `name` durable as it is now (or its removal). */
  private syncFile(name: string): void {
    const file = this.volatile.get(name);
    const durable = this.durable.get(name);
    if (file && durable?.file === file) durable.chunkCount = file.chunks.length;
    else if (file) this.durable.set(name, { file, chunkCount: file.chunks.length });
    else this.durable.delete(name);
  }

  /** Bytes written since the last sync, per file (what a crash would lose). */
  unsyncedBytes(): number {
    let total = 0;
    const dirty = this.firstDirty === undefined ? [...this.dirty] : [this.firstDirty, ...this.dirty];
    for (const name of dirty) {
      const file = this.volatile.get(name);
      const durable = this.durable.get(name);
      if (!file) continue;
      if (durable && durable.file === file) {
        for (let i = durable.chunkCount; i < file.chunks.length; i++)
          total += (file.chunks[i] as Uint8Array).length;
      } else total += file.length;
    }
    return total;
  }

  /** The crash: the volatile view becomes what was durable. `rng` decides torn writes. */
  crash(rng: Rng): void {
    const next = new Map<string, FileData>();
    for (const [name, entry] of this.durable) {
      let torn: Uint8Array | undefined;
      const live = this.volatile.get(name);
      if (this.faults.tornWrites && live === entry.file && entry.file.chunks.length > entry.chunkCount) {
        const pending = entry.file.chunks[entry.chunkCount] as Uint8Array;
        torn = pending.subarray(0, rng.int(pending.length + 1)).slice();
      }
      next.set(name, entry.file.prefix(entry.chunkCount, torn));
    }
    this.volatile = next;
    this.durable = new Map([...next].map(([name, file]) => [name, { file, chunkCount: file.chunks.length }]));
    this.firstDirty = undefined;
    this.dirty.clear();
  }

  /**
   * Flips one bit of durable data at byte `offset` of `name` (bit rot, a misdirected write).
   * Both views see it: the page cache is assumed to be re-read from disk.
   */
  corrupt(name: string, offset: number, bit = 0): void {
    const entry = this.durable.get(name);
    if (!entry) throw new Error(`disk.corrupt: no durable file '${name}'`);
    const bytes = entry.file.prefix(entry.chunkCount).bytes().slice();
    if (offset < 0 || offset >= bytes.length)
      throw new RangeError(`disk.corrupt: offset ${offset} outside '${name}'`);
    bytes[offset] = (bytes[offset] as number) ^ (1 << (bit & 7));
    const file = new FileData();
    file.push(bytes);
    this.durable.set(name, { file, chunkCount: 1 });
    this.volatile.set(name, file);
  }

  /** Plain data for the lab: each file's volatile and durable length. */
  snapshot(): { name: string; bytes: number; durableBytes: number }[] {
    const names = new Set([...this.volatile.keys(), ...this.durable.keys()]);
    return [...names].sort().map((name) => {
      const entry = this.durable.get(name);
      let durableBytes = 0;
      if (entry)
        for (let i = 0; i < entry.chunkCount; i++)
          durableBytes += (entry.file.chunks[i] as Uint8Array).length;
      return { name, bytes: this.volatile.get(name)?.length ?? 0, durableBytes };
    });
  }
}

function checkName(name: string): void {
  if (name.length === 0 || name.includes('/') || name === '.' || name === '..') {
    throw new Error(`disk: invalid file name '${name}' (flat names only, no '/')`);
  }
}
