/**
 * The log file's records, encoded and parsed. One record per line: a checksum (murmur3 of the JSON, 8 hex
 * digits), a space, and the entry with its index, so recovery can tell a rewrite of an index from an
 * append and a torn or flipped record from a good one.
 *
 * Both directions are on the simulator's hot path, so both remember their work: every member writes the
 * same entry objects at the same indexes, and a restarted member reads lines it or another member read
 * before. The caches change no byte written and no verdict on a line read.
 */
import { murmur3 } from '@dslab/sim';
import type { Entry } from './types';

const CHECKSUM_SEED = 0x5ca1ab1e;

export function checksum(json: string): string {
  return murmur3(json, CHECKSUM_SEED).toString(16).padStart(8, '0');
}

// ---- bytes: carved from shared slabs ----

/** Size of a slab; a record or a flush larger than a quarter of it gets a buffer of its own. */
export const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/**
 * `length` fresh bytes. Each range of a slab is handed out once and never written again after its
 * owner filled it, so a record stays valid as long as anyone holds it (a slab is freed with its last
 * view). Views cost far less than an array buffer of their own per record.
 */
function carve(length: number): Uint8Array {
  if (length > SLAB_BYTES / 4) return new Uint8Array(length);
  if (SLAB_BYTES - slabUsed < length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

/** TextEncoder with `encodeInto` (in every browser and Node; the portable globals declare only `encode`). */
const encoder = new TextEncoder() as TextEncoder & {
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
};
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]; // '0'–'9', 'a'–'f'

/** The line's bytes, encoded straight into a slab (through a buffer of their own if not ASCII). */
function encodeLine(json: string): Uint8Array {
  const n = json.length;
  const out = carve(n + 10);
  // n bytes hold the JSON only when every character is ASCII (anything else takes 2 to 4 bytes).
  const { read, written } = encoder.encodeInto(json, out.subarray(9, 9 + n));
  if (read !== n || written !== n) return encoder.encode(`${checksum(json)} ${json}\n`); // (range left unused)
  // murmur3 of the bytes equals murmur3 of the string (both hash the UTF-8), so `checksum` agrees.
  const hash = murmur3(out.subarray(9, 9 + n), CHECKSUM_SEED);
  for (let k = 0; k < 8; k++) out[k] = HEX[(hash >>> (28 - 4 * k)) & 15] as number;
  out[8] = 0x20; // ' '
  out[9 + n] = 0x0a; // '\n'
  return out;
}

// ---- encoding, once per (entry, index) ----

/** Slots of the record cache (a power of two): far more than the entries in flight at once. */
export const RECORD_CACHE_SLOTS = 1_024;
const recordCache: (
  { readonly entry: Entry; readonly index: number; readonly bytes: Uint8Array } | undefined
)[] = [];

/** The record of `entry` at `index`, as UTF-8 bytes nobody may mutate (members share them). */
export function logRecord(index: number, entry: Entry): Uint8Array {
  // A small cache by index: the members write an entry at about the same time, so each (entry, index)
  // record is encoded once, not once per member. A miss only costs the encoding; entries are never
  // mutated, so a hit is always the same bytes.
  const slot = index & (RECORD_CACHE_SLOTS - 1);
  const cached = recordCache[slot];
  if (cached !== undefined && cached.entry === entry && cached.index === index) return cached.bytes;
  const bytes = encodeLine(`{"i":${index},"e":${JSON.stringify(entry)}}`);
  recordCache[slot] = { entry, index, bytes };
  return bytes;
}

/** The records of `entries` from `firstIndex` on, one after the other. */
export function logRecords(firstIndex: number, entries: readonly Entry[]): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (let k = 0; k < entries.length; k++) records.push(logRecord(firstIndex + k, entries[k] as Entry));
  return records;
}

/** One buffer holding the first `count` chunks in order (the chunk itself when there is one). */
export function joined(chunks: readonly Uint8Array[], count: number, length: number): Uint8Array {
  if (count === 1) return chunks[0] as Uint8Array;
  const out = carve(length);
  let at = 0;
  for (let k = 0; k < count; k++) {
    const chunk = chunks[k] as Uint8Array;
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

// ---- parsing ----

export interface LogRecord {
  readonly i: number;
  readonly e: Entry;
}

/**
 * Most lines `parseLine` remembers: a line seen intact parses to the same record without its checksum
 * and JSON being computed again. The map is emptied when full.
 */
export const PARSED_LINES_KEPT = 8_192;
const parsedLines = new Map<string, LogRecord>();

/** The record in a line, or undefined when the line is torn or corrupt. */
export function parseLine(line: string): LogRecord | undefined {
  const known = parsedLines.get(line); // the very same text: it passed the checksum before
  if (known !== undefined) return known;
  const space = line.indexOf(' ');
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (checksum(json) !== line.slice(0, 8)) return undefined;
  let record: LogRecord;
  try {
    record = JSON.parse(json) as LogRecord;
  } catch {
    return undefined;
  }
  if (parsedLines.size >= PARSED_LINES_KEPT) parsedLines.clear();
  parsedLines.set(line, record);
  return record;
}
