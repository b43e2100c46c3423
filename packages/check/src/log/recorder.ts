/**
 * Builds a log history as clients run: a send is recorded when invoked (so the history keeps each
 * producer's send order) and completed later; polls and commits are recorded when they happen; a
 * shared consumer's fetch notes where it was invoked (`size` then) and an ack is recorded with its outcome.
 */
import type { AckKind, AckOp, CommitOp, LogOp, PollOp, ReadRecord, SendOp, SendOutcome } from './types';

type MutableSend = { -readonly [K in keyof SendOp]: SendOp[K] };

export class LogRecorder {
  private readonly ops: LogOp[] = [];

  get size(): number {
    return this.ops.length;
  }

  /** Records a send as invoked (outcome unknown until completed); returns its handle. */
  send(process: string, topic: string, key: string | null, value: string, partition?: number): number {
    const op: MutableSend = { type: 'send', process, topic, key, value, outcome: 'unknown' };
    if (partition !== undefined) op.partition = partition;
    this.ops.push(op);
    return this.ops.length - 1;
  }

  /** The send's outcome, with the partition and offset the broker acknowledged when it gave them. */
  complete(handle: number, outcome: SendOutcome, partition?: number, offset?: number): void {
    const op = this.ops[handle] as MutableSend | undefined;
    if (op?.type !== 'send') throw new Error(`log recorder: ${handle} is not a send`);
    op.outcome = outcome;
    if (partition !== undefined) op.partition = partition;
    if (offset !== undefined) op.offset = offset;
  }

  /** Marks a send as part of a transaction that aborted (whatever its acknowledgement said). */
  abort(handle: number): void {
    this.complete(handle, 'aborted');
  }

  poll(
    process: string,
    topic: string,
    partition: number,
    records: readonly ReadRecord[],
    extra: Pick<PollOp, 'group' | 'reset' | 'isolation' | 'consumer' | 'invoked'> = {},
  ): void {
    this.ops.push({ type: 'poll', process, topic, partition, records, ...extra });
  }

  commit(group: string, topic: string, partition: number, offset: number, process?: string): void {
    const op: CommitOp = { type: 'commit', group, topic, partition, offset, ...(process ? { process } : {}) };
    this.ops.push(op);
  }

  /** A worker's ack, nak or term of a message its shared consumer delivered to it, once its outcome is known. */
  ack(
    process: string,
    consumer: string,
    topic: string,
    value: string,
    kind: AckKind,
    outcome: AckOp['outcome'],
  ): void {
    this.ops.push({ type: 'ack', process, consumer, topic, value, kind, outcome });
  }

  /** The history so far (the live array: do not mutate it). */
  history(): readonly LogOp[] {
    return this.ops;
  }
}
