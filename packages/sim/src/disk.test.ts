/**
 * The simulated disk against a model of what it promises: reads see every write at once, and a crash
 * keeps exactly what the last sync of each file made durable (renames and removals included), whatever
 * mix of files changed between syncs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimDisk } from './disk';
import { Rng } from './rng';

type Op =
  | { readonly op: 'append' | 'write'; readonly name: string; readonly byte: number }
  | { readonly op: 'rename'; readonly from: string; readonly to: string }
  | { readonly op: 'remove'; readonly name: string }
  | { readonly op: 'sync' }
  | { readonly op: 'crash' };

const NAMES = ['log', 'log.1', 'meta', 'meta.tmp'];
const name = fc.constantFrom(...NAMES);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('append' as const), name, byte: fc.nat(255) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), name, byte: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), from: name, to: name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), name }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sync' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const) }) },
);

describe('SimDisk', () => {
  it('reads what was written and keeps across a crash what each sync made durable', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const disk = new SimDisk();
        // The model: file contents as byte lists, as the node sees them and as a crash would leave them.
        let volatile = new Map<string, number[]>();
        let durable = new Map<string, number[]>();
        for (const o of ops) {
          switch (o.op) {
            case 'append':
              disk.append(o.name, new Uint8Array([o.byte]));
              volatile.set(o.name, [...(volatile.get(o.name) ?? []), o.byte]);
              break;
            case 'write':
              disk.write(o.name, new Uint8Array([o.byte]));
              volatile.set(o.name, [o.byte]);
              break;
            case 'rename': {
              const bytes = volatile.get(o.from);
              if (bytes === undefined) {
                expect(() => disk.rename(o.from, o.to)).toThrow(/no file/);
                break;
              }
              disk.rename(o.from, o.to);
              volatile.delete(o.from);
              volatile.set(o.to, bytes);
              break;
            }
            case 'remove':
              disk.remove(o.name);
              volatile.delete(o.name);
              break;
            case 'sync':
              disk.sync();
              durable = new Map(volatile);
              expect(disk.unsyncedBytes()).toBe(0);
              break;
            case 'crash':
              disk.crash(new Rng(1));
              volatile = new Map(durable);
              break;
          }
          expect(disk.list()).toEqual([...volatile.keys()].sort());
          for (const file of NAMES) {
            const bytes = disk.read(file);
            expect(bytes === undefined ? undefined : [...bytes]).toEqual(volatile.get(file));
          }
        }
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('counts the bytes a crash would lose, in every file changed since the sync', () => {
    const disk = new SimDisk();
    disk.append('a', new Uint8Array(3));
    disk.sync();
    disk.append('a', new Uint8Array(2));
    disk.append('b', new Uint8Array(5));
    disk.append('a', new Uint8Array(1));
    disk.write('c', new Uint8Array(7));
    expect(disk.unsyncedBytes()).toBe(2 + 5 + 1 + 7);
    disk.sync();
    expect(disk.unsyncedBytes()).toBe(0);
  });
});
