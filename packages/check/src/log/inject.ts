/**
 * Defects injected into a valid log history, one per finding kind: the checker's property tests (and
 * any adapter's tests) use them to show that each kind is found. Each returns undefined when the
 * history offers no place for that defect (too short, say).
 */
import type { Rng } from '@dslab/sim';
import type { LogFindingKind, LogHistory, LogOp, PollOp, ReadRecord, SendOp } from './types';

type Injector = (history: LogHistory, rng: Rng) => LogOp[] | undefined;

const isPoll = (op: LogOp): op is PollOp => op.type === 'poll';
const isSend = (op: LogOp): op is SendOp => op.type === 'send';

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
  // An acknowledged record vanishes from every read (while later offsets are still read).
  lost: (history, rng) => {
    const read = readValues(history);
    const i = pickIndex(history, rng, (op) => isSend(op) && op.outcome === 'ok' && read.has(op.value));
    if (i === undefined) return undefined;
    const value = (history[i] as SendOp).value;
    return mapReads(history, (r) => (r.value === value ? undefined : r));
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
    const i = pickIndex(history, rng, (op) => isPoll(op) && op.records.length > 0);
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
    const i = pickIndex(history, rng, (op) => isPoll(op) && op.records.length > 0);
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
      (op) => isPoll(op) && op.records.length >= 3 && acked.has((op.records[1] as ReadRecord).value),
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
      (op) => isPoll(op) && op.records.length > 0 && acked.has((op.records[0] as ReadRecord).value),
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
};
