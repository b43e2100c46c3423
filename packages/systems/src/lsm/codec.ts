/**
 * The LSM's bytes on disk: write-ahead-log records, run files (SSTables) and the manifest. Every
 * record and file carries a MurmurHash3 checksum, so a torn or corrupted tail is recognised and
 * ignored instead of replayed as data.
 */
import { murmur3, utf8 } from '@dslab/sim';
import { TOMBSTONE, type Entry } from './run';

const decoder = new TextDecoder();

/** An entry as stored: key length (u32), value length (i32, −1 for a tombstone), key, value. */
function entryLength(key: Uint8Array, value: Uint8Array | undefined): number {
  return 8 + key.length + (value?.length ?? 0);
}

function writeEntry(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  key: Uint8Array,
  value: Uint8Array | undefined,
): number {
  view.setUint32(at, key.length, true);
  view.setInt32(at + 4, value ? value.length : -1, true);
  bytes.set(key, at + 8);
  if (value) bytes.set(value, at + 8 + key.length);
  return at + entryLength(key, value);
}

/** Reads one entry at `at`, or undefined when it would run past `end`. */
function readEntry(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  end: number,
): { entry: Entry; next: number } | undefined {
  if (at + 8 > end) return undefined;
  const keyLength = view.getUint32(at, true);
  const valueLength = view.getInt32(at + 4, true);
  const next = at + 8 + keyLength + Math.max(0, valueLength);
  if (valueLength < -1 || next > end) return undefined;
  const key = decoder.decode(bytes.subarray(at + 8, at + 8 + keyLength));
  const value = valueLength < 0 ? TOMBSTONE : decoder.decode(bytes.subarray(at + 8 + keyLength, next));
  return { entry: [key, value], next };
}

// ---------------------------------------------------------------------------------------------------
// WAL records: payload length (u32), checksum of the payload (u32), payload = sequence number (f64)
// and one entry. One record per write, appended; 16 bytes of framing plus the entry's 8.

export const WAL_RECORD_OVERHEAD = 4 + 4 + 8 + 8;

export function encodeWalRecord(sequence: number, entry: Entry): Uint8Array {
  const key = utf8(entry[0]);
  const value = entry[1] === TOMBSTONE ? undefined : utf8(entry[1]);
  const payload = 8 + entryLength(key, value);
  const bytes = new Uint8Array(8 + payload);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload, true);
  view.setFloat64(8, sequence, true);
  writeEntry(view, bytes, 16, key, value);
  view.setUint32(4, murmur3(bytes.subarray(8)), true);
  return bytes;
}

export interface WalReplay {
  readonly records: { readonly sequence: number; readonly entry: Entry }[];
  /** Bytes after the last whole record with a good checksum: a torn or corrupt tail, ignored. */
  readonly ignoredBytes: number;
}

/** Every whole, intact record of a WAL segment, in order; stops at the first torn or corrupt one. */
export function readWal(bytes: Uint8Array): WalReplay {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: { sequence: number; entry: Entry }[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const payload = view.getUint32(at, true);
    const end = at + 8 + payload;
    if (payload < 16 || end > bytes.length) break;
    if (murmur3(bytes.subarray(at + 8, end)) !== view.getUint32(at + 4, true)) break;
    const read = readEntry(view, bytes, at + 16, end);
    if (!read || read.next !== end) break;
    records.push({ sequence: view.getFloat64(at + 8, true), entry: read.entry });
    at = end;
  }
  return { records, ignoredBytes: bytes.length - at };
}

// ---------------------------------------------------------------------------------------------------
// Run files: magic, entry count, the entries in key order, checksum of all that. Written whole, once.

const RUN_MAGIC = 0x4c534d31; // "LSM1"

export function encodeRun(entries: readonly Entry[]): Uint8Array {
  const encoded = entries.map(
    ([key, value]) => [utf8(key), value === TOMBSTONE ? undefined : utf8(value)] as const,
  );
  const length = 8 + encoded.reduce((n, [key, value]) => n + entryLength(key, value), 0) + 4;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, RUN_MAGIC, true);
  view.setUint32(4, entries.length, true);
  let at = 8;
  for (const [key, value] of encoded) at = writeEntry(view, bytes, at, key, value);
  view.setUint32(at, murmur3(bytes.subarray(0, at)), true);
  return bytes;
}

/** The entries of a run file, or undefined when it is torn or corrupt. */
export function decodeRun(bytes: Uint8Array): Entry[] | undefined {
  if (bytes.length < 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 4;
  if (view.getUint32(0, true) !== RUN_MAGIC) return undefined;
  if (murmur3(bytes.subarray(0, end)) !== view.getUint32(end, true)) return undefined;
  const count = view.getUint32(4, true);
  const entries: Entry[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const read = readEntry(view, bytes, at, end);
    if (!read) return undefined;
    entries.push(read.entry);
    at = read.next;
  }
  return at === end ? entries : undefined;
}

// ---------------------------------------------------------------------------------------------------
// The manifest: which run files make up each level, and which WAL segments are not yet in a run.

export interface Manifest {
  /** File numbers are never reused: runs and WAL segments take the next one. */
  readonly nextFile: number;
  /** WAL segments numbered from here on hold writes no run holds yet. */
  readonly logNumber: number;
  /** Size-tiered and L0 runs, newest first. */
  readonly l0: readonly number[];
  /** Leveled: L1, L2 … each a list of tables in key order. */
  readonly levels: readonly (readonly number[])[];
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  const json = JSON.stringify(manifest);
  return utf8(`${murmur3(json).toString(16).padStart(8, '0')} ${json}\n`);
}

export function decodeManifest(bytes: Uint8Array): Manifest | undefined {
  const text = decoder.decode(bytes);
  const json = text.slice(9).trimEnd();
  if (text.slice(0, 8) !== murmur3(json).toString(16).padStart(8, '0')) return undefined;
  return JSON.parse(json) as Manifest;
}
