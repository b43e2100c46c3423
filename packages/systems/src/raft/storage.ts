/**
 * Raft's durable state on `env.disk`: term and vote (`meta`, replaced atomically), the log (`log`, binary
 * records after a magic, each naming its index, so a record for an index that already exists truncates
 * the tail; see `log-record.ts`), and the latest snapshot (`snapshot`, binary too, replaced atomically).
 * Writes are buffered by the disk until `flush()`; the node flushes before it sends anything, so no
 * vote or acknowledgement ever leaves a node before the state behind it is durable.
 */
import type { Disk, NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import {
  LOG_MAGIC,
  decodeSnapshot,
  encodeSnapshot,
  intactRecordAfter,
  joined,
  logRecord,
  logRecords,
  readRecord,
} from './log-record';
import type { Entry, SnapshotData } from './types';

export interface StoredSnapshot {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly voters: readonly NodeId[];
  readonly data: SnapshotData;
}

export interface Recovered {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly snapshot: StoredSnapshot | undefined;
  /** Entries after the snapshot, in order, starting at snapshot.lastIndex + 1. */
  readonly entries: readonly Entry[];
  /** Records dropped because the tail of the log file was torn by a crash. */
  readonly tornRecords: number;
}

const encoder = new TextEncoder();

const decoder = new TextDecoder();

export class RaftStorage {
  private dirty = false;
  /** A file was replaced (meta, snapshot, log rewrite) whose rename is durable only after the next flush. */
  replacedSinceFlush = false;
  /** Log records appended since the last flush (shared, immutable bytes), written as one append. */
  private readonly pendingLog: Uint8Array[] = [];
  /** How many of `pendingLog`'s slots are pending (the array is reused, never shrunk: no length writes). */
  private pendingCount = 0;
  private pendingBytes = 0;
  /** Whether the log file exists with its magic (undefined: not looked yet; the first append looks). */
  private logStarted: boolean | undefined;

  constructor(
    private readonly disk: Disk,
    /** Mutant `forget-vote`: the vote is never written, so a restarted node can vote twice in a term. */
    private readonly forgetVote = false,
  ) {}

  saveMeta(term: number, vote: NodeId | null): void {
    const record = { term, vote: this.forgetVote ? null : vote };
    this.replaceAtomically('meta', encoder.encode(JSON.stringify(record)));
  }

  /** Appends `entries[from…]` at `firstIndex` on (the offset spares callers a copy of the array). */
  appendEntries(firstIndex: number, entries: readonly Entry[], from = 0): void {
    if (entries.length <= from) return;
    for (let k = from; k < entries.length; k++) {
      const record = logRecord(firstIndex + k - from, entries[k] as Entry);
      this.pendingLog[this.pendingCount++] = record;
      this.pendingBytes += record.length;
    }
    this.dirty = true;
  }

  /** Appends one entry at `index` (a leader's own). */
  appendEntry(index: number, entry: Entry): void {
    const record = logRecord(index, entry);
    this.pendingLog[this.pendingCount++] = record;
    this.pendingBytes += record.length;
    this.dirty = true;
  }

  /** Writes a snapshot and rewrites the log with only the entries after it. */
  saveSnapshot(snapshot: StoredSnapshot, after: readonly Entry[]): void {
    this.replaceAtomically('snapshot', encodeSnapshot(snapshot));
    this.rewriteLog(snapshot.lastIndex + 1, after);
  }

  private rewriteLog(firstIndex: number, entries: readonly Entry[]): void {
    this.pendingCount = 0; // those records are among `entries`
    this.pendingBytes = 0;
    const records = logRecords(firstIndex, entries);
    records.unshift(LOG_MAGIC);
    let length = 0;
    for (const record of records) length += record.length;
    this.replaceAtomically('log', joined(records, records.length, length));
    this.logStarted = true;
  }

  /**
   * Temp file, sync, rename, (sync at the next flush): a crash leaves the old file or the new one,
   * never a renamed file whose contents did not reach the disk.
   */
  private replaceAtomically(name: string, bytes: Uint8Array): void {
    this.writePendingLog();
    this.disk.write(`${name}.tmp`, bytes);
    this.disk.sync();
    this.disk.rename(`${name}.tmp`, name);
    this.dirty = true;
    this.replacedSinceFlush = true;
  }

  /** Hands the records appended since the last flush to the disk, in one write. */
  private writePendingLog(): void {
    if (this.pendingCount === 0) return;
    this.logStarted ??= this.disk.read('log') !== undefined;
    const records = joined(this.pendingLog, this.pendingCount, this.pendingBytes);
    if (this.logStarted) this.disk.append('log', records);
    else {
      // A new file: the magic first (torn by a crash, it reads as an empty log).
      this.disk.append('log', joined([LOG_MAGIC, records], 2, LOG_MAGIC.length + records.length));
      this.logStarted = true;
    }
    this.pendingCount = 0;
    this.pendingBytes = 0;
  }

  /** Makes everything written so far durable; a no-op when nothing changed. */
  flush(): void {
    if (!this.dirty) return;
    this.writePendingLog();
    this.disk.sync();
    this.dirty = false;
    this.replacedSinceFlush = false;
  }

  recover(): Recovered {
    const metaBytes = this.disk.read('meta');
    const meta = metaBytes
      ? (JSON.parse(decoder.decode(metaBytes)) as { term: number; vote: NodeId | null })
      : { term: 0, vote: null };
    const snapshotBytes = this.disk.read('snapshot');
    const snapshot = snapshotBytes ? decodeSnapshot(snapshotBytes) : undefined;
    const base = snapshot?.lastIndex ?? 0;
    const entries: Entry[] = [];
    let torn = 0;
    const logBytes = this.disk.read('log');
    if (logBytes) {
      const head = Math.min(logBytes.length, LOG_MAGIC.length);
      for (let k = 0; k < head; k++) {
        if (logBytes[k] !== LOG_MAGIC[k])
          throw new Error("raft log: the file does not start with this format's magic; refusing to start");
      }
      let offset = head;
      while (offset < logBytes.length) {
        const read = readRecord(logBytes, offset);
        if (!read) {
          // A torn or flipped record. At the tail it is a crash mid-append: nothing after it was ever
          // acknowledged, so it is cut off. Followed by an intact record it is corruption of data that
          // may have been acknowledged: refuse to start rather than serve a log with a hole.
          if (intactRecordAfter(logBytes, offset)) {
            throw new Error(
              `raft log: the record at byte ${offset} is corrupt and later records are intact; refusing to start`,
            );
          }
          torn = 1;
          break;
        }
        offset = read.next;
        const record = read.record;
        if (record.i <= base) continue; // already inside the snapshot
        const position = record.i - base - 1;
        invariant(position <= entries.length, 'log file order', () => `record ${record.i} leaves a gap`);
        if (position < entries.length) entries.length = position; // an existing index truncates the tail
        entries.push(record.e);
      }
      // A torn record, or a magic cut short by a crash while the file was new: rewrite what is intact.
      if (torn > 0 || head < LOG_MAGIC.length) this.rewriteLog(base + 1, entries);
      else this.logStarted = true;
    } else this.logStarted = false;
    this.flush();
    return { term: meta.term, vote: meta.vote, snapshot, entries, tornRecords: torn };
  }
}
