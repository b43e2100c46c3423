/**
 * Raft's durable state on `env.disk`:
 * - `meta`: term and vote, replaced atomically (temp file, fsync, rename);
 * - the log, in segments `log`, `log.1`, `log.2`… of binary records after a magic, each naming its
 *   index, so a record for an index that already exists truncates the tail (see `log-record.ts`);
 * - the latest snapshot, `snapshot.N`: the state machine at an index, and the records of the log after
 *   that index (its tail), in one file (`encodeSnapshot`). Segment N is the log that follows it.
 *
 * Compaction writes no file twice and renames nothing: the snapshot file and a new segment are appended
 * like the log, so on a disk that fsyncs in the background (`env.backgroundSync`, real mode) nothing
 * blocks the node. The older snapshot and segments are removed once the new snapshot is durable; until
 * then a crash finds them intact, and a torn new snapshot is passed over for them.
 *
 * Writes are buffered by the disk until `flush()`; the node flushes before it sends anything, so no
 * vote or acknowledgement ever leaves a node before the state behind it is durable.
 */
import type { BackgroundSync, Disk, NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import {
  DamagedSnapshot,
  LOG_MAGIC,
  SNAPSHOT_FRAME_ITEMS,
  SnapshotWriter,
  decodeSnapshotFile,
  encodeSnapshot,
  intactRecordAfter,
  joined,
  logRecord,
  logRecords,
  readRecord,
  type LogRecord,
  type SnapshotFile,
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
  /** Records dropped because the tail of the log was torn by a crash. */
  readonly tornRecords: number;
}

/** A snapshot being written a piece at a time (`RaftStorage.beginSnapshot`). */
export interface SnapshotInProgress {
  /** The segment it opens, and the number of its file. */
  readonly segment: number;
  readonly writer: SnapshotWriter;
}

/** The file of log segment `n` (the first is plain `log`, as before the log had segments). */
export function segmentName(n: number): string {
  return n === 0 ? 'log' : `log.${n}`;
}

/** The file of the snapshot that segment `n` follows (`snapshot` alone: written before segments). */
export function snapshotName(n: number): string {
  return n === 0 ? 'snapshot' : `snapshot.${n}`;
}

const SEGMENT_FILE = 'log';
const SNAPSHOT_FILE = 'snapshot';

/**
 * The number in a file name `stem` or `stem.N` (N: 1 to 15 digits, no leading zero), or -1 for any other
 * name. By hand rather than a regular expression: every compaction lists the files, and the matches
 * (an array and a string each) were most of its cost.
 */
function fileNumber(name: string, stem: string): number {
  const s = stem.length;
  if (!name.startsWith(stem)) return -1;
  if (name.length === s) return 0;
  const digits = name.length - s - 1;
  if (name.charCodeAt(s) !== 0x2e || digits < 1 || digits > 15 || name.charCodeAt(s + 1) === 0x30) return -1;
  let n = 0;
  for (let k = s + 1; k < name.length; k++) {
    const digit = name.charCodeAt(k) - 0x30;
    if (!(digit >= 0 && digit <= 9)) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/** The numbers of the files named `stem` or `stem.N`, in ascending order. */
function numbered(names: readonly string[], stem: string): number[] {
  const found: number[] = [];
  for (const name of names) {
    const n = fileNumber(name, stem);
    if (n >= 0) found.push(n);
  }
  return found.sort((a, b) => a - b);
}

const encoder = new TextEncoder();

const decoder = new TextDecoder();

export class RaftStorage {
  private dirty = false;
  /** A file was replaced (meta, a torn segment) whose rename is durable only after the next flush. */
  replacedSinceFlush = false;
  /** Log records appended since the last flush (shared, immutable bytes), written as one append. */
  private readonly pendingLog: Uint8Array[] = [];
  /** How many of `pendingLog`'s slots are pending (the array is reused, never shrunk: no length writes). */
  private pendingCount = 0;
  private pendingBytes = 0;
  /** The segment appends go to (undefined: not looked yet; the first write looks at the disk). */
  private segment: number | undefined;
  /** Whether that segment's file exists with its magic. */
  private segmentStarted = false;
  /**
   * The name of segment `segmentFileOf`, kept: a flush per message otherwise built the string anew, and
   * the disk hashed each new one to find the file.
   */
  private segmentFile = '';
  private segmentFileOf = -1;
  /**
   * A snapshot written and not yet known durable: the segment it opened, and the sync that covers it
   * (0: not synced yet). Once durable, every older snapshot and segment is removed.
   */
  private compaction: { readonly segment: number; covered: number } | undefined;

  constructor(
    private readonly disk: Disk,
    /** Mutant `forget-vote`: the vote is never written, so a restarted node can vote twice in a term. */
    private readonly forgetVote = false,
    /** The disk's background fsyncs, where it has them: old files may go only once the new ones are durable. */
    private readonly background?: Pick<BackgroundSync, 'syncsRequested' | 'syncsDurable'>,
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

  /**
   * Writes a snapshot with the entries after it (`after`, from `snapshot.lastIndex + 1`: all the log the
   * node keeps) and starts a new segment. Nothing is replaced or synced here: the next flush makes both
   * durable, and the files they supersede go once it has.
   */
  saveSnapshot(snapshot: StoredSnapshot, after: readonly Entry[]): void {
    const segment = this.currentSegment() + 1;
    const tail = logRecords(snapshot.lastIndex + 1, after);
    // (No file of that name exists: recovery keeps no snapshot numbered above the newest segment.)
    this.disk.append(snapshotName(segment), encodeSnapshot(snapshot, tail));
    this.opened(segment);
  }

  /**
   * Starts writing a snapshot a piece at a time: `continueSnapshot` writes the next pieces, and
   * `finishSnapshot` the log after it, once the node has compacted its log to it. Meanwhile the node
   * goes on as before; a crash leaves a damaged snapshot that recovery passes over.
   */
  beginSnapshot(snapshot: StoredSnapshot): SnapshotInProgress {
    const progress = { segment: this.currentSegment() + 1, writer: new SnapshotWriter(snapshot) };
    this.disk.append(snapshotName(progress.segment), progress.writer.begin());
    return progress;
  }

  /** Writes about `items` more pairs or sessions; false once they are all written. */
  continueSnapshot(progress: SnapshotInProgress, items: number): boolean {
    const writer = progress.writer;
    for (let left = items; left > 0 && writer.remaining > 0;) {
      const before = writer.remaining;
      this.disk.append(
        snapshotName(progress.segment),
        writer.next(Math.min(left, SNAPSHOT_FRAME_ITEMS)) as Uint8Array,
      );
      left -= before - writer.remaining;
    }
    return writer.remaining > 0;
  }

  /** Ends a snapshot begun with `beginSnapshot`, as `saveSnapshot` would have written it. */
  finishSnapshot(progress: SnapshotInProgress, after: readonly Entry[]): void {
    invariant(progress.writer.remaining === 0, 'a snapshot is finished once written', () => 'items left');
    invariant(
      progress.segment === this.currentSegment() + 1,
      'a snapshot in progress opens the next segment',
      () => `segment ${progress.segment}, current ${this.currentSegment()}`,
    );
    const tail = logRecords(progress.writer.snapshot.lastIndex + 1, after);
    this.disk.append(snapshotName(progress.segment), progress.writer.end(tail));
    this.opened(progress.segment);
  }

  /** Drops a snapshot in progress (an InstallSnapshot overtook it). */
  abandonSnapshot(progress: SnapshotInProgress): void {
    this.disk.remove(snapshotName(progress.segment));
  }

  /** A snapshot file for `segment` is written: appends go to that segment from now on. */
  private opened(segment: number): void {
    // Records not yet handed to the disk go to the old segment all the same, so that the segments join
    // up whatever becomes of the snapshot in a crash.
    this.writePendingLog();
    this.segment = segment;
    this.segmentStarted = false;
    this.compaction = { segment, covered: 0 };
    this.dirty = true;
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

  /** The segment appends go to; on a disk this storage has not recovered, the newest one there. */
  private currentSegment(): number {
    if (this.segment === undefined) {
      const names = this.disk.list();
      const segments = numbered(names, SEGMENT_FILE);
      const snapshots = numbered(names, SNAPSHOT_FILE);
      this.segment = Math.max(segments[segments.length - 1] ?? 0, snapshots[snapshots.length - 1] ?? 0);
      this.segmentStarted = this.disk.read(segmentName(this.segment)) !== undefined;
    }
    return this.segment;
  }

  /** Hands the records appended since the last flush to the disk, in one write. */
  private writePendingLog(): void {
    if (this.pendingCount === 0) return;
    const segment = this.currentSegment();
    if (segment !== this.segmentFileOf) {
      this.segmentFile = segmentName(segment);
      this.segmentFileOf = segment;
    }
    const name = this.segmentFile;
    const records = joined(this.pendingLog, this.pendingCount, this.pendingBytes);
    if (this.segmentStarted) this.disk.append(name, records);
    else {
      // A new file: the magic first (torn by a crash, it reads as an empty segment).
      this.disk.append(name, joined([LOG_MAGIC, records], 2, LOG_MAGIC.length + records.length));
      this.segmentStarted = true;
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
    if (this.compaction !== undefined && this.compaction.covered === 0)
      this.compaction.covered = this.background?.syncsRequested ?? 1;
    this.syncsEnded();
  }

  /**
   * Syncs became durable (`ServerState.syncsEnded`, as the disk reports it, and after each flush): once the
   * latest snapshot is, the snapshot and segments before it go.
   */
  syncsEnded(): void {
    const compaction = this.compaction;
    if (compaction === undefined || compaction.covered === 0) return;
    if (this.background !== undefined && this.background.syncsDurable < compaction.covered) return;
    this.compaction = undefined;
    const names = this.disk.list();
    for (const n of numbered(names, SNAPSHOT_FILE))
      if (n < compaction.segment) this.disk.remove(snapshotName(n));
    for (const n of numbered(names, SEGMENT_FILE))
      if (n < compaction.segment) this.disk.remove(segmentName(n));
  }

  recover(): Recovered {
    const metaBytes = this.disk.read('meta');
    const meta = metaBytes
      ? (JSON.parse(decoder.decode(metaBytes)) as { term: number; vote: NodeId | null })
      : { term: 0, vote: null };
    const names = this.disk.list();
    const snapshots = numbered(names, SNAPSHOT_FILE);
    const all = numbered(names, SEGMENT_FILE);
    const { file, from, damaged } = this.newestSnapshot(snapshots);
    const snapshot = file?.snapshot;
    const base = snapshot?.lastIndex ?? 0;
    const until = damaged.length > 0 ? (damaged[damaged.length - 1] as number) : Infinity;
    if (damaged.length > 0) this.checkPassedOver(damaged, file !== undefined, all);
    const entries: Entry[] = [];
    const take = (record: LogRecord): void => {
      if (record.i <= base) return; // already inside the snapshot
      const position = record.i - base - 1;
      if (position > entries.length) {
        const why =
          damaged.length > 0 ? `${snapshotName(damaged[0] as number)} is damaged` : 'none is damaged';
        throw new Error(
          `raft log: after index ${base + entries.length} the log resumes at ${record.i}, so a snapshot ` +
            `file is missing or was damaged after it became durable (${why}); refusing to start`,
        );
      }
      if (position < entries.length) entries.length = position; // an existing index truncates the tail
      entries.push(record.e);
    };
    if (file !== undefined) for (const record of file.tail) take(record);
    const segments = all.filter((n) => n >= from && n < until);
    const { cut, torn } = this.readSegments(segments, take);
    // Whatever this life will not read: other snapshots, segments before the snapshot or after the cut.
    const last = cut?.segment ?? segments[segments.length - 1];
    let removed = false;
    const remove = (name: string): void => {
      this.disk.remove(name);
      removed = true;
    };
    for (const n of snapshots) if (file === undefined || n !== from) remove(snapshotName(n));
    for (const n of all) if (n < from || n > (last ?? from)) remove(segmentName(n));
    this.segment = last ?? from;
    this.segmentStarted = last !== undefined;
    if (cut !== undefined) this.replaceAtomically(segmentName(cut.segment), cut.bytes);
    if (removed) this.dirty = true;
    this.flush();
    return { term: meta.term, vote: meta.vote, snapshot, entries, tornRecords: torn };
  }

  /**
   * Hands every intact record of `segments` to `take`, in order, up to the first torn or flipped one (or
   * a magic cut short), whose segment is then to be cut there (`cut`: the bytes to keep).
   */
  private readSegments(
    segments: readonly number[],
    take: (record: LogRecord) => void,
  ): { cut: { readonly segment: number; readonly bytes: Uint8Array } | undefined; torn: number } {
    for (let k = 0; k < segments.length; k++) {
      const n = segments[k] as number;
      const bytes = this.disk.read(segmentName(n)) as Uint8Array;
      const head = Math.min(bytes.length, LOG_MAGIC.length);
      for (let b = 0; b < head; b++) {
        if (bytes[b] !== LOG_MAGIC[b])
          throw new Error(
            `raft log: ${segmentName(n)} does not start with this format's magic; refusing to start`,
          );
      }
      let offset = head;
      for (let read = readRecord(bytes, offset); read; read = readRecord(bytes, offset)) {
        offset = read.next;
        take(read.record);
      }
      if (offset === bytes.length && head === LOG_MAGIC.length) continue;
      // A torn or flipped record, or a magic cut short. At the tail of the log it is a crash mid-append:
      // nothing after it was ever acknowledged, so it is cut off. Followed by an intact record, here or in
      // a later segment (every sync covers all segments, and a later one is written only after this one),
      // it is corruption of data that may have been acknowledged: refuse to start rather than serve a log
      // with a hole.
      if (intactRecordAfter(bytes, offset) || this.laterRecords(segments.slice(k + 1))) {
        throw new Error(
          `raft log: the record at byte ${offset} of ${segmentName(n)} is corrupt and later records are intact; refusing to start`,
        );
      }
      const bytesKept = offset >= LOG_MAGIC.length ? bytes.slice(0, offset) : LOG_MAGIC;
      return { cut: { segment: n, bytes: bytesKept }, torn: offset < bytes.length ? 1 : 0 };
    }
    return { cut: undefined, torn: 0 };
  }

  /**
   * The newest intact snapshot and the segment that follows it, and the damaged ones newer than it
   * (newest first). A damaged one is passed over: a crash cut it short before it was durable, and the
   * files it was to replace are still there. (Had it been durable, with a bit flipped since, those files
   * would be gone and the log would not join up: `recover` refuses.)
   */
  private newestSnapshot(snapshots: readonly number[]): {
    file: SnapshotFile | undefined;
    from: number;
    damaged: number[];
  } {
    const damaged: number[] = [];
    for (let k = snapshots.length - 1; k >= 0; k--) {
      const n = snapshots[k] as number;
      try {
        return { file: decodeSnapshotFile(this.disk.read(snapshotName(n)) as Uint8Array), from: n, damaged };
      } catch (error) {
        if (!(error instanceof DamagedSnapshot)) throw error;
        damaged.push(n);
      }
    }
    return { file: undefined, from: 0, damaged };
  }

  /**
   * A damaged snapshot may be passed over only if it never became durable: then the files it was to
   * replace are still there (an older snapshot or segment), and the segments it opened hold no intact
   * record (any sync covering one covered the snapshot too). Otherwise it was durable and damaged since,
   * and what it held exists nowhere else. One case cannot be told apart and is refused all the same: a
   * node whose first write was that snapshot (an InstallSnapshot), cut short by a power loss.
   */
  private checkPassedOver(
    damaged: readonly number[],
    olderSnapshot: boolean,
    segments: readonly number[],
  ): void {
    const oldest = damaged[damaged.length - 1] as number;
    const names = damaged.map(snapshotName).join(', ');
    if (this.laterRecords(segments.filter((n) => n >= oldest)))
      throw new Error(
        `raft snapshot: ${names} is damaged, yet the log written after it was synced; refusing to start`,
      );
    if (!olderSnapshot && !segments.some((n) => n < oldest))
      throw new Error(
        `raft snapshot: ${names} is damaged and nothing older is left to recover from; refusing to start`,
      );
  }

  /** Whether any of `segments` holds an intact record. */
  private laterRecords(segments: readonly number[]): boolean {
    for (const n of segments) {
      const bytes = this.disk.read(segmentName(n)) as Uint8Array;
      if (bytes.length > LOG_MAGIC.length && intactRecordAfter(bytes, LOG_MAGIC.length - 1)) return true;
    }
    return false;
  }
}
