/**
 * The log checker: judges a history of sends, polls and commits (README.md) in a few passes over it,
 * each linear in the operations and records, plus one sort of each partition's known offsets. No step
 * spreads or recurses over the history, so a million operations check in seconds.
 */
import { FindingSink } from './findings';
import { SharedConsumers } from './shared';
import { LogHistoryError, validateLogHistory } from './validate';
import type {
  CommitOp,
  LogCheckOptions,
  LogCheckResult,
  LogHistory,
  LogRecordRef,
  PollOp,
  SendOp,
  SendOutcome,
} from './types';

/** Where a record was first seen at an offset: by a send's acknowledgement or by a read. */
interface Sighting {
  readonly value: string;
  readonly ref: LogRecordRef;
}

/** One partition of one topic. */
interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** offset → the record first seen there. */
  readonly known: Map<number, Sighting>;
  /** The highest offset any poll returned, or -1. */
  maxRead: number;
}

/** A jump over offsets by one consumer, judged once every offset's record is known. */
interface Gap {
  readonly state: PartitionState;
  readonly after: LogRecordRef;
  readonly next: LogRecordRef;
}

const SEP = '\u0000';

function sendRef(index: number, op: SendOp): LogRecordRef {
  return {
    op: index,
    type: 'send',
    process: op.process,
    ...(op.partition !== undefined ? { partition: op.partition } : {}),
    ...(op.offset !== undefined ? { offset: op.offset } : {}),
    key: op.key,
    value: op.value,
  };
}

function readRef(index: number, op: PollOp, offset: number, key: string | null, value: string): LogRecordRef {
  return { op: index, type: 'poll', process: op.process, partition: op.partition, offset, key, value };
}

function where(topic: string, partition: number, offset?: number): string {
  return `${topic}/${partition}` + (offset !== undefined ? `@${offset}` : '');
}

