/**
 * The log file's binary records: every entry decodes to itself whatever its text, the record cache never
 * changes what is written, and recovery tells a torn tail (cut off) from a flipped record followed by
 * intact ones (refuses to start) and from a file in another format (refuses to start).
 */
import { describe, expect, it } from 'vitest';
import { World, type Env } from '@dslab/sim';
import fc from 'fast-check';
import {
  LOG_MAGIC,
  SNAPSHOT_MAGIC,
  decodeSnapshot,
  encodeSnapshot,
  intactRecordAfter,
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
      // The value is followed by the session count (one byte: 0) and the checksum (four).
      const at = bytes.length - 4 - 1 - utf8.length;
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
