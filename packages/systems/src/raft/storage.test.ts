/**
 * The storage's caches never change what it writes or what it accepts: records encoded once for every
 * member are the bytes each would have encoded, and a line remembered as intact is trusted only when it is
 * the very same text — a flipped bit in a line read before is still caught.
 */
import { describe, expect, it } from 'vitest';
import { World, type Env } from '@dslab/sim';
import fc from 'fast-check';
import { checksum, logRecord, parseLine } from './log-record';
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

describe('raft storage caches', () => {
  it('a record is the UTF-8 of "<checksum> <json>\\n" and parses back, for any text in the entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 50 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 12 }),
        (index, term, key, value) => {
          const entry: Entry = {
            term,
            kind: 'command',
            command: { client: 'c', seq: index, op: { f: 'put', key, value } },
          };
          const json = `{"i":${index},"e":${JSON.stringify(entry)}}`;
          const bytes = logRecord(index, entry);
          expect(new TextDecoder().decode(bytes)).toBe(`${checksum(json)} ${json}\n`);
          expect(logRecord(index, entry)).toBe(bytes); // encoded once
          expect(parseLine(`${checksum(json)} ${json}`)).toEqual({ i: index, e: entry });
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('members sharing entry objects and members holding copies write the same bytes', () => {
    const world = new World({ seed: 3 });
    const [a, b] = disksOf(world, ['a', 'b']) as [Env['disk'], Env['disk']];
    const entries = [command(1, 1), command(1, 2), { term: 2, kind: 'noop' } as Entry];
    const shared = new RaftStorage(a);
    shared.appendEntries(1, entries);
    shared.flush();
    const copies = new RaftStorage(b);
    copies.appendEntries(1, JSON.parse(JSON.stringify(entries)) as Entry[]);
    copies.flush();
    const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
    expect(text(a.read('log'))).toBe(text(b.read('log')));
    expect(new RaftStorage(b).recover().entries).toEqual(entries);
  });

  it('a line recovered intact once is refused after a bit flip', () => {
    const world = new World({ seed: 4 });
    const [disk] = disksOf(world, ['d']) as [Env['disk']];
    const storage = new RaftStorage(disk);
    storage.appendEntries(1, [command(1, 1), command(1, 2), command(1, 3)]);
    storage.flush();
    expect(new RaftStorage(world.disk('d')).recover().entries).toHaveLength(3); // remembered as intact
    world.disk('d').corrupt('log', 40, 2); // inside the first record's JSON
    expect(() => new RaftStorage(world.disk('d')).recover()).toThrow(/corrupt and later records are intact/);
  });
});
