/**
 * A durable record log on the node's simulated disk: one JSON record per line behind a checksum, so a
 * line torn by a crash is dropped on recovery instead of misread. `append` buffers; `force` is the
 * fsync. Both the coordinator (its decisions) and the participants (their votes and outcomes) keep one.
 */
import { invariant, murmur3, type Disk } from '@dslab/sim';

/** Most records one log may hold. Far above any run here; a log that grows past it is a leak. */
export const MAX_LOG_RECORDS = 200_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function checksum(json: string): string {
  return murmur3(json, 0x2b2c).toString(16).padStart(8, '0');
}

export class RecordLog<R> {
  private count: number;

  /** Opens the log named `name` and returns it with the records that survived (torn lines dropped). */
  static open<R>(disk: Disk, name: string): { log: RecordLog<R>; records: R[]; torn: number } {
    const bytes = disk.read(name);
    const records: R[] = [];
    let torn = 0;
    if (bytes) {
      for (const line of decoder.decode(bytes).split('\n')) {
        if (line.length === 0) continue;
        const json = line.slice(9);
        if (line[8] !== ' ' || checksum(json) !== line.slice(0, 8)) {
          torn++;
          continue;
        }
        records.push(JSON.parse(json) as R);
      }
    }
    return { log: new RecordLog<R>(disk, name, records.length), records, torn };
  }

  private constructor(
    private readonly disk: Disk,
    private readonly name: string,
    count: number,
  ) {
    this.count = count;
  }

  /** Buffers a record: it survives a crash only after the next `force`. */
  append(record: R): void {
    invariant(
      this.count < MAX_LOG_RECORDS,
      'log bound',
      () => `log ${this.name} is over ${MAX_LOG_RECORDS} records`,
    );
    const json = JSON.stringify(record);
    this.disk.append(this.name, encoder.encode(`${checksum(json)} ${json}\n`));
    this.count++;
  }

  /** Makes every record appended so far durable (fsync): the point after which a vote or decision may leave. */
  force(): void {
    this.disk.sync();
  }

  get size(): number {
    return this.count;
  }
}
