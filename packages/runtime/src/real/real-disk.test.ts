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
