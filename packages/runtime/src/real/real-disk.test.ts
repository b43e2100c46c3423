import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealDisk } from './real-disk';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('RealDisk', () => {
  it('keeps the Disk contract on a real directory, across reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
    try {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RealDisk with pipelined appends', () => {
  const durable = (disk: RealDisk) =>
    new Promise<void>((resolve) => {
      if (disk.syncsDurable === disk.syncsRequested) resolve();
      else disk.onDurable(() => disk.syncsDurable === disk.syncsRequested && resolve());
    });

  it('returns from sync() before the fsync of appended data ends, and says when it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
    try {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets the syncs requested during an fsync share the next one (group commit)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
    try {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes files created by appending, and removals, durable in the background; a rename blocks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
    try {
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
      expect(disk.longestFileOpMs).toBeGreaterThan(0); // the two creates and the removal, timed
      disk.rename('meta.tmp', 'meta');
      disk.sync();
      expect(disk.longestBlockingSyncMs).toBeGreaterThan(0);
      disk.close();
      expect(new RealDisk(dir).list()).toEqual(['log.1', 'meta']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps whole-file replacement atomic and survives a rename of a file whose fsync is running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dslab-disk-'));
    try {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
