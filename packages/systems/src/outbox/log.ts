/**
 * The message log consumers read from, reduced to what delivery semantics need: one partition, a
 * consumer group with a committed offset, and generations. A member that joins starts at the committed
 * offset and fences the members before it (their commits are refused, as Kafka refuses a commit from an
 * old generation), but a fenced member that is still processing does not know it yet. That is where
 * redelivery comes from. The full partitioned log with replication is catalog G1.
 */
import { invariant } from '@dslab/sim';

export interface LogRecord {
  readonly offset: number;
  /** The event's id: a retried publish carries the same id again. */
  readonly event: number;
  readonly amount: number;
}

export interface Member {
  readonly generation: number;
  position: number;
}

/** Records a log keeps; a run that publishes more is a bug in the run, not a finding. */
export const MAX_RECORDS = 1_000_000;

export class MessageLog {
  private readonly records: LogRecord[] = [];
  private committedOffset = 0;
  private generation = 0;
  commitsRefused = 0;
  /** No more records will be published: a member that finds nothing new may stop. */
  closed = false;

  publish(event: number, amount: number): number {
    invariant(this.records.length < MAX_RECORDS, 'log bound', () => `more than ${MAX_RECORDS} records`);
    const offset = this.records.length;
    this.records.push({ offset, event, amount });
    return offset;
  }

  get end(): number {
    return this.records.length;
  }

  get committed(): number {
    return this.committedOffset;
  }

  /** A member joins the group (a start, a restart, a rebalance): it fences every earlier member. */
  join(): Member {
    this.generation++;
    return { generation: this.generation, position: this.committedOffset };
  }

  poll(member: Member): LogRecord | undefined {
    const record = this.records[member.position];
    if (record !== undefined) member.position++;
    return record;
  }

  /** Commits "everything before `nextOffset` is done". Refused from a fenced member. */
  commit(member: Member, nextOffset: number): boolean {
    if (member.generation !== this.generation) {
      this.commitsRefused++;
      return false;
    }
    this.committedOffset = Math.max(this.committedOffset, nextOffset);
    return true;
  }

  at(offset: number): LogRecord | undefined {
    return this.records[offset];
  }
}
