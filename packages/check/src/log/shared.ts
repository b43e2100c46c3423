/**
 * Shared (queue-style) consumers: several workers fetch from one consumer, which hands each message to
 * one of them, in no order across them, and again when it was not settled in time. Judged over the
 * whole group, in the checker's history-order pass (README.md, "Shared consumers"):
 * - redelivered-after-ack: a delivery whose fetch was invoked after the broker confirmed the message's
 *   ack or term;
 * - duplicate-delivery: one message delivered twice with the same delivery count (the broker's own
 *   count says it is not a redelivery);
 * - delivery-order (ordered consumers only): a key's record delivered after a later record of that key
 *   whose poll had completed before this fetch was invoked;
 * - undelivered (with `drained`): a record of the topic the consumer never delivered.
 * Each step is constant or logarithmic per record; memory is linear in the deliveries.
 */
import type { FindingSink } from './findings';
import type { AckOp, LogRecordRef, PollOp, ReadRecord, SharedConsumerStats } from './types';

interface Message {
  /** The latest recorded delivery to the group. */
  last: LogRecordRef;
  /** The first ack or term the broker confirmed, with its operation index. */
  settled?: LogRecordRef;
  /** Delivery count → the delivery that carried it (only when the broker gave counts). */
  counts?: Map<number, LogRecordRef>;
}

/**
 * Where the highest offset of one key delivered so far rose, by poll index (both ascending): the
 * highest offset delivered in polls recorded before index s is the `max` of the last entry below s.
 */
interface KeyTrail {
  readonly at: number[];
  readonly max: number[];
  readonly refs: LogRecordRef[];
}

interface ConsumerState {
  readonly name: string;
  readonly topic: string;
  readonly ordered: boolean;
  readonly messages: Map<string, Message>;
  readonly keys: Map<string, KeyTrail>;
}

function deliveryRef(index: number, op: PollOp, record: ReadRecord): LogRecordRef {
  return {
    op: index,
    type: 'poll',
    process: op.process,
    partition: op.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
  };
}

export class SharedConsumers {
  private readonly consumers = new Map<string, ConsumerState>();
  private deliveries = 0;
  private redeliveries = 0;
  private acks = 0;
  private confirmed = 0;
  private naks = 0;
  private terms = 0;

  constructor(private readonly sink: FindingSink) {}

  /** A poll of a shared consumer, at its index in the history. */
  poll(index: number, op: PollOp): void {
    const declared = op.consumer as NonNullable<PollOp['consumer']>;
    let state = this.consumers.get(declared.name);
    if (!state) {
      state = {
        name: declared.name,
        topic: op.topic,
        ordered: declared.ordered === true,
        messages: new Map(),
        keys: new Map(),
      };
      this.consumers.set(declared.name, state);
    }
    const invoked = op.invoked ?? index;
    /** Ordered consumers: this poll's highest offset per key, merged into the trails after the poll. */
    const pollMax = state.ordered ? new Map<string, LogRecordRef>() : undefined;
    for (const record of op.records) {
      this.deliveries++;
      const ref = deliveryRef(index, op, record);
      this.deliver(state, invoked, record, ref);
      if (pollMax !== undefined && record.key !== null) this.judgeOrder(state, invoked, pollMax, record, ref);
    }
    if (pollMax !== undefined)
      for (const [key, ref] of pollMax) {
        let trail = state.keys.get(key);
        if (!trail) state.keys.set(key, (trail = { at: [], max: [], refs: [] }));
        const top = trail.max.length === 0 ? -1 : (trail.max[trail.max.length - 1] as number);
        if ((ref.offset as number) > top) {
          trail.at.push(index);
          trail.max.push(ref.offset as number);
          trail.refs.push(ref);
        }
      }
  }

