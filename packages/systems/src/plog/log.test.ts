import { describe, expect, it } from 'vitest';
import { PartitionLog, type LogRecord } from './log';

const rec = (
  offset: number,
  key: string | null,
  value: string | null,
  epoch = 0,
  timestamp = 0,
  producer?: [number, number],
): LogRecord => ({
  offset,
  key,
  value,
  epoch,
  timestamp,
  ...(producer ? { producerId: producer[0], sequence: producer[1] } : {}),
});

describe('PartitionLog', () => {
  it('finds where a follower diverged by leader epoch', () => {
    const leader = new PartitionLog(100);
    leader.append([rec(0, 'a', '1', 1), rec(1, 'a', '2', 1), rec(2, 'a', '3', 2), rec(3, 'a', '4', 4)]);
    expect(leader.epochEndFor(1)).toEqual({ epoch: 1, endOffset: 2 });
    expect(leader.epochEndFor(3)).toEqual({ epoch: 2, endOffset: 3 });
    expect(leader.epochEndFor(4)).toEqual({ epoch: 4, endOffset: 4 });
    const follower = new PartitionLog(100);
    follower.append([rec(0, 'a', '1', 1), rec(1, 'a', '2', 1), rec(2, 'a', 'x', 3), rec(3, 'a', 'y', 3)]);
    // The follower's last epoch 3 is unknown to the leader: its latest at or below is 2, ending at 3.
    const answer = leader.epochEndFor(follower.lastEpoch);
    const own = follower.epochEndFor(answer.epoch);
    follower.truncateTo(
      Math.min(
        answer.endOffset,
        own.epoch === answer.epoch ? own.endOffset : follower.endOffsetFor(answer.epoch),
      ),
    );
    expect(follower.endOffset).toBe(2);
    expect(follower.all().map((r) => r.value)).toEqual(['1', '2']);
  });

  it('idempotent producer state: appends in order, answers a retry with its first offset, refuses a gap', () => {
    const log = new PartitionLog(100);
    expect(log.checkSequence(7, 0, false)).toEqual({ kind: 'append' });
    expect(log.checkSequence(7, 3, false)).toEqual({ kind: 'out-of-order', expected: 0 });
    log.append([rec(0, 'k', 'a', 0, 0, [7, 0]), rec(1, 'k', 'b', 0, 0, [7, 1])]);
    log.append([rec(2, 'k', 'c', 0, 0, [8, 0])]);
    log.append([rec(3, 'k', 'd', 0, 0, [7, 2])]);
    expect(log.checkSequence(7, 0, false)).toEqual({ kind: 'duplicate', firstOffset: 0 });
    expect(log.checkSequence(7, 2, false)).toEqual({ kind: 'duplicate', firstOffset: 3 });
    expect(log.checkSequence(7, 3, false)).toEqual({ kind: 'append' });
    expect(log.checkSequence(7, 5, false)).toEqual({ kind: 'out-of-order', expected: 3 });
    log.forgetProducers();
    // Forgotten: the retry of the first batch looks like a new producer's first batch, and is appended again.
    expect(log.checkSequence(7, 0, false)).toEqual({ kind: 'append' });
    log.rebuildProducers();
    expect(log.checkSequence(7, 0, false)).toEqual({ kind: 'duplicate', firstOffset: 0 });
  });

  it('retention deletes whole closed segments, by time and by size, never the active one', () => {
    const log = new PartitionLog(3);
    for (let i = 0; i < 10; i++) log.append([rec(i, null, `v${i}`, 0, i * 100)]);
    expect(log.applyRetention(1_000, { retentionMs: 450, retentionRecords: 1e9 })).toBe(6);
    expect(log.logStart).toBe(6);
    expect(log.applyRetention(1_000, { retentionMs: 1e9, retentionRecords: 1 })).toBe(3);
    expect(log.all().map((r) => r.offset)).toEqual([9]);
  });

  it('compaction keeps the latest per key in closed segments, leaves the active segment, expires tombstones later', () => {
    const log = new PartitionLog(4);
    const values = ['a1', 'b1', 'a2', 'b2', 'a3', null, 'a4', 'c1', 'a5', 'c2'];
    const keys = ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'c', 'a', 'c'];
    log.append(values.map((v, i) => rec(i, keys[i] as string, v, 0, i)));
    expect(log.compact(100, { minCleanableRatio: 0.5, deleteRetentionMs: 50 })).toBe(5);
    // Closed segments 0–7: latest a (a4 at 6), b's tombstone (5), c1 (7). Active 8–9 untouched.
    expect(log.all().map((r) => r.value)).toEqual([null, 'a4', 'c1', 'a5', 'c2']);
    expect(log.compact(120, { minCleanableRatio: 0, deleteRetentionMs: 50 })).toBe(0);
    expect(log.compact(200, { minCleanableRatio: 0, deleteRetentionMs: 50 })).toBe(1);
    expect(log.all().map((r) => r.value)).toEqual(['a4', 'c1', 'a5', 'c2']);
  });
});

