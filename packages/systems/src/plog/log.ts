/**
 * One replica's log of one partition: records in segments, the leader-epoch cache used to find where a
 * follower diverged, the idempotent producers' sequence state, retention and compaction. Pure data:
 * the broker decides when each of these runs.
 */
import { invariant } from '@dslab/sim';

export interface LogRecord {
  readonly offset: number;
  readonly key: string | null;
  /** Null is a tombstone: it deletes its key when the topic is compacted. */
  readonly value: string | null;
  /** The leader epoch of the leader that appended it. */
  readonly epoch: number;
  /** Append time on the leader (retention by time and tombstone expiry use it). */
  readonly timestamp: number;
  /** Idempotent producer id and this record's sequence number, when the producer has one. */
  readonly producerId?: number;
  readonly sequence?: number;
  /** The producer's epoch (transactional producers; 0 when absent). Markers carry the coordinator's. */
  readonly producerEpoch?: number;
  /** Written inside a transaction (KIP-98): hidden from read_committed consumers until its marker. */
  readonly transactional?: boolean;
  /** Which of its producer's transactions a transactional record or a marker belongs to (the coordinator's count). */
  readonly txnSeq?: number;
  /** A transaction marker (control record), never handed to the application. */
  readonly control?: 'commit' | 'abort';
}

export interface RetentionPolicy {
  /** Closed segments whose newest record is older than this are deleted (retention.ms). */
  readonly retentionMs: number;
  /** While the log holds more records than this, its oldest closed segment is deleted (retention.bytes, counted in records). */
  readonly retentionRecords: number;
}

export interface CompactionPolicy {
  /** The cleaner runs only when dirty records are at least this share of the closed segments (min.cleanable.dirty.ratio). */
  readonly minCleanableRatio: number;
  /** A tombstone survives this long after the cleaner first sees it (delete.retention.ms). */
  readonly deleteRetentionMs: number;
}

/** A batch the producer state has seen: duplicates inside the window are answered with the first offsets. */
interface ProducerBatch {
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly firstOffset: number;
}

interface ProducerEntry {
  /** The newest producer epoch seen (KIP-98): batches of an older one are fenced. */
  epoch: number;
  lastSequence: number;
  /** Offset of this producer's last transaction marker, or -1, and the transaction it ended. */
  lastMarker: number;
  lastMarkerSeq: number;
  /** The last `PRODUCER_WINDOW` batches (max.in.flight.requests.per.connection = 5 with idempotence). */
  readonly batches: ProducerBatch[];
}

/** The broker keeps the last five batches of each producer: the idempotent producer's in-flight limit. */
export const PRODUCER_WINDOW = 5;

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  | { readonly kind: 'out-of-order'; readonly expected: number }
  /** Below the window: a batch written long ago. */
  | { readonly kind: 'old' }
  /** An older producer epoch than the log has seen: a zombie or a timed-out transaction's producer. */
  | { readonly kind: 'fenced'; readonly current: number };

export class PartitionLog {
  private records: LogRecord[] = [];
  /** First offset of each segment; the last one is the active segment. */
  private segments: number[] = [0];
  /** (epoch, first offset written in it), ascending: Kafka's leader-epoch checkpoint. */
  private epochs: { epoch: number; start: number }[] = [];
  private producers = new Map<number, ProducerEntry>();
  /** Offset below which the cleaner has already compacted. */
  private cleanedTo = 0;
  /** When the cleaner first kept each tombstone (offset → time). */
  private readonly tombstoneSeen = new Map<number, number>();
  private nextOffset = 0;
  /** Open transactions: producer id → first offset (the last stable offset cannot pass it) and which transaction. */
  private openTransactions = new Map<number, { first: number; seq: number }>();
  /** Aborted transactions' ranges: read_committed consumers skip their records. */
  private aborted: { producerId: number; first: number; last: number }[] = [];
  logStart = 0;
  /** Records removed by retention and by compaction, for the scenarios. */
  removedByRetention = 0;
  removedByCompaction = 0;
  cleanerRuns = 0;

