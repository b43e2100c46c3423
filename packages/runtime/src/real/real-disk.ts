/**
 * `Disk` over a real directory: one file per name, appends through open descriptors, and `sync()` as
 * fsync of every file written since the last sync plus the directory itself (so creates, renames and
 * removes are durable too). Same contract as the simulator's disk, which is what makes crash tests
 * in the simulator mean something here.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Disk } from '@dslab/sim';

export class RealDisk implements Disk {
  private readonly appendFds = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private directoryDirty = false;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  private path(name: string): string {
    if (name.length === 0 || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
      throw new Error(`disk: invalid file name '${name}' (flat names only)`);
    }
    return join(this.directory, name);
  }

  append(name: string, data: Uint8Array): void {
    let fd = this.appendFds.get(name);
    if (fd === undefined) {
      if (!existsSync(this.path(name))) this.directoryDirty = true;
      fd = openSync(this.path(name), 'a');
      this.appendFds.set(name, fd);
    }
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    this.dirty.add(name);
  }

  write(name: string, data: Uint8Array): void {
    this.closeAppend(name);
    if (!existsSync(this.path(name))) this.directoryDirty = true;
    const fd = openSync(this.path(name), 'w');
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } finally {
      closeSync(fd);
    }
    this.dirty.add(name);
  }

  read(name: string): Uint8Array | undefined {
    const path = this.path(name);
    if (!existsSync(path)) return undefined;
    const bytes = readFileSync(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  rename(from: string, to: string): void {
    this.closeAppend(from);
    this.closeAppend(to);
    renameSync(this.path(from), this.path(to));
    if (this.dirty.delete(from)) this.dirty.add(to);
    this.directoryDirty = true;
  }

  remove(name: string): void {
    this.closeAppend(name);
    rmSync(this.path(name), { force: true });
    this.dirty.delete(name);
    this.directoryDirty = true;
  }

  list(): string[] {
    return readdirSync(this.directory).sort();
  }

  sync(): void {
    for (const name of this.dirty) {
      const open = this.appendFds.get(name);
      if (open !== undefined) fsyncSync(open);
      else if (existsSync(this.path(name))) {
        const fd = openSync(this.path(name), 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    this.dirty.clear();
    if (this.directoryDirty) {
      const fd = openSync(this.directory, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.directoryDirty = false;
    }
  }

  close(): void {
    for (const fd of this.appendFds.values()) closeSync(fd);
    this.appendFds.clear();
  }

  private closeAppend(name: string): void {
    const fd = this.appendFds.get(name);
    if (fd !== undefined) {
      if (this.dirty.has(name)) fsyncSync(fd); // keep durability promises across reopen
      closeSync(fd);
      this.appendFds.delete(name);
    }
  }
}