describe('PartitionLog transactions', () => {
  const txn = (offset: number, producerId: number, value: string): LogRecord => ({
    offset,
    key: 'k',
    value,
    epoch: 0,
    timestamp: 0,
    producerId,
    transactional: true,
  });
  const marker = (offset: number, producerId: number, control: 'commit' | 'abort'): LogRecord => ({
    offset,
    key: null,
    value: null,
    epoch: 0,
    timestamp: 0,
    producerId,
    control,
  });

  it('the last stable offset stops at the oldest open transaction; markers close it; aborted records are known', () => {
    const log = new PartitionLog(100);
    log.append([txn(0, 1, 'a'), txn(1, 2, 'b'), txn(2, 1, 'c')]);
    expect(log.lastStableOffset(3)).toBe(0);
    log.append([marker(3, 1, 'abort')]);
    expect(log.lastStableOffset(4)).toBe(1);
    log.append([marker(4, 2, 'commit')]);
    expect(log.lastStableOffset(5)).toBe(5);
    expect(log.all().map((r) => log.isAborted(r))).toEqual([true, false, true, false, false]);
    // Truncating the markers away reopens both transactions.
    log.truncateTo(3);
    expect(log.lastStableOffset(3)).toBe(0);
    expect(log.hasOpenTransaction(2)).toBe(true);
  });
});

describe('PartitionLog producer epochs', () => {
  const rec = (offset: number, epoch: number, sequence: number, txnSeq: number): LogRecord => ({
    offset,
    key: 'k',
    value: `v${offset}`,
    epoch: 0,
    timestamp: 0,
    producerId: 7,
    producerEpoch: epoch,
    sequence,
    transactional: true,
    txnSeq,
  });

  it('fences an older epoch, restarts sequences at a newer one, and remembers which transaction a marker ended', () => {
    const log = new PartitionLog(100);
    log.append([rec(0, 0, 0, 1), rec(1, 0, 1, 1)]);
    expect(log.checkSequence(7, 2, false, 0)).toEqual({ kind: 'append' });
    // The coordinator aborts transaction 1 under epoch 1: the marker carries the new epoch.
    log.append([
      {
        offset: 2,
        key: null,
        value: null,
        epoch: 0,
        timestamp: 0,
        producerId: 7,
        producerEpoch: 1,
        txnSeq: 1,
        control: 'abort',
      },
    ]);
    expect(log.checkSequence(7, 2, false, 0)).toEqual({ kind: 'fenced', current: 1 });
    expect(log.lastMarkerSeq(7)).toBe(1);
    expect(log.hasOpenTransaction(7)).toBe(false);
    // Epoch 2 starts at sequence 0.
    expect(log.checkSequence(7, 5, false, 2)).toEqual({ kind: 'out-of-order', expected: 0 });
    expect(log.checkSequence(7, 0, false, 2)).toEqual({ kind: 'append' });
    log.append([rec(3, 2, 0, 2)]);
    expect(log.openTransaction(7)).toEqual({ first: 3, seq: 2 });
    expect(log.producerEpoch(7)).toBe(2);
    // Rebuilt from the records (a restart), the same state.
    log.rebuildProducers();
    expect(log.checkSequence(7, 1, false, 1)).toEqual({ kind: 'fenced', current: 2 });
    expect(log.checkSequence(7, 1, false, 2)).toEqual({ kind: 'append' });
  });
});