  private deliver(state: ConsumerState, invoked: number, record: ReadRecord, ref: LogRecordRef): void {
    const message = state.messages.get(record.value);
    if (message === undefined) {
      const fresh: Message = { last: ref };
      if (record.delivery !== undefined) fresh.counts = new Map([[record.delivery, ref]]);
      state.messages.set(record.value, fresh);
      if (record.delivery !== undefined && record.delivery > 1) this.redeliveries++;
      return;
    }
    const previous = message.last;
    message.last = ref;
    const settled = message.settled;
    if (settled !== undefined && settled.op < invoked) {
      this.sink.add('redelivered-after-ack', () => ({
        topic: state.topic,
        partition: ref.partition as number,
        offset: record.offset,
        message:
          `shared consumer ${state.name} delivered ${JSON.stringify(record.value)} to ${ref.process} (operation ${ref.op}) ` +
          `after the broker confirmed its settlement by ${settled.process} (operation ${settled.op})`,
        records: [previous, settled, ref],
      }));
      return;
    }
    if (record.delivery !== undefined) {
      const counts = (message.counts ??= new Map());
      const same = counts.get(record.delivery);
      if (same !== undefined) {
        this.sink.add('duplicate-delivery', () => ({
          topic: state.topic,
          partition: ref.partition as number,
          offset: record.offset,
          message:
            `shared consumer ${state.name} delivered ${JSON.stringify(record.value)} as delivery ${record.delivery} twice: ` +
            `to ${same.process} (operation ${same.op}) and to ${ref.process} (operation ${ref.op})`,
          records: [same, ref],
        }));
        return;
      }
      counts.set(record.delivery, ref);
      if (record.delivery > 1) this.redeliveries++;
      return;
    }
    this.redeliveries++;
  }

  private judgeOrder(
    state: ConsumerState,
    invoked: number,
    pollMax: Map<string, LogRecordRef>,
    record: ReadRecord,
    ref: LogRecordRef,
  ): void {
    const key = record.key as string;
    let later: LogRecordRef | undefined;
    const trail = state.keys.get(key);
    if (trail !== undefined) {
      const j = lastBelow(trail.at, invoked);
      if (j >= 0 && (trail.max[j] as number) > record.offset) later = trail.refs[j];
    }
    const inPoll = pollMax.get(key);
    if (later === undefined && inPoll !== undefined && (inPoll.offset as number) > record.offset)
      later = inPoll;
    if (inPoll === undefined || (inPoll.offset as number) < record.offset) pollMax.set(key, ref);
    if (later === undefined) return;
    const before = later;
    this.sink.add('delivery-order', () => ({
      topic: state.topic,
      partition: ref.partition as number,
      offset: record.offset,
      message:
        `ordered shared consumer ${state.name} delivered key ${JSON.stringify(key)} at offset ${record.offset} ` +
        `(operation ${ref.op}) after offset ${before.offset} (operation ${before.op})`,
      records: [before, ref],
    }));
  }

  /** An ack, nak or term (validation made sure its message was delivered to that worker before). */
  ack(index: number, op: AckOp): void {
    if (op.kind === 'nak') this.naks++;
    else if (op.kind === 'term') this.terms++;
    else this.acks++;
    if (op.outcome !== 'ok' || op.kind === 'nak') return;
    this.confirmed++;
    const message = this.consumers.get(op.consumer)?.messages.get(op.value);
    if (message !== undefined && message.settled === undefined)
      message.settled = { op: index, type: 'ack', process: op.process, value: op.value };
  }

  /** The consumers reading `topic` that never delivered `value` (with `drained`: undelivered). */
  undelivered(topic: string, value: string, ref: LogRecordRef): void {
    for (const state of this.consumers.values()) {
      if (state.topic !== topic || state.messages.has(value)) continue;
      this.sink.add('undelivered', () => ({
        topic,
        ...(ref.partition !== undefined ? { partition: ref.partition } : {}),
        ...(ref.offset !== undefined ? { offset: ref.offset } : {}),
        message:
          `shared consumer ${state.name} never delivered ${JSON.stringify(value)}` +
          (ref.offset !== undefined ? ` (offset ${ref.offset})` : '') +
          ` to its group though it was drained`,
        records: [ref],
      }));
    }
  }

  get size(): number {
    return this.consumers.size;
  }

  stats(): SharedConsumerStats {
    return {
      consumers: this.consumers.size,
      deliveries: this.deliveries,
      redeliveries: this.redeliveries,
      acks: this.acks,
      confirmed: this.confirmed,
      naks: this.naks,
      terms: this.terms,
    };
  }
}

/** Index of the last element below `x` in an ascending array, or -1. */
function lastBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
