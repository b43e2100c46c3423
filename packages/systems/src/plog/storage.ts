/**
 * A replica's log on its broker's disk: one file per partition, a JSON line per appended batch, synced
 * before the broker acknowledges (as `flush.messages=1`: the simulated crash loses the page cache,
 * which Kafka's default relies on replication to survive). Truncation and cleaning rewrite the file.
 */
import type { Disk } from '@dslab/sim';
import { PartitionLog, type LogRecord } from './log';
import type { PartitionId } from './messages';

const PREFIX = 'log-';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fileOf(id: PartitionId): string {
  return PREFIX + id.replace('/', '~');
}

export function persistAppend(disk: Disk, id: PartitionId, records: readonly LogRecord[]): void {
  if (records.length === 0) return;
  disk.append(fileOf(id), encoder.encode(JSON.stringify(records) + '\n'));
  disk.sync();
}

/** Rewrites the whole file (after truncation, retention or compaction). */
export function persistAll(disk: Disk, id: PartitionId, log: PartitionLog): void {
  const start = JSON.stringify({ logStart: log.logStart }) + '\n';
  const body = log.all().length > 0 ? JSON.stringify(log.all()) + '\n' : '';
  disk.write(fileOf(id), encoder.encode(start + body));
  disk.sync();
}

/** Every partition log on the disk, as it was last synced. */
export function loadLogs(disk: Disk, segmentRecords: number): Map<PartitionId, PartitionLog> {
  const logs = new Map<PartitionId, PartitionLog>();
  for (const name of disk.list()) {
    if (!name.startsWith(PREFIX)) continue;
    const id = name.slice(PREFIX.length).replace('~', '/');
    const bytes = disk.read(name);
    const log = new PartitionLog(segmentRecords);
    for (const line of decoder.decode(bytes).split('\n')) {
      if (line === '') continue;
      const parsed = JSON.parse(line) as LogRecord[] | { logStart: number };
      if (Array.isArray(parsed)) log.append(parsed);
      else log.resetTo(parsed.logStart);
    }
    logs.set(id, log);
  }
  return logs;
}
