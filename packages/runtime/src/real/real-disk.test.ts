import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealDisk } from './real-disk';

const bytes = (...values: number[]) => new Uint8Array(values);

/** Runs `test` in a fresh directory, removed afterwards whatever happens. */
async function inTempDir(test: (dir: string) => unknown): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
  try {
    await test(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('RealDisk', () => {
  it('keeps the Disk contract on a real directory, across reopening', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir);
      disk.append('log', bytes(1, 2));
      disk.append('log', bytes(3));
      disk.write('meta.tmp', bytes(9));
      disk.rename('meta.tmp', 'meta');
      disk.sync();
      expect([...disk.read('log')!]).toEqual([1, 2, 3]);
      expect(disk.list()).toEqual(['log', 'meta']);
      disk.remove('meta');
      expect(disk.read('meta')).toBeUndefined();
      disk.sync();
      disk.close();
      const again = new RealDisk(dir);
      expect([...again.read('log')!]).toEqual([1, 2, 3]);
      again.append('log', bytes(4));
      again.sync();
      expect([...again.read('log')!]).toEqual([1, 2, 3, 4]);
      expect(() => again.write('../escape', bytes(1))).toThrow(/invalid file name/);
      again.close();
    });
  });
});

describe('RealDisk with pipelined appends', () => {
  const durable = (disk: RealDisk) =>
    new Promise<void>((resolve) => {
      if (disk.syncsDurable === disk.syncsRequested) resolve();
      else disk.onDurable(() => disk.syncsDurable === disk.syncsRequested && resolve());
    });

  it('returns from sync() before the fsync of appended data ends, and says when it has', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      disk.sync();
      expect(disk.syncsDurable).toBe(1); // nothing written: durable at once
      disk.append('log', bytes(1, 2));
      disk.sync();
      expect(disk.syncsRequested).toBe(2);
      expect(disk.syncsDurable).toBe(1);
      await durable(disk);
      expect(disk.syncsDurable).toBe(2);
      expect([...disk.read('log')!]).toEqual([1, 2]);
      disk.close();
    });
  });

  it('lets the syncs requested during an fsync share the next one (group commit)', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      for (let i = 0; i < 50; i++) {
        disk.append('log', bytes(i));
        disk.sync();
      }
      await durable(disk);
      expect(disk.syncsDurable).toBe(50);
      expect(disk.backgroundFsyncs).toBe(2); // the first, then one for the 49 requested while it ran
      expect(disk.read('log')!.length).toBe(50);
      // What an operator reads in a member's status to tell a slow disk from a slow node.
      expect(disk.longestFsyncMs).toBeGreaterThan(0);
      expect(disk.longestAppendMs).toBeGreaterThan(0);
      // The file's creation was made durable in the background too: nothing blocked.
      expect(disk.longestBlockingSyncMs).toBe(0);
      disk.close();
    });
  });

  it('makes files created by appending, and removals, durable in the background; a rename blocks', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      disk.append('snapshot.1', bytes(1, 2, 3));
      disk.append('log.1', bytes(4));
      disk.sync();
      expect(disk.syncsDurable).toBe(0); // the files' data and their directory entries: one round
      await durable(disk);
      expect(disk.syncsDurable).toBe(1);
      disk.remove('snapshot.1');
      disk.sync();
      expect(disk.syncsDurable).toBe(1); // a removal alone is a round too
      await durable(disk);
      expect(disk.syncsDurable).toBe(2);
      expect(disk.backgroundFsyncs).toBe(2);
      expect(disk.longestBlockingSyncMs).toBe(0);
      disk.write('meta.tmp', bytes(5));
      disk.sync();
      expect(disk.longestFileOpMs).toBeGreaterThan(0); // the two creates, timed
      expect(disk.longestUnlinkMs).toBeGreaterThan(0); // the removal, off the event loop
      disk.rename('meta.tmp', 'meta');
      disk.sync();
      expect(disk.longestBlockingSyncMs).toBeGreaterThan(0);
      disk.close();
      expect(new RealDisk(dir).list()).toEqual(['log.1', 'meta']);
    });
  });

  it('keeps whole-file replacement atomic and survives a rename of a file whose fsync is running', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      disk.append('log', bytes(1));
      disk.sync(); // fsync of 'log' in flight
      disk.write('log.tmp', bytes(7, 8));
      disk.sync();
      disk.rename('log.tmp', 'log'); // closes the old descriptor only once its fsync ends
      disk.append('log', bytes(9));
      disk.sync();
      await durable(disk);
      expect([...disk.read('log')!]).toEqual([7, 8, 9]);
      disk.close();
      expect([...new RealDisk(dir).read('log')!]).toEqual([7, 8, 9]);
    });
  });

  it('unlinks on the thread pool: a name reused meanwhile is a new file the unlink cannot take', async () => {
    await inTempDir(async (dir) => {
      const disk = new RealDisk(dir, { pipelineAppends: true });
      disk.append('snapshot.2', bytes(1, 2, 3));
      disk.sync();
      await durable(disk);
      disk.remove('snapshot.2'); // its unlink starts; the name is free at once
      expect(disk.read('snapshot.2')).toBeUndefined();
      expect(() => disk.rename('snapshot.2', 'x')).toThrow(/no such file/);
      expect(disk.list()).toEqual([]);
      disk.append('snapshot.2', bytes(7));
      disk.sync();
      expect(disk.syncsDurable).toBe(1); // the round waits for the unlink, then fsyncs the directory
      await durable(disk);
      expect([...disk.read('snapshot.2')!]).toEqual([7]);
      expect(readdirSync(dir)).toEqual(['snapshot.2#1']);
      expect(disk.list()).toEqual(['snapshot.2']);
      disk.append('snapshot.2', bytes(8));
      disk.sync();
      await durable(disk);
      disk.close();
      const again = new RealDisk(dir, { pipelineAppends: true });
      expect([...again.read('snapshot.2')!]).toEqual([7, 8]);
      again.close();
    });
  });

  it('logs slow operations with their start, what a round covered and its wait for unlinks; keeps the latest 64', async () => {
    await inTempDir(async (dir) => {
      // Every operation counts as slow here (0 ms), so the log's contents are known.
      const disk = new RealDisk(dir, { pipelineAppends: true, slowOpMs: 0 });
      const before = Date.now();
      disk.append('log', bytes(1, 2, 3));
      disk.append('log', bytes(4));
      disk.sync();
      await durable(disk);
      disk.remove('log');
      disk.append('log.1', bytes(5)); // the round for this waits for the unlink
      disk.sync();
      await durable(disk);
      const ops = disk.slowOps();
      expect(ops.map((op) => op.op)).toEqual([
        'file',
        'append',
        'append',
        'fsync',
        'file',
        'append',
        'unlink',
        'fsync',
      ]);
      for (const op of ops) {
        expect(op.at).toBeGreaterThanOrEqual(before - 1);
        expect(op.at).toBeLessThanOrEqual(Date.now());
        expect(op.ms).toBeGreaterThanOrEqual(0);
      }
      const [first, second] = ops.filter((op) => op.op === 'fsync');
      // The first round: the file and the directory (created by appending), four bytes, no wait.
      expect(first).toMatchObject({ files: 2, bytes: 4, waitedMs: 0 });
      // The second: log.1 and the directory, after waiting for the unlink (its time counted in `ms`).
      expect(second?.files).toBe(2);
      expect(second?.bytes).toBe(1);
      expect(second?.waitedMs).toBeGreaterThan(0);
      expect(second?.ms).toBeGreaterThanOrEqual(second?.waitedMs ?? 0);
      // Every round counted once in etcd's buckets (two rounds of under a millisecond or so, here).
      expect(disk.fsyncRoundsByMs.reduce((a, b) => a + b, 0)).toBe(disk.backgroundFsyncs);
      expect(disk.fsyncRoundsByMs).toHaveLength(15);
      for (let i = 0; i < 100; i++) disk.append('log.1', bytes(i));
      const kept = disk.slowOps();
      expect(kept).toHaveLength(64);
      expect(kept.every((op) => op.op === 'append')).toBe(true); // the newest, in order
      expect(kept[63]?.at).toBeGreaterThanOrEqual(kept[0]?.at ?? Infinity);
      disk.close();
      const quiet = new RealDisk(dir, { pipelineAppends: true });
      quiet.append('log.1', bytes(1));
      expect(quiet.slowOps()).toEqual([]); // an append to the page cache is not 20 ms
      quiet.close();
    });
  });

  it('after a crash during an unlink, keeps the newest generation of a name and removes the rest', async () => {
    await inTempDir(async (dir) => {
      writeFileSync(join(dir, 'seg'), 'old');
      writeFileSync(join(dir, 'seg#2'), 'new');
      writeFileSync(join(dir, 'seg#1'), 'older');
      writeFileSync(join(dir, 'other'), 'x');
      writeFileSync(join(dir, 'notes#draft'), 'not ours'); // no generation: left alone, not listed
      const disk = new RealDisk(dir, { pipelineAppends: true });
      expect(disk.list()).toEqual(['other', 'seg']);
      expect(new TextDecoder().decode(disk.read('seg'))).toBe('new');
      expect(readdirSync(dir).sort()).toEqual(['notes#draft', 'other', 'seg#2']);
      expect(() => disk.append('a#1', bytes(1))).toThrow(/invalid file name/);
      disk.close();
    });
  });

  it('reads back what a model of the Disk contract holds, through removals, reuse and reopening', async () => {
    type Op =
      | { kind: 'append' | 'write'; name: string; value: number }
      | { kind: 'remove'; name: string }
      | { kind: 'rename'; from: string; to: string }
      | { kind: 'sync' | 'settle' };
    const name = fc.constantFrom('a', 'b', 'c');
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constantFrom('append' as const, 'write' as const),
        name,
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), name }),
      fc.record({ kind: fc.constant('rename' as const), from: name, to: name }),
      fc.record({ kind: fc.constantFrom('sync' as const, 'settle' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        await inTempDir(async (dir) => {
          const disk = new RealDisk(dir, { pipelineAppends: true });
          const model = new Map<string, number[]>();
          for (const o of ops) {
            if (o.kind === 'append') {
              disk.append(o.name, bytes(o.value));
              model.set(o.name, [...(model.get(o.name) ?? []), o.value]);
            } else if (o.kind === 'write') {
              disk.write(o.name, bytes(o.value));
              model.set(o.name, [o.value]);
            } else if (o.kind === 'remove') {
              disk.remove(o.name);
              model.delete(o.name);
            } else if (o.kind === 'rename') {
              if (!model.has(o.from) || o.from === o.to) continue;
              disk.rename(o.from, o.to);
              model.set(o.to, model.get(o.from) as number[]);
              model.delete(o.from);
            } else if (o.kind === 'sync') disk.sync();
            else await durable(disk);
            expect(disk.list()).toEqual([...model.keys()].sort());
            for (const [n, content] of model) expect([...(disk.read(n) ?? [])]).toEqual(content);
          }
          disk.sync();
          await durable(disk);
          disk.close();
          const again = new RealDisk(dir, { pipelineAppends: true });
          expect(again.list()).toEqual([...model.keys()].sort());
          for (const [n, content] of model) expect([...(again.read(n) ?? [])]).toEqual(content);
          again.close();
        });
      }),
      { numRuns: 150 },
    );
  });
});
