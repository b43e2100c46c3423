/**
 * Defects injected into a valid log history, one per finding kind: the checker's property tests (and
 * any adapter's tests) use them to show that each kind is found. Each returns undefined when the
 * history offers no place for that defect (too short, say).
 */
import type { Rng } from '@dslab/sim';
import type { AckOp, LogFindingKind, LogHistory, LogOp, PollOp, ReadRecord, SendOp } from './types';

type Injector = (history: LogHistory, rng: Rng) => LogOp[] | undefined;

const isPoll = (op: LogOp): op is PollOp => op.type === 'poll';
/** A poll by a Kafka-style consumer (not a shared consumer's worker): the group injectors' targets. */
const isPlainPoll = (op: LogOp): op is PollOp => op.type === 'poll' && op.consumer === undefined;
const isSend = (op: LogOp): op is SendOp => op.type === 'send';
const isShared = (op: LogOp): op is PollOp => op.type === 'poll' && op.consumer !== undefined;
const isAck = (op: LogOp): op is AckOp => op.type === 'ack';

/** How many times each value was delivered by a shared consumer (name + value). */
function deliveryCounts(history: LogHistory): Map<string, number> {
  const counts = new Map<string, number>();
  for (const op of history)
    if (isShared(op))
      for (const r of op.records) {
        const id = `${op.consumer?.name}\u0000${r.value}`;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
  return counts;
}

function pickIndex(
  history: LogHistory,
  rng: Rng,
  accept: (op: LogOp, i: number) => boolean,
): number | undefined {
  const candidates: number[] = [];
  for (let i = 0; i < history.length; i++) if (accept(history[i] as LogOp, i)) candidates.push(i);
  return candidates.length === 0 ? undefined : (candidates[rng.int(candidates.length)] as number);
}

/** Every poll with its records changed (or dropped, when `change` returns undefined). */
function mapReads(
  history: LogHistory,
  change: (record: ReadRecord, op: PollOp) => ReadRecord | undefined,
): LogOp[] {
  return history.map((op) => {
    if (!isPoll(op)) return op;
    const records: ReadRecord[] = [];
    for (const record of op.records) {
      const changed = change(record, op);
      if (changed) records.push(changed);
    }
    return { ...op, records };
  });
}

/**
 * The history without `value` in any poll (only the polls of shared consumer `consumer`, when given)
 * and without the acks of it; `invoked` indices follow the operations that remain.
 */
function dropValue(history: LogHistory, value: string, consumer?: string): LogOp[] {
  const out: LogOp[] = [];
  const moved = new Int32Array(history.length + 1);
  for (let j = 0; j < history.length; j++) {
    moved[j] = out.length;
    const op = history[j] as LogOp;
    if (isAck(op) && op.value === value && (consumer === undefined || op.consumer === consumer)) continue;
    if (isPoll(op) && (consumer === undefined || op.consumer?.name === consumer))
      out.push({ ...op, records: op.records.filter((r) => r.value !== value) });
    else out.push(op);
  }
  moved[history.length] = out.length;
  return out.map((op) =>
    isShared(op) && op.invoked !== undefined ? { ...op, invoked: moved[op.invoked] as number } : op,
  );
}

const readValues = (history: LogHistory): Set<string> => {
  const values = new Set<string>();
  for (const op of history) if (isPoll(op)) for (const r of op.records) values.add(r.value);
  return values;
};

/** Values of sends acknowledged with an offset: records whose place in the log is known without reading it. */
const ackedValues = (history: LogHistory): Set<string> => {
  const values = new Set<string>();
  for (const op of history) if (isSend(op) && op.offset !== undefined) values.add(op.value);
  return values;
};

export const LOG_INJECTORS: Readonly<Record<LogFindingKind, Injector>> = {
  // An acknowledged record vanishes from every read (while later offsets are still read), and so do
  // the acks of it.
  lost: (history, rng) => {
    const read = readValues(history);
    const i = pickIndex(history, rng, (op) => isSend(op) && op.outcome === 'ok' && read.has(op.value));
    if (i === undefined) return undefined;
    return dropValue(history, (history[i] as SendOp).value);
  },
  // A group commits past the end of what it read, then a record lands below that commit unread.
  'committed-unread': (history, rng) => {
    const i = pickIndex(history, rng, (op) => isPoll(op) && op.group !== undefined && op.records.length > 0);
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const last = poll.records[poll.records.length - 1] as ReadRecord;
    const value = '\u0001injected-unread';
    return [
      ...history,
      {
        type: 'send',
        process: 'p-injected',
        topic: poll.topic,
        key: null,
        value,
        outcome: 'ok',
        partition: poll.partition,
        offset: 1_000_000_000,
      },
      {
        type: 'commit',
        group: poll.group as string,
        topic: poll.topic,
        partition: poll.partition,
        offset: 1_000_000_001,
      },
      {
        type: 'poll',
        process: poll.process,
        topic: poll.topic,
        partition: poll.partition,
        group: poll.group as string,
        reset: true,
        records: [{ ...last }],
      },
    ];
  },
  // The same record appears again at a new offset past the end of its partition.
  duplicate: (history, rng) => {
    const i = pickIndex(history, rng, (op) => isPlainPoll(op) && op.records.length > 0);
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const record = poll.records[0] as ReadRecord;
    return [
      ...history,
      {
        type: 'poll',
        process: 'c-injected',
        topic: poll.topic,
        partition: poll.partition,
        reset: true,
        records: [{ ...record, offset: 2_000_000_000 }],
      },
    ];
  },
  // Two acknowledged sends of one key by one producer swap places in the log (acks and reads alike).
  order: (history, rng) => {
    const lastOfKey = new Map<string, number>();
    const pairs: [number, number][] = [];
    for (let i = 0; i < history.length; i++) {
      const op = history[i] as LogOp;
      if (!isSend(op) || op.outcome !== 'ok' || op.key === null || op.offset === undefined) continue;
      const id = `${op.process}\u0000${op.key}`;
      const previous = lastOfKey.get(id);
      if (previous !== undefined) pairs.push([previous, i]);
      lastOfKey.set(id, i);
    }
    if (pairs.length === 0) return undefined;
    const [a, b] = pairs[rng.int(pairs.length)] as [number, number];
    const first = history[a] as SendOp;
    const second = history[b] as SendOp;
    const swapped = history.map((op, i) =>
      i === a
        ? { ...first, offset: second.offset as number }
        : i === b
          ? { ...second, offset: first.offset as number }
          : op,
    );
    return mapReads(swapped, (r, op) =>
      op.partition !== first.partition
        ? r
        : r.value === first.value
          ? { ...r, offset: second.offset as number }
          : r.value === second.value
            ? { ...r, offset: first.offset as number }
            : r,
    ).map((op) =>
      isPoll(op) ? { ...op, records: [...op.records].sort((x, y) => x.offset - y.offset) } : op,
    );
  },
  // A consumer reads the same batch again without repositioning.
  'offset-backwards': (history, rng) => {
    const i = pickIndex(history, rng, (op) => isPlainPoll(op) && op.records.length > 0);
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const again: PollOp = { ...poll, records: poll.records.map((r) => ({ ...r })) };
    delete (again as { reset?: boolean }).reset;
    return [...history.slice(0, i + 1), again, ...history.slice(i + 1)];
  },
  // One consumer's poll loses an acknowledged record in the middle of a batch.
  'offset-skip': (history, rng) => {
    const acked = ackedValues(history);
    const i = pickIndex(
      history,
      rng,
      (op) => isPlainPoll(op) && op.records.length >= 3 && acked.has((op.records[1] as ReadRecord).value),
    );
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const copy = history.slice();
    copy[i] = { ...poll, records: [poll.records[0] as ReadRecord, ...poll.records.slice(2)] };
    return copy;
  },
  // A record a read_committed consumer returned turns out to belong to an aborted transaction.
  'aborted-read': (history, rng) => {
    const committedReads = new Set<string>();
    for (const op of history)
      if (isPoll(op) && op.isolation === 'read_committed')
        for (const r of op.records) committedReads.add(r.value);
    const i = pickIndex(
      history,
      rng,
      (op) => isSend(op) && op.outcome === 'ok' && committedReads.has(op.value),
    );
    if (i === undefined) return undefined;
    const copy = history.slice();
    copy[i] = { ...(history[i] as SendOp), outcome: 'aborted' };
    return copy;
  },
  // One read returns a different record at an offset than the acknowledgement said.
  disagreement: (history, rng) => {
    const acked = ackedValues(history);
    const i = pickIndex(
      history,
      rng,
      (op) => isPlainPoll(op) && op.records.length > 0 && acked.has((op.records[0] as ReadRecord).value),
    );
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const copy = history.slice();
    copy[i] = {
      ...poll,
      records: poll.records.map((r, j) => (j === 0 ? { ...r, value: `${r.value}\u0001other` } : r)),
    };
    return copy;
  },
  // A group commits an offset below one it committed before.
  'commit-backwards': (history, rng) => {
    const i = pickIndex(history, rng, (op) => op.type === 'commit' && op.offset > 0);
    if (i === undefined) return undefined;
    const commit = history[i] as LogOp & { type: 'commit' };
    return [...history, { ...commit, offset: commit.offset - 1 }];
  },
  // A shared consumer never hands one message to its group (every delivery and ack of it vanish).
  undelivered: (history, rng) => {
    const i = pickIndex(history, rng, (op) => isShared(op) && op.records.length > 0);
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const value = (poll.records[rng.int(poll.records.length)] as ReadRecord).value;
    return dropValue(history, value, poll.consumer?.name as string);
  },
  // A second worker is handed the same delivery (same delivery count) while the first still holds it.
  'duplicate-delivery': (history, rng) => {
    const i = pickIndex(
      history,
      rng,
      (op) => isShared(op) && op.records.length > 0 && op.records.every((r) => r.delivery !== undefined),
    );
    if (i === undefined) return undefined;
    const poll = history[i] as PollOp;
    const copy: PollOp = {
      ...poll,
      process: 'w-injected',
      invoked: poll.invoked ?? i,
      records: [{ ...(poll.records[rng.int(poll.records.length)] as ReadRecord) }],
    };
    return [...history.slice(0, i + 1), copy, ...history.slice(i + 1)];
  },
  // A message whose ack the broker confirmed is fetched again afterwards. Under an ordered consumer
  // it is a key's latest record, so the redelivery breaks no order.
  'redelivered-after-ack': (history, rng) => {
    const polls = new Map<string, { poll: PollOp; record: ReadRecord }>();
    const topOfKey = new Map<string, number>();
    const highest = new Map<string, number>();
    for (const op of history) {
      if (!isShared(op)) continue;
      for (const r of op.records) {
        const id = `${op.consumer?.name}\u0000${r.value}`;
        polls.set(id, { poll: op, record: r });
        highest.set(id, Math.max(highest.get(id) ?? 0, r.delivery ?? 0));
        const keyId = `${op.consumer?.name}\u0000${r.key}`;
        if (r.key !== null) topOfKey.set(keyId, Math.max(topOfKey.get(keyId) ?? -1, r.offset));
      }
    }
    const i = pickIndex(history, rng, (op) => {
      if (!isAck(op) || op.outcome !== 'ok' || op.kind === 'nak') return false;
      const delivered = polls.get(`${op.consumer}\u0000${op.value}`);
      if (delivered === undefined) return false;
      const { poll, record } = delivered;
      return (
        poll.consumer?.ordered !== true ||
        record.key === null ||
        topOfKey.get(`${op.consumer}\u0000${record.key}`) === record.offset
      );
    });
    if (i === undefined) return undefined;
    const ack = history[i] as AckOp;
    const id = `${ack.consumer}\u0000${ack.value}`;
    const { poll, record } = polls.get(id) as { poll: PollOp; record: ReadRecord };
    const again: ReadRecord = { offset: record.offset, key: record.key, value: record.value };
    return [
      ...history,
      {
        type: 'poll',
        process: 'w-injected',
        topic: poll.topic,
        partition: poll.partition,
        consumer: poll.consumer as NonNullable<PollOp['consumer']>,
        invoked: history.length,
        records: [
          record.delivery !== undefined ? { ...again, delivery: (highest.get(id) as number) + 1 } : again,
        ],
      },
    ];
  },
  // An ordered consumer hands a key's later record before its earlier one: two deliveries (each the
  // message's only one, the second fetched after the first completed) swap records, acks following.
  'delivery-order': (history, rng) => {
    const once = deliveryCounts(history);
    const earliest = new Map<string, { at: number; record: ReadRecord }>();
    const pairs: [number, ReadRecord, number, ReadRecord][] = [];
    for (let i = 0; i < history.length && pairs.length < 100; i++) {
      const op = history[i] as LogOp;
      if (!isShared(op) || op.consumer?.ordered !== true) continue;
      for (const r of op.records) {
        if (r.key === null || once.get(`${op.consumer.name}\u0000${r.value}`) !== 1) continue;
        const keyId = `${op.consumer.name}\u0000${r.key}`;
        const first = earliest.get(keyId);
        if (first === undefined) earliest.set(keyId, { at: i, record: r });
        else if (first.at < (op.invoked ?? i) && first.record.offset < r.offset)
          pairs.push([first.at, first.record, i, r]);
      }
    }
    if (pairs.length === 0) return undefined;
    const [a, ra, b, rb] = pairs[rng.int(pairs.length)] as [number, ReadRecord, number, ReadRecord];
    const pa = history[a] as PollOp;
    const pb = history[b] as PollOp;
    const name = pa.consumer?.name as string;
    return history.map((op, i) => {
      if (i === a) return { ...pa, records: pa.records.map((r) => (r === ra ? rb : r)) };
      if (i === b) return { ...pb, records: pb.records.map((r) => (r === rb ? ra : r)) };
      if (isAck(op) && op.consumer === name && op.process === pa.process && op.value === ra.value && i > a)
        return { ...op, value: rb.value };
      if (isAck(op) && op.consumer === name && op.process === pb.process && op.value === rb.value && i > b)
        return { ...op, value: ra.value };
      return op;
    });
  },
};
