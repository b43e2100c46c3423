/**
 * The log file's binary records: every entry decodes to itself whatever its text, the record cache never
 * changes what is written, and recovery tells a torn tail (cut off) from a flipped record followed by
 * intact ones (refuses to start) and from a file in another format (refuses to start).
 */
import { describe, expect, it } from 'vitest';
import { Rng, World, type Env } from '@dslab/sim';
import fc from 'fast-check';
import {
  LOG_MAGIC,
  RECORD_CACHE_SLOTS,
  DamagedSnapshot,
  SNAPSHOT_MAGIC,
  SnapshotWriter,
  decodeSnapshot,
  decodeSnapshotFile,
  encodeSnapshot,
  intactRecordAfter,
  joined,
  logRecord,
  readRecord,
} from './log-record';
import type { StoredSnapshot } from './storage';
import { RaftStorage } from './storage';
import type { Entry } from './types';

function disksOf(world: World, ids: readonly string[]): Env['disk'][] {
  const disks: Env['disk'][] = [];
  for (const id of ids)
    world.addNode(id, (env) => {
      disks.push(env.disk);
      return { onMessage() {}, snapshot: () => null };
    });
  world.start();
  return disks;
}

const command = (term: number, seq: number): Entry => ({
  term,
  kind: 'command',
  command: { client: 'c1', seq, op: { f: 'put', key: 'k', value: `v${seq}` } },
});

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const anyText = fc.oneof(text, fc.string({ unit: 'binary', maxLength: 40 }));
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

/** Every entry shape the log holds, with any text and any safe integers. */
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ term: count, kind: fc.constant('noop' as const) }),
  fc.record({
    term: count,
    kind: fc.constant('config' as const),
    voters: fc.array(anyText, { maxLength: 9 }),
  }),
  fc.record({
    term: count,
    kind: fc.constant('command' as const),
    command: fc.record({
      client: anyText,
      seq: count,
      op: fc.oneof(
        fc.record({ f: fc.constant('get' as const), key: anyText }),
        fc.record({ f: fc.constant('get' as const), key: anyText, stale: fc.boolean() }),
        fc.record({ f: fc.constant('incr' as const), key: anyText }),
        fc.record({ f: fc.constant('put' as const), key: anyText, value: anyText }),
        fc.record({ f: fc.constant('delete' as const), key: anyText }),
        fc.record({ f: fc.constant('cas' as const), key: anyText, from: fc.option(anyText), to: anyText }),
        fc.record({ f: fc.constant('append' as const), key: anyText, value: anyText }),
      ),
    }),
  }),
);