  constructor(readonly segmentRecords: number) {
    invariant(segmentRecords >= 1, 'segment-size', () => `segment of ${segmentRecords} records`);
  }

  /** Log end offset: the offset the next record gets. */
  get endOffset(): number {
    return this.nextOffset;
  }

  get size(): number {
    return this.records.length;
  }

  get lastEpoch(): number {
    return this.epochs.length === 0 ? -1 : (this.epochs[this.epochs.length - 1] as { epoch: number }).epoch;
  }

  get activeSegmentStart(): number {
    return this.segments[this.segments.length - 1] as number;
  }

  /** Appends records at the end; their offsets must continue the log. */
  append(records: readonly LogRecord[]): void {
    for (const record of records) {
      invariant(
        record.offset >= this.nextOffset,
        'log-offsets-ascend',
        () => `append ${record.offset} at end ${this.nextOffset}`,
      );
      if (record.epoch > this.lastEpoch) this.epochs.push({ epoch: record.epoch, start: record.offset });
      if (record.offset - this.activeSegmentStart >= this.segmentRecords) this.segments.push(record.offset);
      this.records.push(record);
      this.nextOffset = record.offset + 1;
      this.trackProducer(record);
      this.trackTransaction(record);
    }
  }

  private trackProducer(record: LogRecord): void {
    const producerId = record.producerId;
    if (producerId === undefined) return;
    const epoch = record.producerEpoch ?? 0;
    let entry = this.producers.get(producerId);
    if (!entry)
      this.producers.set(
        producerId,
        (entry = { epoch, lastSequence: -1, lastMarker: -1, lastMarkerSeq: -1, batches: [] }),
      );
    // A newer epoch starts the producer's sequence numbers again at 0.
    if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.lastSequence = -1;
      entry.batches.length = 0;
    }
    if (record.control !== undefined) {
      entry.lastMarker = record.offset;
      entry.lastMarkerSeq = Math.max(entry.lastMarkerSeq, record.txnSeq ?? -1);
    }
    // A fenced epoch's record (only a mutant lets one in) does not move the current epoch's sequences.
    else if (record.sequence !== undefined && epoch === entry.epoch)
      this.track(entry, record, record.sequence);
  }

  private track(entry: ProducerEntry, record: LogRecord, sequence: number): void {
    const last = entry.batches[entry.batches.length - 1];
    // Records of one producer written back to back extend its last run; another producer's records in
    // between start a new one. Five runs are kept: at least the last five batches, as Kafka keeps.
    if (
      last &&
      last.lastSequence + 1 === sequence &&
      record.offset === last.firstOffset + (sequence - last.firstSequence)
    )
      entry.batches[entry.batches.length - 1] = { ...last, lastSequence: sequence };
    else {
      entry.batches.push({ firstSequence: sequence, lastSequence: sequence, firstOffset: record.offset });
      if (entry.batches.length > PRODUCER_WINDOW) entry.batches.shift();
    }
    entry.lastSequence = sequence;
  }

  private trackTransaction(record: LogRecord): void {
    const producerId = record.producerId;
    if (producerId === undefined) return;
    if (record.control !== undefined) {
      const open = this.openTransactions.get(producerId);
      if (open === undefined) return;
      const first = open.first;
      this.openTransactions.delete(producerId);
      if (record.control === 'abort') this.aborted.push({ producerId, first, last: record.offset });
    } else if (record.transactional && !this.openTransactions.has(producerId))
      this.openTransactions.set(producerId, { first: record.offset, seq: record.txnSeq ?? -1 });
  }

  openTransactionCount(): number {
    return this.openTransactions.size;
  }

  hasOpenTransaction(producerId: number): boolean {
    return this.openTransactions.has(producerId);
  }

  /** The transaction a producer has open here (its first offset and number), if any. */
  openTransaction(producerId: number): { readonly first: number; readonly seq: number } | undefined {
    return this.openTransactions.get(producerId);
  }

  /** The transaction number of the producer's last marker here, or -1. */
  lastMarkerSeq(producerId: number): number {
    return this.producers.get(producerId)?.lastMarkerSeq ?? -1;
  }

  /** The last stable offset: below the first record of any open transaction, and below the high watermark. */
  lastStableOffset(highWatermark: number): number {
    let lso = highWatermark;
    for (const open of this.openTransactions.values()) if (open.first < lso) lso = open.first;
    return lso;
  }

  /** The record belongs to a transaction that aborted. */
  isAborted(record: LogRecord): boolean {
    if (!record.transactional || record.producerId === undefined) return false;
    for (const range of this.aborted)
      if (
        range.producerId === record.producerId &&
        record.offset >= range.first &&
        record.offset <= range.last
      )
        return true;
    return false;
  }

  /** The newest epoch this log has seen of a producer (-1 when none). */
  producerEpoch(producerId: number): number {
    return this.producers.get(producerId)?.epoch ?? -1;
  }

  /** Offset of the producer's last transaction marker in this log, or -1. */
  lastMarker(producerId: number): number {
    return this.producers.get(producerId)?.lastMarker ?? -1;
  }

  /**
   * Where a producer's batch starting at `firstSequence` belongs: fenced (an older epoch), append,
   * duplicate of a recent batch, or a gap. A newer epoch than the log's starts at sequence 0.
   */
  checkSequence(producerId: number, firstSequence: number, forgetUnknown: boolean, epoch = 0): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (entry && epoch < entry.epoch) return { kind: 'fenced', current: entry.epoch };
    if (entry && epoch > entry.epoch)
      return firstSequence === 0 ? { kind: 'append' } : { kind: 'out-of-order', expected: 0 };
    if (!entry || entry.lastSequence < 0) {
      // A producer the log has never seen must start at 0, or its earlier batches were lost.
      return firstSequence === 0 || forgetUnknown
        ? { kind: 'append' }
        : { kind: 'out-of-order', expected: 0 };
    }
    for (const run of entry.batches)
      if (firstSequence >= run.firstSequence && firstSequence <= run.lastSequence)
        return { kind: 'duplicate', firstOffset: run.firstOffset + (firstSequence - run.firstSequence) };
    if (firstSequence === entry.lastSequence + 1) return { kind: 'append' };
    if (firstSequence <= entry.lastSequence) return { kind: 'old' };
    return { kind: 'out-of-order', expected: entry.lastSequence + 1 };
  }

  /** Drops every producer's sequence state (what a broker that does not rebuild it on restart has). */
  forgetProducers(): void {
    this.producers = new Map();
  }

  /** Records from `offset` on (at most `max`, and below `below`). */
  read(offset: number, max: number, below = this.nextOffset): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = this.indexOf(offset); i < this.records.length && out.length < max; i++) {
      const record = this.records[i] as LogRecord;
      if (record.offset >= below) break;
      out.push(record);
    }
    return out;
  }

  /** Index of the first record at or after `offset` (binary search: offsets ascend, with gaps after compaction). */
  private indexOf(offset: number): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as LogRecord).offset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  recordAt(offset: number): LogRecord | undefined {
    const record = this.records[this.indexOf(offset)];
    return record?.offset === offset ? record : undefined;
  }

  /**
   * The end of `epoch` in this log: the start of the first later epoch, or the log end when `epoch` is
   * the latest. A follower whose last epoch is `epoch` keeps only what lies below it (KIP-101).
   */
  endOffsetFor(epoch: number): number {
    for (const entry of this.epochs) if (entry.epoch > epoch) return entry.start;
    return this.nextOffset;
  }

  /**
   * The latest epoch at or below `epoch` this log has, and where it ends (the start of the next epoch,
   * or the log end): the leader's answer to a follower whose last epoch is `epoch` (KIP-101, KIP-279).
   */
  epochEndFor(epoch: number): { epoch: number; endOffset: number } {
    let found = -1;
    for (const entry of this.epochs) {
      if (entry.epoch > epoch) return { epoch: found, endOffset: found < 0 ? this.logStart : entry.start };
      found = entry.epoch;
    }
    return { epoch: found, endOffset: found < 0 ? this.logStart : this.nextOffset };
  }

  /** Empties the log and starts it at `offset` (a follower behind its leader's log start, after retention). */
  resetTo(offset: number): void {
    this.records = [];
    this.segments = [offset];
    this.epochs = [];
    this.producers = new Map();
    this.openTransactions = new Map();
    this.aborted = [];
    this.nextOffset = offset;
    this.logStart = offset;
    this.cleanedTo = offset;
  }

  /** Removes every record at or above `offset` (a follower's log diverged from its leader's there). */
  truncateTo(offset: number): number {
    if (offset >= this.nextOffset) return 0;
    const keep = this.indexOf(offset);
    const removed = this.records.length - keep;
    this.records.length = keep;
    this.nextOffset = Math.max(offset, this.logStart);
    this.epochs = this.epochs.filter((e) => e.start < offset);
    this.segments = this.segments.filter((s, i) => i === 0 || s < offset);
    this.rebuildProducers();
    return removed;
  }

  /** Producer state from the records themselves, as a broker rebuilds it on restart. */
  rebuildProducers(): void {
    this.producers = new Map();
    this.openTransactions = new Map();
    this.aborted = [];
    for (const record of this.records) {
      this.trackTransaction(record);
      this.trackProducer(record);
    }
  }

  /** Deletes closed segments past the retention time or past the size limit; returns records removed. */
  applyRetention(now: number, policy: RetentionPolicy): number {
    let removed = 0;
    while (this.segments.length > 1) {
      const end = this.segments[1] as number;
      const last = this.indexOf(end) - 1;
      const newest = last >= 0 ? (this.records[last] as LogRecord).timestamp : -Infinity;
      const expired = now - newest > policy.retentionMs;
      const tooBig = this.records.length > policy.retentionRecords;
      if (!expired && !tooBig) break;
      const count = last + 1;
      this.records.splice(0, count);
      removed += count;
      this.segments.shift();
      this.logStart = end;
    }
    this.removedByRetention += removed;
    return removed;
  }

  /** Share of the closed segments' records the cleaner has not compacted yet. */
  dirtyRatio(): number {
    const activeIndex = this.indexOf(this.activeSegmentStart);
    if (activeIndex === 0) return 0;
    const dirty = activeIndex - this.indexOf(this.cleanedTo);
    return dirty / activeIndex;
  }

  /**
   * Compaction, lazily: only when the dirty ratio is reached, and only over closed segments (the active
   * segment is never cleaned). Keeps the latest record of each key among the closed segments; a
   * tombstone is kept until `deleteRetentionMs` after the cleaner first saw it. Returns records removed.
   */
  compact(now: number, policy: CompactionPolicy): number {
    if (this.dirtyRatio() < policy.minCleanableRatio) return 0;
    this.cleanerRuns++;
    const end = this.activeSegmentStart;
    const activeIndex = this.indexOf(end);
    const latest = new Map<string, number>();
    for (let i = 0; i < activeIndex; i++) {
      const record = this.records[i] as LogRecord;
      if (record.key !== null) latest.set(record.key, record.offset);
    }
    const kept: LogRecord[] = [];
    for (let i = 0; i < activeIndex; i++) {
      const record = this.records[i] as LogRecord;
      if (record.key !== null && latest.get(record.key) !== record.offset) continue;
      if (record.value === null) {
        const seen = this.tombstoneSeen.get(record.offset) ?? now;
        this.tombstoneSeen.set(record.offset, seen);
        if (now - seen >= policy.deleteRetentionMs) {
          this.tombstoneSeen.delete(record.offset);
          continue;
        }
      }
      kept.push(record);
    }
    const removed = activeIndex - kept.length;
    for (let i = activeIndex; i < this.records.length; i++) kept.push(this.records[i] as LogRecord);
    this.records = kept;
    this.cleanedTo = end;
    this.removedByCompaction += removed;
    return removed;
  }

  /** Every record, oldest first (the live array: do not mutate). */
  all(): readonly LogRecord[] {
    return this.records;
  }
}
