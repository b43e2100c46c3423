/**
 * Raft's durable state on `env.disk`: term and vote (`meta`, replaced atomically), the log (`log`,
 * one JSON record per line, each naming its index, so a record for an index that already exists
 * truncates the tail), and the latest snapshot (`snapshot`, replaced atomically).
 * Writes are buffered by the disk until `flush()`; the node flushes before it sends anything, so no
 * vote or acknowledgement ever leaves a node before the state behind it is durable.
 */
import type { Disk, NodeId } from '@dslab/sim';
import { invariant } from '@dslab/sim';
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

/** One log line: the entry with its index, so recovery can tell a rewrite of an index from an append. */
function logLine(index: number, entry: Entry): string {
  return `{"i":${index},"e":${JSON.stringify(entry)}}\n`;
}
const decoder = new TextDecoder();

export class RaftStorage {
  private dirty = false;
  /** Log records appended since the last flush, encoded once at the flush. */
  private pendingLog = '';
  /** fsyncs done (a measurement: how well writes are batched). */
  syncs = 0;

  constructor(
    private readonly disk: Disk,
    /** Mutant `forget-vote`: the vote is never written, so a restarted node can vote twice in a term. */
    private readonly forgetVote = false,
  ) {}

  saveMeta(term: number, vote: NodeId | null): void {
    const record = { term, vote: this.forgetVote ? null : vote };
    this.disk.write('meta.tmp', encoder.encode(JSON.stringify(record)));
    this.disk.rename('meta.tmp', 'meta');
    this.dirty = true;
  }

  appendEntries(firstIndex: number, entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    entries.forEach((entry, offset) => {
      this.pendingLog += logLine(firstIndex + offset, entry);
    });
    this.dirty = true;
  }

  /** Writes a snapshot and rewrites the log with only the entries after it. */
  saveSnapshot(snapshot: StoredSnapshot, after: readonly Entry[]): void {
    this.disk.write('snapshot.tmp', encoder.encode(JSON.stringify(snapshot)));
    this.disk.rename('snapshot.tmp', 'snapshot');
    this.rewriteLog(snapshot.lastIndex + 1, after);
  }

  private rewriteLog(firstIndex: number, entries: readonly Entry[]): void {
    this.pendingLog = ''; // those records are among `entries`
    let text = '';
    entries.forEach((entry, offset) => {
      text += logLine(firstIndex + offset, entry);
    });
    this.disk.write('log.tmp', encoder.encode(text));
    this.disk.rename('log.tmp', 'log');
    this.dirty = true;
  }

  /** Makes everything written so far durable; a no-op when nothing changed. */
  flush(): void {
    if (!this.dirty) return;
    if (this.pendingLog !== '') {
      this.disk.append('log', encoder.encode(this.pendingLog));
      this.pendingLog = '';
    }
    this.disk.sync();
    this.dirty = false;
    this.syncs++;
  }

  recover(): Recovered {
    const metaBytes = this.disk.read('meta');
    const meta = metaBytes
      ? (JSON.parse(decoder.decode(metaBytes)) as { term: number; vote: NodeId | null })
      : { term: 0, vote: null };
    const snapshotBytes = this.disk.read('snapshot');
    const snapshot = snapshotBytes
      ? (JSON.parse(decoder.decode(snapshotBytes)) as StoredSnapshot)
      : undefined;
    const base = snapshot?.lastIndex ?? 0;
    const entries: Entry[] = [];
    let torn = 0;
    const logBytes = this.disk.read('log');
    if (logBytes) {
      const lines = decoder.decode(logBytes).split('\n');
      for (let n = 0; n < lines.length; n++) {
        const line = lines[n] as string;
        if (line === '') continue;
        let record: { i: number; e: Entry };
        try {
          record = JSON.parse(line) as { i: number; e: Entry };
        } catch {
          // A crash tore the last append: everything from here on was never acknowledged.
          torn = lines.slice(n).filter((l) => l !== '').length;
          break;
        }
        if (record.i <= base) continue; // already inside the snapshot
        const position = record.i - base - 1;
        invariant(position <= entries.length, 'log file order', () => `record ${record.i} leaves a gap`);
        entries.length = position; // a record for an existing index truncates the tail
        entries.push(record.e);
      }
      if (torn > 0) this.rewriteLog(base + 1, entries);
    }
    this.flush();
    return { term: meta.term, vote: meta.vote, snapshot, entries, tornRecords: torn };
  }
}
