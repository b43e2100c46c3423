/**
 * The write-path scenario's instrument: a `Disk` in front of the simulator's `SimDisk` that counts what
 * reaches the disk, per kind of file, and crashes it at a chosen operation. A crash is the simulator's
 * (`SimDisk.crash`: unsynced data is lost, the first unsynced append of a file may be torn), followed by
 * a `CrashPoint` thrown out of the operation, which never happens: the tree above is abandoned as a
 * process would be, and the scenario opens a new one on the same disk.
 */
import type { Disk, Rng, SimDisk } from '@dslab/sim';

export type DiskOperation = 'append' | 'write' | 'rename' | 'remove' | 'sync';
export const diskOperations: readonly DiskOperation[] = ['append', 'write', 'rename', 'remove', 'sync'];

export class CrashPoint extends Error {
  constructor(readonly operation: DiskOperation) {
    super(`crashed at a disk ${operation}`);
  }
}

/** What reached the disk, counted at the disk. */
export interface DiskTally {
  walAppends: number;
  walBytes: number;
  runFilesWritten: number;
  runBytes: number;
  /** Appends to a run file, or writes over one that exists: a run that changed after it was written. */
  runFilesRewritten: number;
  runFilesRemoved: number;
  manifestBytes: number;
}

export class CrashingDisk implements Disk {
  readonly tally: DiskTally = {
    walAppends: 0,
    walBytes: 0,
    runFilesWritten: 0,
    runBytes: 0,
    runFilesRewritten: 0,
    runFilesRemoved: 0,
    manifestBytes: 0,
  };
  /** Crashes so far, by the operation they interrupted. */
  readonly crashes: Record<DiskOperation, number> = { append: 0, write: 0, rename: 0, remove: 0, sync: 0 };
  private armed: { operation: DiskOperation; remaining: number } | undefined;

  constructor(
    readonly inner: SimDisk,
    private readonly rng: Rng,
  ) {}

  /** Crash at the `count`-th `operation` from now (1 = the next one). */
  arm(operation: DiskOperation, count: number): void {
    this.armed = { operation, remaining: count };
  }

  disarm(): void {
    this.armed = undefined;
  }

  private step(operation: DiskOperation): void {
    if (!this.armed || this.armed.operation !== operation || --this.armed.remaining > 0) return;
    this.armed = undefined;
    this.crashes[operation]++;
    this.inner.crash(this.rng);
    throw new CrashPoint(operation);
  }

  append(name: string, data: Uint8Array): void {
    this.step('append');
    if (name.endsWith('.log')) {
      this.tally.walAppends++;
      this.tally.walBytes += data.length;
    } else if (name.endsWith('.sst')) this.tally.runFilesRewritten++;
    this.inner.append(name, data);
  }

  write(name: string, data: Uint8Array): void {
    this.step('write');
    if (name.endsWith('.sst')) {
      if (this.inner.read(name) !== undefined) this.tally.runFilesRewritten++;
      this.tally.runFilesWritten++;
      this.tally.runBytes += data.length;
    } else this.tally.manifestBytes += data.length;
    this.inner.write(name, data);
  }

  read(name: string): Uint8Array | undefined {
    return this.inner.read(name);
  }

  rename(from: string, to: string): void {
    this.step('rename');
    if (to.endsWith('.sst')) this.tally.runFilesRewritten++;
    this.inner.rename(from, to);
  }

  remove(name: string): void {
    this.step('remove');
    if (name.endsWith('.sst') && this.inner.read(name) !== undefined) this.tally.runFilesRemoved++;
    this.inner.remove(name);
  }

  list(): string[] {
    return this.inner.list();
  }

  sync(): void {
    this.step('sync');
    this.inner.sync();
  }
}