describe('raft log records', () => {
  it('decode to the entry and index they encode, for any text and any safe integer, and are encoded once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), entryArb, (index, entry) => {
        const bytes = logRecord(index, entry);
        expect(logRecord(index, entry)).toBe(bytes); // encoded once
        // While the cache holds the record, reading it gives back the entry it was encoded from.
        expect(readRecord(bytes.slice(), 0)?.record.e).toBe(entry);
        // Once another entry took its slot, the bytes are decoded.
        const other = index >= RECORD_CACHE_SLOTS ? index - RECORD_CACHE_SLOTS : index + RECORD_CACHE_SLOTS;
        logRecord(other, { term: 0, kind: 'noop' });
        const read = readRecord(bytes, 0);
        // (structuredClone: fast-check builds its records without a prototype)
        expect(read?.record).toStrictEqual(structuredClone({ i: index, e: entry }));
        expect(read?.next).toBe(bytes.length);
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('are refused when cut short or when any bit flips', () => {
    const bytes = logRecord(12, command(3, 4));
    for (let cut = 0; cut < bytes.length; cut++) expect(readRecord(bytes.slice(0, cut), 0)).toBeUndefined();
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(readRecord(flipped, 0)).toBeUndefined();
    }
  });

  it('refuse to encode a number the format cannot hold, with a message', () => {
    expect(() => logRecord(1.5, { term: 1, kind: 'noop' })).toThrow(/not a non-negative safe integer/);
    expect(() => logRecord(1, { term: -1, kind: 'noop' })).toThrow(/not a non-negative safe integer/);
  });

  it('members sharing entry objects and members holding copies write the same bytes', () => {
    const world = new World({ seed: 3 });
    const [a, b] = disksOf(world, ['a', 'b']) as [Env['disk'], Env['disk']];
    const entries = [command(1, 1), command(1, 2), { term: 2, kind: 'noop' } as Entry];
    const shared = new RaftStorage(a);
    shared.appendEntries(1, entries);
    shared.flush();
    const copies = new RaftStorage(b);
    copies.appendEntries(1, structuredClone(entries));
    copies.flush();
    expect(a.read('log')).toEqual(b.read('log'));
    expect(a.read('log')?.subarray(0, LOG_MAGIC.length)).toEqual(LOG_MAGIC);
    expect(new RaftStorage(b).recover().entries).toEqual(entries);
  });

  it('a flipped record followed by intact ones refuses to start; at the tail it is cut off', () => {
    const world = new World({ seed: 4 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(1, [command(1, 1), command(1, 2), command(1, 3)]);
    storage.flush();
    expect(new RaftStorage(world.disk('d')).recover().entries).toHaveLength(3);
    const first = logRecord(1, command(1, 1)).length;
    const second = logRecord(2, command(1, 2)).length;
    world.disk('d').corrupt('log', LOG_MAGIC.length + first + second + 6, 1); // inside the last record
    const recovered = new RaftStorage(world.disk('d')).recover();
    expect(recovered.entries).toEqual([command(1, 1), command(1, 2)]);
    expect(recovered.tornRecords).toBe(1);
    world.disk('d').corrupt('log', LOG_MAGIC.length + 6, 2); // inside the first record
    expect(() => new RaftStorage(world.disk('d')).recover()).toThrow(/corrupt and later records are intact/);
  });

  it('a file without the magic (another format) refuses to start; a torn magic is an empty log', () => {
    const world = new World({ seed: 5 });
    const [a, b] = disksOf(world, ['a', 'b']) as [Env['disk'], Env['disk']];
    a.append('log', new TextEncoder().encode('0badf00d {"i":1,"e":{"term":1,"kind":"noop"}}\n'));
    a.sync();
    expect(() => new RaftStorage(a).recover()).toThrow(/does not start with this format's magic/);
    b.append('log', LOG_MAGIC.slice(0, 3));
    b.sync();
    expect(new RaftStorage(b).recover().entries).toEqual([]);
    const storage = new RaftStorage(b);
    storage.recover();
    storage.appendEntries(1, [command(1, 1)]);
    storage.flush();
    expect(new RaftStorage(b).recover().entries).toEqual([command(1, 1)]);
  });

  it('finds an intact record after garbage only where one starts', () => {
    const record = logRecord(7, command(2, 9));
    const bytes = new Uint8Array(5 + record.length);
    bytes.set([1, 2, 3, 4, 5]);
    bytes.set(record, 5);
    expect(intactRecordAfter(bytes, 0)).toBe(true);
    expect(intactRecordAfter(bytes, 5)).toBe(false);
  });
});

/** Results as the state machine builds them: ok, then value, then error. */
const resultArb = fc.oneof(
  fc.record({ ok: fc.boolean() }),
  fc.record({ ok: fc.boolean(), value: fc.option(anyText) }),
  fc.record({ ok: fc.boolean(), error: anyText }),
  fc.record({ ok: fc.boolean(), value: fc.option(anyText), error: anyText }),
);

const snapshotArb: fc.Arbitrary<StoredSnapshot> = fc.record({
  lastIndex: count,
  lastTerm: count,
  voters: fc.array(anyText, { maxLength: 9 }),
  data: fc.record({
    kv: fc.array(fc.tuple(anyText, anyText), { maxLength: 20 }),
    sessions: fc.array(fc.tuple(anyText, fc.record({ seq: count, result: resultArb })), { maxLength: 12 }),
  }),
});

describe('raft snapshot files', () => {
  it('decode to what JSON would have given back, key order included, for any text and any safe integer', () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
        const decoded = decodeSnapshot(encodeSnapshot(snapshot));
        const viaJson = JSON.parse(JSON.stringify(snapshot)) as StoredSnapshot;
        expect(decoded).toStrictEqual(viaJson);
        expect(JSON.stringify(decoded)).toBe(JSON.stringify(viaJson)); // same key order: messages carry them
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it('written a piece at a time, read back the same as written at once, tail included', () => {
    fc.assert(
      fc.property(
        snapshotArb.map((snapshot) => ({ ...snapshot, lastIndex: snapshot.lastIndex % 1e12 })), // room for the tail's indexes
        fc.integer({ min: 1, max: 7 }),
        fc.array(entryArb, { maxLength: 4 }),
        (snapshot, items, after) => {
          const tail = after.map((entry, k) => logRecord(snapshot.lastIndex + 1 + k, entry));
          const writer = new SnapshotWriter(snapshot);
          const pieces = [writer.begin()];
          for (let piece = writer.next(items); piece; piece = writer.next(items)) pieces.push(piece);
          pieces.push(writer.end(tail));
          const bytes = joined(
            pieces,
            pieces.length,
            pieces.reduce((sum, piece) => sum + piece.length, 0),
          );
          const whole = encodeSnapshot(snapshot, tail);
          const file = decodeSnapshotFile(bytes);
          expect(file).toStrictEqual(decodeSnapshotFile(whole));
          // The tail's records are the ones just encoded: read back as the very entries.
          file.tail.forEach((record, k) => expect(record.e).toBe(after[k]));
          // Cut short at the end of any piece, the file is damaged, not a smaller snapshot.
          let edge = 0;
          for (const piece of pieces.slice(0, -1)) {
            edge += piece.length;
            expect(() => decodeSnapshotFile(bytes.subarray(0, edge))).toThrow(DamagedSnapshot);
          }
        },
      ),
      { numRuns: 200, seed: 10 },
    );
  });

  it('write a long value as its length and its UTF-8 bytes, the same whichever way it is copied', () => {
    // 15, 16 and 17 straddle the point where the engine copies the text instead of a loop.
    for (const value of [
      'a'.repeat(15),
      'b'.repeat(16),
      'c'.repeat(120),
      'é'.repeat(20),
      `${'d'.repeat(20)}🙂`,
    ]) {
      const bytes = encodeSnapshot({
        lastIndex: 1,
        lastTerm: 1,
        voters: [],
        data: { kv: [['k', value]], sessions: [] },
      });
      const utf8 = new TextEncoder().encode(value);
      // The value ends its frame of pairs, whose checksum (four bytes) follows; then come the empty
      // tail's frame (length, kind, checksum: nine bytes) and the end frame (length, kind, count,
      // checksum: ten).
      const at = bytes.length - 4 - 9 - 10 - utf8.length;
      expect([...bytes.subarray(at, at + utf8.length)]).toEqual([...utf8]);
      expect(bytes[at - 1]).toBe(utf8.length); // its length, a one-byte varint below 128
      expect(decodeSnapshot(bytes).data.kv).toEqual([['k', value]]);
    }
  });

  it('refuse a file in another format, cut short or with any bit flipped, with a message', () => {
    const bytes = encodeSnapshot({
      lastIndex: 7,
      lastTerm: 2,
      voters: ['n1', 'n2', 'n3'],
      data: { kv: [['k', 'v']], sessions: [['c1', { seq: 3, result: { ok: true, value: null } }]] },
    });
    expect(() => decodeSnapshot(new TextEncoder().encode('{"lastIndex":7}'))).toThrow(/magic/);
    for (let cut = SNAPSHOT_MAGIC.length; cut < bytes.length; cut++)
      expect(() => decodeSnapshot(bytes.slice(0, cut))).toThrow(/refusing to start/);
    for (let bit = SNAPSHOT_MAGIC.length * 8; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(() => decodeSnapshot(flipped)).toThrow(/refusing to start/);
    }
  });
});

/** A snapshot at `index` holding one key per entry up to there (enough to tell snapshots apart). */
function snapshotAt(index: number, term = 1): StoredSnapshot {
  return {
    lastIndex: index,
    lastTerm: term,
    voters: ['n1', 'n2', 'n3'],
    data: { kv: [['k', `v${index}`]], sessions: [['c1', { seq: index, result: { ok: true } }]] },
  };
}

/** Counts the background syncs of a disk by hand: `durable` moves only when the test says so. */
class HandCounted {
  syncsRequested = 0;
  syncsDurable = 0;
  constructor(private readonly disk: Env['disk']) {
    const sync = disk.sync.bind(disk);
    disk.sync = () => {
      this.syncsRequested++;
      sync();
    };
  }
}

describe('raft log segments and compaction', () => {
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

  it('a snapshot carries the log after it and opens a segment; the old files go once it is synced', () => {
    const world = new World({ seed: 11 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 6).map((seq) => command(1, seq)),
    );
    storage.flush();
    expect(disk.list()).toEqual(['log']);
    storage.saveSnapshot(snapshotAt(4), [command(1, 5), command(1, 6)]);
    storage.appendEntries(7, [command(2, 7)]);
    expect(disk.list()).toEqual(['log', 'snapshot.1']); // nothing removed before the flush
    storage.flush();
    expect(disk.list()).toEqual(['log.1', 'snapshot.1']);
    const recovered = new RaftStorage(disk).recover();
    expect(recovered.snapshot).toEqual(snapshotAt(4));
    expect(recovered.entries).toEqual([command(1, 5), command(1, 6), command(2, 7)]);
    // A second compaction replaces both again.
    const again = new RaftStorage(disk);
    again.recover();
    again.saveSnapshot(snapshotAt(6), [command(2, 7)]);
    again.flush();
    expect(disk.list()).toEqual(['snapshot.2']);
    expect(new RaftStorage(disk).recover().entries).toEqual([command(2, 7)]);
  });

  it('with background fsyncs the old files stay until the sync covering the snapshot is durable', () => {
    const world = new World({ seed: 12 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const counts = new HandCounted(disk);
    const storage = new RaftStorage(disk, false, counts);
    storage.appendEntries(
      1,
      range(1, 3).map((seq) => command(1, seq)),
    );
    storage.flush();
    storage.saveSnapshot(snapshotAt(3), []);
    storage.flush();
    storage.appendEntries(4, [command(1, 4)]);
    storage.flush();
    storage.syncsEnded();
    expect(disk.list()).toEqual(['log', 'log.1', 'snapshot.1']);
    counts.syncsDurable = counts.syncsRequested - 2; // the sync before the snapshot's
    storage.syncsEnded();
    expect(disk.list()).toEqual(['log', 'log.1', 'snapshot.1']);
    counts.syncsDurable = counts.syncsRequested - 1; // the snapshot's, not the next one
    storage.syncsEnded();
    expect(disk.list()).toEqual(['log.1', 'snapshot.1']);
  });

  it('a crash before the snapshot is synced recovers the state before it, whole', () => {
    const world = new World({ seed: 13 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 5).map((seq) => command(1, seq)),
    );
    storage.flush();
    storage.saveSnapshot(snapshotAt(5), []);
    world.disk('d').crash(new Rng(1));
    const recovered = new RaftStorage(disk).recover();
    expect(recovered.snapshot).toBeUndefined();
    expect(recovered.entries).toEqual(range(1, 5).map((seq) => command(1, seq)));
  });

  it('a snapshot torn by a crash is passed over for the files it was to replace, and removed', () => {
    const world = new World({ seed: 14 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const counts = new HandCounted(disk);
    const storage = new RaftStorage(disk, false, counts);
    storage.appendEntries(
      1,
      range(1, 4).map((seq) => command(1, seq)),
    );
    storage.saveSnapshot(snapshotAt(2), [command(1, 3), command(1, 4)]);
    storage.flush();
    counts.syncsDurable = counts.syncsRequested;
    storage.syncsEnded(); // snapshot.1 is durable: `log` goes
    storage.appendEntries(5, [command(1, 5)]);
    storage.saveSnapshot(snapshotAt(5), []);
    storage.appendEntries(6, [command(1, 6)]); // into log.2, opened by the snapshot that will be torn
    storage.flush(); // not durable: the old files stay
    expect(disk.list()).toEqual(['log.1', 'log.2', 'snapshot.1', 'snapshot.2']);
    // A power loss: neither new file reached the disk whole.
    for (const name of ['snapshot.2', 'log.2'])
      disk.write(name, (disk.read(name) as Uint8Array).slice(0, 12));
    disk.sync();
    const recovered = new RaftStorage(disk).recover();
    expect(recovered.snapshot).toEqual(snapshotAt(2));
    expect(recovered.entries).toEqual(range(3, 5).map((seq) => command(1, seq)));
    expect(disk.list()).toEqual(['log.1', 'snapshot.1']);
  });

  it('refuses to start, naming the file, when a durable snapshot is damaged and the log no longer joins up', () => {
    const world = new World({ seed: 15 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 4).map((seq) => command(1, seq)),
    );
    storage.saveSnapshot(snapshotAt(2), [command(1, 3), command(1, 4)]);
    storage.appendEntries(5, [command(1, 5)]);
    storage.flush();
    world.disk('d').corrupt('snapshot.1', SNAPSHOT_MAGIC.length + 6, 4);
    // log.1 holds record 5, synced after the snapshot: the snapshot was durable.
    expect(() => new RaftStorage(disk).recover()).toThrow(
      /snapshot\.1 is damaged, yet the log written after it was synced; refusing to start/,
    );
    // Without records after it, nothing older is left either.
    disk.remove('log.1');
    disk.sync();
    expect(() => new RaftStorage(disk).recover()).toThrow(/nothing older is left to recover from/);
  });

  it('refuses to start when the files before a snapshot are gone and the log does not join up', () => {
    const world = new World({ seed: 19 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 4).map((seq) => command(1, seq)),
    );
    storage.saveSnapshot(snapshotAt(2), [command(1, 3), command(1, 4)]);
    storage.flush();
    // A removal of the older snapshot became durable while the segment before it came back.
    disk.append('log.1', LOG_MAGIC);
    disk.remove('snapshot.1');
    disk.append(
      'log',
      joined(
        [LOG_MAGIC, logRecord(3, command(1, 3))],
        2,
        LOG_MAGIC.length + logRecord(3, command(1, 3)).length,
      ),
    );
    disk.sync();
    expect(() => new RaftStorage(disk).recover()).toThrow(/after index 0 the log resumes at 3/);
  });

  it('a snapshot that replaces a disagreeing log leaves none of it to come back at restart', () => {
    const world = new World({ seed: 16 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 6).map((seq) => command(1, seq)),
    );
    storage.flush();
    // InstallSnapshot at 4 with a term the log disagrees with: the follower keeps nothing after it.
    storage.saveSnapshot(snapshotAt(4, 3), []);
    storage.flush();
    const recovered = new RaftStorage(disk).recover();
    expect(recovered.snapshot?.lastTerm).toBe(3);
    expect(recovered.entries).toEqual([]);
  });

  it('reads a directory written before segments: `snapshot` without a tail, then `log`', () => {
    const world = new World({ seed: 17 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    // snapshotAt(2) as dslab wrote it before segments (commit e83150b): format version 1, no tail.
    const legacy = Uint8Array.from(
      '64736c616252530118000000020103026e31026e32026e3301016b027632010263310201138f91c7'
        .match(/../g)!
        .map((byte) => parseInt(byte, 16)),
    );
    disk.write('snapshot', legacy);
    const records = [LOG_MAGIC, ...range(1, 4).map((i) => logRecord(i, command(1, i)))];
    for (const record of records) disk.append('log', record);
    disk.sync();
    const storage = new RaftStorage(disk);
    const recovered = storage.recover();
    expect(recovered.snapshot).toEqual(snapshotAt(2));
    expect(recovered.entries).toEqual([command(1, 3), command(1, 4)]);
    storage.saveSnapshot(snapshotAt(4), []);
    storage.flush();
    expect(disk.list()).toEqual(['snapshot.1']);
  });

  it('a torn tail in one segment is corruption when a later segment holds records, and cut off when not', () => {
    const world = new World({ seed: 18 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(
      1,
      range(1, 3).map((seq) => command(1, seq)),
    );
    storage.saveSnapshot(snapshotAt(1), [command(1, 2), command(1, 3)]);
    storage.appendEntries(4, [command(1, 4)]);
    storage.flush(); // log.1 now holds record 4 and `log` is gone
    const tornRecord = logRecord(5, command(1, 5)).slice(0, 9);
    disk.append('log.1', tornRecord);
    disk.append('log.2', LOG_MAGIC);
    disk.sync();
    const cut = new RaftStorage(disk).recover();
    expect(cut.entries).toEqual(range(2, 4).map((seq) => command(1, seq)));
    expect(cut.tornRecords).toBe(1);
    expect(disk.list()).toEqual(['log.1', 'snapshot.1']);
    disk.append('log.1', tornRecord);
    const sixth = logRecord(6, command(1, 6));
    disk.append('log.2', joined([LOG_MAGIC, sixth], 2, LOG_MAGIC.length + sixth.length));
    disk.sync();
    expect(() => new RaftStorage(disk).recover()).toThrow(
      /of log\.1 is corrupt and later records are intact/,
    );
  });
});