export function checkLog(input: LogHistory, options: LogCheckOptions = {}): LogCheckResult {
  const history = validateLogHistory(input);
  const sink = new FindingSink(options.maxFindingsPerKind ?? 20);
  const gapsAllowed = new Set(options.gapsAllowed ?? []);
  const partitions = new Map<string, PartitionState>();
  const partitionOf = (topic: string, partition: number): PartitionState => {
    const id = topic + SEP + partition;
    let state = partitions.get(id);
    if (!state) {
      state = { topic, partition, known: new Map(), maxRead: -1 };
      partitions.set(id, state);
    }
    return state;
  };

  // Pass 1: every send by its value (values identify records).
  const sendByValue = new Map<string, number>();
  const sends: Record<SendOutcome, number> = { ok: 0, fail: 0, unknown: 0, aborted: 0 };
  for (let i = 0; i < history.length; i++) {
    const op = history[i] as LogHistory[number];
    if (op.type !== 'send') continue;
    sends[op.outcome]++;
    const earlier = sendByValue.get(op.value);
    if (earlier !== undefined)
      throw new LogHistoryError(
        i,
        `value ${JSON.stringify(op.value)} was already sent by operation ${earlier}: values must be unique`,
      );
    sendByValue.set(op.value, i);
  }
  const sendAt = (value: string): { index: number; op: SendOp } | undefined => {
    const index = sendByValue.get(value);
    return index === undefined ? undefined : { index, op: history[index] as SendOp };
  };

  // Where each value was stored; a second place is a duplicate. Reported pairs, so each is found once.
  const storedAt = new Map<string, { state: PartitionState; offset: number; ref: LogRecordRef }>();
  const reported = new Set<string>();
  const observe = (state: PartitionState, offset: number, value: string, ref: LogRecordRef): void => {
    const seen = state.known.get(offset);
    if (seen === undefined) state.known.set(offset, { value, ref });
    else if (seen.value !== value) {
      const id = `d${SEP}${state.topic}${SEP}${state.partition}${SEP}${offset}${SEP}${value}`;
      if (!reported.has(id)) {
        reported.add(id);
        sink.add('disagreement', () => ({
          topic: state.topic,
          partition: state.partition,
          offset,
          message:
            `${where(state.topic, state.partition, offset)} holds ${JSON.stringify(seen.value)} for ` +
            `${seen.ref.type} ${seen.ref.op} but ${JSON.stringify(value)} for ${ref.type} ${ref.op}`,
          records: [seen.ref, ref],
        }));
      }
    }
    const first = storedAt.get(value);
    if (first === undefined) storedAt.set(value, { state, offset, ref });
    else if (first.state !== state || first.offset !== offset) {
      const id = `u${SEP}${state.topic}${SEP}${state.partition}${SEP}${offset}${SEP}${value}`;
      if (!reported.has(id)) {
        reported.add(id);
        const send = sendAt(value);
        sink.add('duplicate', () => ({
          topic: state.topic,
          partition: state.partition,
          offset,
          message:
            `${JSON.stringify(value)} is stored at ${where(first.state.topic, first.state.partition, first.offset)} ` +
            `and at ${where(state.topic, state.partition, offset)}`,
          records: [...(send ? [sendRef(send.index, send.op)] : []), first.ref, ref],
        }));
      }
    }
  };

  // Pass 2: acknowledgements, reads and commits, in history order.
  const read = new Set<string>();
  /** group → partition id → offsets its consumers returned. */
  const groupReads = new Map<string, Map<PartitionState, Set<number>>>();
  /** group → partition → highest commit and the commit that set it. */
  const groupCommits = new Map<
    string,
    Map<PartitionState, { offset: number; op: number; commit: CommitOp }>
  >();
  /** consumer + partition → the last record it read. */
  const position = new Map<string, LogRecordRef>();
  const gaps: Gap[] = [];
  const shared = new SharedConsumers(sink);
  let polls = 0;
  let recordsRead = 0;
  let redelivered = 0;
  let commits = 0;
  for (let i = 0; i < history.length; i++) {
    const op = history[i] as LogHistory[number];
    if (op.type === 'send') {
      if (op.offset !== undefined && op.partition !== undefined)
        observe(partitionOf(op.topic, op.partition), op.offset, op.value, sendRef(i, op));
      continue;
    }
    if (op.type === 'commit') {
      commits++;
      const state = partitionOf(op.topic, op.partition);
      let byPartition = groupCommits.get(op.group);
      if (!byPartition) groupCommits.set(op.group, (byPartition = new Map()));
      const last = byPartition.get(state);
      if (last !== undefined && op.offset < last.offset) {
        sink.add('commit-backwards', () => ({
          topic: op.topic,
          partition: op.partition,
          offset: op.offset,
          message: `group ${op.group} committed ${where(op.topic, op.partition, op.offset)} after ${last.offset} (operation ${last.op})`,
          records: [
            {
              op: last.op,
              type: 'commit',
              partition: op.partition,
              offset: last.offset,
              ...(last.commit.process ? { process: last.commit.process } : {}),
            },
            {
              op: i,
              type: 'commit',
              partition: op.partition,
              offset: op.offset,
              ...(op.process ? { process: op.process } : {}),
            },
          ],
        }));
      }
      if (last === undefined || op.offset > last.offset)
        byPartition.set(state, { offset: op.offset, op: i, commit: op });
      continue;
    }
    if (op.type === 'ack') {
      shared.ack(i, op);
      continue;
    }
    polls++;
    const state = partitionOf(op.topic, op.partition);
    if (op.consumer !== undefined) {
      // A worker of a shared consumer: its records are reads of the topic (for lost, duplicate and
      // disagreement), judged across the group, not as this worker's run of offsets. They do not move
      // the partition's read mark: a lower offset may still be in another worker's hands.
      for (const record of op.records) {
        recordsRead++;
        read.add(record.value);
        observe(state, record.offset, record.value, readRef(i, op, record.offset, record.key, record.value));
      }
      shared.poll(i, op);
      continue;
    }
    const consumer = op.process + SEP + op.topic + SEP + op.partition;
    if (op.reset) position.delete(consumer);
    let previous = position.get(consumer);
    let seenByGroup: Set<number> | undefined;
    if (op.group !== undefined) {
      let byPartition = groupReads.get(op.group);
      if (!byPartition) groupReads.set(op.group, (byPartition = new Map()));
      seenByGroup = byPartition.get(state);
      if (!seenByGroup) byPartition.set(state, (seenByGroup = new Set()));
    }
    for (const record of op.records) {
      recordsRead++;
      const ref = readRef(i, op, record.offset, record.key, record.value);
      read.add(record.value);
      if (record.offset > state.maxRead) state.maxRead = record.offset;
      observe(state, record.offset, record.value, ref);
      if (seenByGroup) {
        if (seenByGroup.has(record.offset)) redelivered++;
        else seenByGroup.add(record.offset);
      }
      const send = sendAt(record.value);
      if (send?.op.outcome === 'aborted' && op.isolation === 'read_committed') {
        sink.add('aborted-read', () => ({
          topic: op.topic,
          partition: op.partition,
          offset: record.offset,
          message: `read_committed consumer ${op.process} returned ${JSON.stringify(record.value)} of an aborted transaction at ${where(op.topic, op.partition, record.offset)}`,
          records: [sendRef(send.index, send.op), ref],
        }));
      }
      if (previous !== undefined) {
        const last = previous;
        if (record.offset <= (last.offset as number)) {
          sink.add('offset-backwards', () => ({
            topic: op.topic,
            partition: op.partition,
            offset: record.offset,
            message: `consumer ${op.process} read ${where(op.topic, op.partition, record.offset)} after offset ${last.offset} (operation ${last.op}) without a reset`,
            records: [last, ref],
          }));
        } else if (record.offset > (last.offset as number) + 1 && !gapsAllowed.has(op.topic)) {
          gaps.push({ state, after: last, next: ref });
        }
      }
      previous = ref;
    }
    if (previous !== undefined) position.set(consumer, previous);
  }

  // Pass 3: a gap is a skip when some offset inside it is known to hold a record that is not aborted.
  const sortedKnown = new Map<PartitionState, Float64Array>();
  const knownOffsets = (state: PartitionState): Float64Array => {
    let sorted = sortedKnown.get(state);
    if (!sorted) {
      const offsets: number[] = [];
      for (const [offset, sighting] of state.known)
        if (sendAt(sighting.value)?.op.outcome !== 'aborted') offsets.push(offset);
      sorted = Float64Array.from(offsets).sort();
      sortedKnown.set(state, sorted);
    }
    return sorted;
  };
  for (const gap of gaps) {
    const offsets = knownOffsets(gap.state);
    const from = gap.after.offset as number;
    const to = gap.next.offset as number;
    const inside = firstAbove(offsets, from);
    if (inside < offsets.length && (offsets[inside] as number) < to) {
      const skipped = offsets[inside] as number;
      const holder = gap.state.known.get(skipped) as Sighting;
      sink.add('offset-skip', () => ({
        topic: gap.state.topic,
        partition: gap.state.partition,
        offset: skipped,
        message:
          `consumer ${gap.next.process} went from ${where(gap.state.topic, gap.state.partition, from)} to ${to}, ` +
          `skipping ${JSON.stringify(holder.value)} at ${skipped}`,
        records: [gap.after, holder.ref, gap.next],
      }));
    }
  }

  // Pass 4: acknowledged sends nobody read, and per-key order, in each producer's send order.
  const lastOfKey = new Map<string, { index: number; op: SendOp; partition: number; offset: number }>();
  for (let i = 0; i < history.length; i++) {
    const op = history[i] as LogHistory[number];
    if (op.type !== 'send' || op.outcome !== 'ok') continue;
    const located =
      op.offset !== undefined
        ? { partition: op.partition as number, offset: op.offset }
        : storedAt.get(op.value);
    if (!read.has(op.value) && !gapsAllowed.has(op.topic)) {
      const state = op.partition !== undefined ? partitions.get(op.topic + SEP + op.partition) : undefined;
      const passed = op.offset !== undefined && state !== undefined && state.maxRead > op.offset;
      if (passed || options.drained) {
        sink.add('lost', () => ({
          topic: op.topic,
          ...(op.partition !== undefined ? { partition: op.partition } : {}),
          ...(op.offset !== undefined ? { offset: op.offset } : {}),
          message:
            `acknowledged send ${JSON.stringify(op.value)} by ${op.process}` +
            (op.partition !== undefined ? ` to ${where(op.topic, op.partition, op.offset)}` : '') +
            ' was never read' +
            (passed ? ` though offsets up to ${state.maxRead} were` : ' though consumers drained the log'),
          records: [sendRef(i, op)],
        }));
      }
    }
    if (op.key === null || located === undefined) continue;
    const partition = 'state' in located ? located.state.partition : located.partition;
    const id = op.process + SEP + op.topic + SEP + op.key;
    const last = lastOfKey.get(id);
    lastOfKey.set(id, { index: i, op, partition, offset: located.offset });
    if (last === undefined) continue;
    if (last.partition !== partition || last.offset >= located.offset) {
      sink.add('order', () => ({
        topic: op.topic,
        partition,
        offset: located.offset,
        message:
          `${op.process} sent key ${JSON.stringify(op.key)} as ${JSON.stringify(last.op.value)} then ${JSON.stringify(op.value)}, ` +
          `stored at ${where(op.topic, last.partition, last.offset)} and ${where(op.topic, partition, located.offset)}` +
          (last.partition !== partition ? ' (different partitions: no order between them)' : ''),
        records: [sendRef(last.index, last.op), sendRef(i, op)],
      }));
    }
  }

  // Pass 4b: with drained, every record of a topic a shared consumer reads must have reached its group:
  // the acknowledged sends, and any other record some poll read (an unknown send that was written).
  if (options.drained && shared.size > 0) {
    for (let i = 0; i < history.length; i++) {
      const op = history[i] as LogHistory[number];
      if (op.type !== 'send' || gapsAllowed.has(op.topic)) continue;
      if (op.outcome === 'ok' || (op.outcome === 'unknown' && read.has(op.value)))
        shared.undelivered(op.topic, op.value, sendRef(i, op));
    }
    for (const [value, stored] of storedAt)
      if (!sendByValue.has(value) && !gapsAllowed.has(stored.state.topic))
        shared.undelivered(stored.state.topic, value, stored.ref);
  }

  // Pass 5: a group's commit vouches for every record below it; each must have been returned to the group.
  for (const [group, byPartition] of groupCommits) {
    for (const [state, commit] of byPartition) {
      if (gapsAllowed.has(state.topic)) continue;
      const seen = groupReads.get(group)?.get(state);
      let floor = Infinity;
      if (seen) for (const offset of seen) if (offset < floor) floor = offset;
      for (const [offset, sighting] of state.known) {
        if (offset >= commit.offset || offset < floor || seen?.has(offset)) continue;
        if (floor === Infinity) continue;
        if (sendAt(sighting.value)?.op.outcome === 'aborted') continue;
        sink.add('committed-unread', () => ({
          topic: state.topic,
          partition: state.partition,
          offset,
          message:
            `group ${group} committed ${where(state.topic, state.partition, commit.offset)} (operation ${commit.op}) ` +
            `but none of its consumers returned ${JSON.stringify(sighting.value)} at ${offset}`,
          records: [
            sighting.ref,
            {
              op: commit.op,
              type: 'commit',
              partition: state.partition,
              offset: commit.offset,
              ...(commit.commit.process ? { process: commit.commit.process } : {}),
            },
          ],
        }));
      }
    }
  }

  return {
    valid: sink.total === 0,
    counts: sink.counts,
    findings: sink.kept,
    stats: {
      operations: history.length,
      sends,
      polls,
      recordsRead,
      redelivered,
      commits,
      shared: shared.stats(),
    },
  };
}

/** Index of the first element greater than `x` in an ascending array (its length when none is). */
function firstAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
