/**
 * The write-ahead log of one node: records addressed by LSN, a byte position in the log as in
 * PostgreSQL (a record's LSN is where it ends, which is what a commit returns and what positions
 * compare against). Every record is appended to the node's disk; only `sync()` makes it survive a
 * crash, and a restart reads back what was synced, dropping a torn last line.
 */
import { invariant, utf8, type Disk, type NodeId } from '@dslab/sim';

/** One committed single-key write, as it sits in the WAL. */
export interface WalRecord {
  /** Where the record starts; the previous record's `end`. */
  readonly start: number;
  /** Where it ends: the commit LSN. */
  readonly end: number;
  /** The timeline it was written on (a promotion starts a new one). */
  readonly timeline: number;
  readonly key: string;
  readonly value: string;
  /**
   * The session and request that wrote it: whoever replays the record (a restarted primary, a standby
   * later promoted) learns the request was served, so a duplicate of it does not commit again.
   */
  readonly client?: NodeId;
  readonly request?: number;
}

/** Where the first record starts: PostgreSQL's first WAL segment after initdb begins at 0/1000000. */
export const WAL_START = 0x1000000;
/** A record's fixed overhead, PostgreSQL's XLogRecord header (24 bytes). */
export const RECORD_HEADER_BYTES = 24;
/** Records one node keeps, at most: a run that writes more is refused with a clear error. */
export const MAX_WAL_RECORDS = 200_000;

const FILE = 'wal';
const NEWLINE = 10;

/** PostgreSQL's textual LSN: high and low 32 bits in hex, `0/1000068`. */
export function formatLsn(lsn: number): string {
  const high = Math.floor(lsn / 0x1_0000_0000);
  const low = lsn - high * 0x1_0000_0000;
  return `${high.toString(16).toUpperCase()}/${low.toString(16).toUpperCase()}`;
}

export function recordBytes(key: string, value: string): number {
  return RECORD_HEADER_BYTES + utf8(key).length + utf8(value).length;
}

export class Wal {
  private readonly records: WalRecord[] = [];

  constructor(private readonly disk: Disk) {
    const data = disk.read(FILE);
    if (!data) return;
    let lineStart = 0;
    const text = new TextDecoder();
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== NEWLINE) continue;
      const record = parseRecord(text.decode(data.subarray(lineStart, i)));
      lineStart = i + 1;
      // A line that does not parse or does not continue the log is the torn tail of the last append.
      if (!record || record.start !== this.end()) break;
      this.records.push(record);
    }
  }

  /** The LSN just past the last record (WAL_START when empty). */
  end(): number {
    const last = this.records[this.records.length - 1];
    return last ? last.end : WAL_START;
  }

  get length(): number {
    return this.records.length;
  }

  at(index: number): WalRecord | undefined {
    return this.records[index];
  }

  /** Appends one record that must start where the log ends (the disk write is not yet durable). */
  append(record: WalRecord): void {
    invariant(record.start === this.end(), 'the WAL is contiguous', () => {
      return `record [${formatLsn(record.start)}, ${formatLsn(record.end)}) appended at ${formatLsn(this.end())}`;
    });
    if (this.records.length >= MAX_WAL_RECORDS)
      throw new Error(`WAL full: more than ${MAX_WAL_RECORDS} records on one node`);
    this.records.push(record);
    this.disk.append(FILE, utf8(JSON.stringify(record) + '\n'));
  }

  /** Appends a record without the contiguity assertion: only the `accept-wal-gap` mutant does this. */
  appendUnchecked(record: WalRecord): void {
    this.records.push(record);
    this.disk.append(FILE, utf8(JSON.stringify(record) + '\n'));
  }

  /** fsync: everything appended so far survives a crash. */
  sync(): void {
    this.disk.sync();
  }

  /** Index of the first record ending after `lsn` (records.length when none does). */
  indexAfter(lsn: number): number {
    let lo = 0;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.records[mid] as WalRecord).end <= lsn) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Up to `max` records from `lsn` on, or undefined when no record starts there (and it is not the end). */
  from(lsn: number, max: number): WalRecord[] | undefined {
    if (lsn === this.end()) return [];
    const index = this.indexAfter(lsn);
    const first = this.records[index];
    if (!first || first.start !== lsn) return undefined;
    return this.records.slice(index, index + max);
  }

  /** pg_rewind: drops every record past `lsn` and rewrites the file durably. Returns what was dropped. */
  truncate(lsn: number): WalRecord[] {
    const index = this.indexAfter(lsn);
    const dropped = this.records.splice(index);
    const lines = this.records.map((r) => JSON.stringify(r) + '\n').join('');
    this.disk.write(FILE, utf8(lines));
    this.disk.sync();
    return dropped;
  }

  /** Every record, oldest first (for checks and pictures; callers must not mutate it). */
  all(): readonly WalRecord[] {
    return this.records;
  }
}

function parseRecord(line: string): WalRecord | undefined {
  try {
    const r = JSON.parse(line) as Partial<WalRecord>;
    if (
      typeof r.start === 'number' &&
      typeof r.end === 'number' &&
      typeof r.timeline === 'number' &&
      typeof r.key === 'string' &&
      typeof r.value === 'string' &&
      (r.client === undefined) === (r.request === undefined) &&
      (r.client === undefined || typeof r.client === 'string') &&
      (r.request === undefined || typeof r.request === 'number')
    ) {
      const { start, end, timeline, key, value, client, request } = r;
      return client === undefined
        ? { start, end, timeline, key, value }
        : { start, end, timeline, key, value, client, request: request as number };
    }
  } catch {
    return undefined;
  }
  return undefined;
}
