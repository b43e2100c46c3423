/**
 * The log file's bytes, encoded and decoded. The file opens with an 8-byte magic (`LOG_MAGIC`), then one
 * record per entry:
 *
 *   u32 payload length · payload · u32 murmur3 checksum of the length and the payload (little-endian)
 *
 * and the payload is the entry with its index (so recovery can tell a rewrite of an index from an
 * append): unsigned integers as base-128 varints, strings as a varint byte length and their UTF-8, one
 * byte for each kind and operation. Binary, not JSON: encoding and replay were a tenth of a simulated
 * Raft run in JSON (stringify, UTF-8, a checksum over the text, parse on every restart).
 *
 * Encoding is on the simulator's hot path, so it remembers its work: every member writes the same entry
 * objects at the same indexes. The cache changes no byte written.
 */
import { murmur3 } from '@dslab/sim';
import type { StoredSnapshot } from './storage';
import type { Entry, KvOp, KvResult, SessionRecord } from './types';

const CHECKSUM_SEED = 0x5ca1ab1e;

/** First bytes of every log file in this format: "dslabRL" and a format version. */
export const LOG_MAGIC = new Uint8Array([0x64, 0x73, 0x6c, 0x61, 0x62, 0x52, 0x4c, 0x01]);

/** Largest payload a record may declare: far above any entry, so a flipped length is caught as corrupt. */
export const MAX_RECORD_BYTES = 1 << 24;

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

// ---- encoding ----

const encoder = new TextEncoder();

/** Where a record is built before it is copied into a slab (grown when an entry needs more). */
let scratch = new Uint8Array(1024);
let at = 0;

function room(bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const bigger = new Uint8Array(Math.max(scratch.length * 2, at + bytes));
  bigger.set(scratch.subarray(0, at));
  scratch = bigger;
}

function writeByte(value: number): void {
  room(1);
  scratch[at++] = value;
}

/** A non-negative safe integer as a base-128 varint (7 bits a byte, low first; at most 8 bytes). */
function writeUint(value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0))
    throw new RangeError(`raft log: ${value} is not a non-negative safe integer`);
  room(8);
  let n = value;
  while (n >= 0x80) {
    scratch[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  scratch[at++] = n;
}

/** Past this length a string is copied by the engine (`encodeInto`) rather than a loop: a value of a
 * few hundred bytes costs a tenth as much, which is most of a snapshot of a key-value store. */
const NATIVE_COPY_FROM = 16;

/** Bytes the varint of `n` takes. */
function uintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeString(text: string): void {
  const n = text.length;
  if (n >= NATIVE_COPY_FROM) {
    // Encoded where the bytes go if the text is ASCII (length prefix of n bytes). It is ASCII exactly
    // when UTF-8 needs n bytes for n UTF-16 units; otherwise the general path below redoes it.
    const prefix = uintSize(n);
    room(prefix + n * 3);
    const { written } = encoder.encodeInto(text, scratch.subarray(at + prefix));
    if (written === n) {
      writeUint(n);
      at += n;
      return;
    }
  }
  let ascii = true;
  for (let k = 0; k < n; k++) {
    if (text.charCodeAt(k) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii) {
    const bytes = encoder.encode(text);
    writeUint(bytes.length);
    room(bytes.length);
    scratch.set(bytes, at);
    at += bytes.length;
    return;
  }
  writeUint(n);
  room(n);
  for (let k = 0; k < n; k++) scratch[at++] = text.charCodeAt(k);
}

const NOOP = 0;
const COMMAND = 1;
const CONFIG = 2;
const OPS = ['get', 'incr', 'put', 'delete', 'cas', 'append'] as const;

function writeOp(op: KvOp): void {
  switch (op.f) {
    case 'get':
      writeByte(0);
      writeString(op.key);
      writeByte(op.stale === undefined ? 0 : op.stale ? 2 : 1);
      return;
    case 'incr':
      writeByte(1);
      writeString(op.key);
      return;
    case 'put':
      writeByte(2);
      writeString(op.key);
      writeString(op.value);
      return;
    case 'delete':
      writeByte(3);
      writeString(op.key);
      return;
    case 'cas':
      writeByte(4);
      writeString(op.key);
      writeByte(op.from === null ? 0 : 1);
      if (op.from !== null) writeString(op.from);
      writeString(op.to);
      return;
    case 'append':
      writeByte(5);
      writeString(op.key);
      writeString(op.value);
      return;
    default:
      throw new Error(`raft log: cannot encode operation ${JSON.stringify(op)}`);
  }
}

/** The payload of `entry` at `index`, in `scratch` from byte `at` on. */
function writePayload(index: number, entry: Entry): void {
  writeUint(index);
  writeUint(entry.term);
  switch (entry.kind) {
    case 'noop':
      writeByte(NOOP);
      return;
    case 'command':
      writeByte(COMMAND);
      writeString(entry.command.client);
      writeUint(entry.command.seq);
      writeOp(entry.command.op);
      return;
    case 'config':
      writeByte(CONFIG);
      writeUint(entry.voters.length);
      for (const voter of entry.voters) writeString(voter);
      return;
  }
}

function setU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

function getU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

/** Encodes one record (length, payload, checksum) into fresh bytes. */
function encodeRecord(index: number, entry: Entry): Uint8Array {
  at = 4;
  writePayload(index, entry);
  const payload = at - 4;
  setU32(scratch, 0, payload);
  const out = carve(at + 4);
  for (let k = 0; k < at; k++) out[k] = scratch[k] as number;
  setU32(out, at, murmur3(out.subarray(0, at), CHECKSUM_SEED));
  return out;
}

// ---- snapshots ----

/**
 * First bytes of a snapshot file: "dslabRS" and a format version. Version 2 is a sequence of frames
 * (see `SnapshotWriter`); version 1, the snapshot in one frame with no log tail, is still read.
 */
export const SNAPSHOT_MAGIC = new Uint8Array([0x64, 0x73, 0x6c, 0x61, 0x62, 0x52, 0x53, 0x02]);
const SNAPSHOT_V1 = 0x01;

// The kinds of a version-2 snapshot file's frames, in the order they come.
const FRAME_HEADER = 1;
const FRAME_KV = 2;
const FRAME_SESSIONS = 3;
const FRAME_TAIL = 4;
const FRAME_END = 5;

// A session's result in one byte of flags, then its strings.
const RESULT_OK = 1;
const RESULT_VALUE = 2;
const RESULT_NULL = 4;
const RESULT_ERROR = 8;

function writeResult(result: KvResult): void {
  let flags = result.ok ? RESULT_OK : 0;
  if (result.value !== undefined) flags |= result.value === null ? RESULT_NULL : RESULT_VALUE;
  if (result.error !== undefined) flags |= RESULT_ERROR;
  writeByte(flags);
  if (typeof result.value === 'string') writeString(result.value);
  if (result.error !== undefined) writeString(result.error);
}

/** Frames `at` bytes of scratch built after 4 reserved bytes (length · payload · checksum) into fresh bytes. */
function takeFrame(): Uint8Array {
  setU32(scratch, 0, at - 4);
  const out = new Uint8Array(at + 4);
  out.set(scratch.subarray(0, at));
  setU32(out, at, murmur3(out.subarray(0, at), CHECKSUM_SEED));
  return out;
}

/**
 * Writes a snapshot file a piece at a time, so that a member with a large state can take a snapshot
 * between other work instead of stalling for all of it. The file is the magic, then frames in the
 * record format (u32 length · payload · u32 checksum), each payload opening with its kind:
 *
 *   header (index, term, voters, how many pairs and sessions) · pairs… · sessions… · tail · end
 *
 * The tail holds the log records after the snapshot's index that the node still has, so the log needs
 * no rewrite when it is compacted; the end frame counts the frames before it, so a file cut short at a
 * frame's edge is told from a whole one. Binary for the same reason as the log: JSON was most of the
 * time a member spent taking or loading one.
 */
export class SnapshotWriter {
  private nextPair = 0;
  private nextSession = 0;
  private frames = 0;

  constructor(readonly snapshot: StoredSnapshot) {}

  /** Pairs and sessions not written yet. */
  get remaining(): number {
    const { kv, sessions } = this.snapshot.data;
    return kv.length - this.nextPair + sessions.length - this.nextSession;
  }

  /** The magic and the header. */
  begin(): Uint8Array {
    const { lastIndex, lastTerm, voters, data } = this.snapshot;
    at = 4;
    writeByte(FRAME_HEADER);
    writeUint(lastIndex);
    writeUint(lastTerm);
    writeUint(voters.length);
    for (const voter of voters) writeString(voter);
    writeUint(data.kv.length);
    writeUint(data.sessions.length);
    const header = takeFrame();
    this.frames = 1;
    return joined([SNAPSHOT_MAGIC, header], 2, SNAPSHOT_MAGIC.length + header.length);
  }

  /** The next frame of at most `items` pairs or sessions; undefined once all are written. */
  next(items: number): Uint8Array | undefined {
    const { kv, sessions } = this.snapshot.data;
    if (this.nextPair < kv.length) {
      at = 4;
      writeByte(FRAME_KV);
      const end = Math.min(kv.length, this.nextPair + Math.max(1, items));
      for (; this.nextPair < end; this.nextPair++) {
        const [key, value] = kv[this.nextPair] as readonly [string, string];
        writeString(key);
        writeString(value);
      }
    } else if (this.nextSession < sessions.length) {
      at = 4;
      writeByte(FRAME_SESSIONS);
      const end = Math.min(sessions.length, this.nextSession + Math.max(1, items));
      for (; this.nextSession < end; this.nextSession++) {
        const [client, record] = sessions[this.nextSession] as readonly [string, SessionRecord];
        writeString(client);
        writeUint(record.seq);
        writeResult(record.result);
      }
    } else return undefined;
    this.frames++;
    return takeFrame();
  }

  /** The tail (the log records after the snapshot) and the end frame, once `next` gave undefined. */
  end(tail: readonly Uint8Array[]): Uint8Array {
    let tailBytes = 1;
    for (const record of tail) tailBytes += record.length;
    const tailFrame = new Uint8Array(4 + tailBytes + 4);
    tailFrame[4] = FRAME_TAIL;
    let offset = 5;
    for (const record of tail) {
      tailFrame.set(record, offset);
      offset += record.length;
    }
    setU32(tailFrame, 0, tailBytes);
    setU32(tailFrame, offset, murmur3(tailFrame.subarray(0, offset), CHECKSUM_SEED));
    at = 4;
    writeByte(FRAME_END);
    writeUint(this.frames + 1);
    const endFrame = takeFrame();
    return joined([tailFrame, endFrame], 2, tailFrame.length + endFrame.length);
  }
}

/** Pairs or sessions per frame: 1,000 pairs of 256-byte values make a frame of about 270 KB. */
export const SNAPSHOT_FRAME_ITEMS = 1_000;

/** A whole snapshot file in one piece (what a follower writes for an InstallSnapshot). */
export function encodeSnapshot(snapshot: StoredSnapshot, tail: readonly Uint8Array[] = []): Uint8Array {
  const writer = new SnapshotWriter(snapshot);
  const pieces = [writer.begin()];
  for (let frame = writer.next(SNAPSHOT_FRAME_ITEMS); frame; frame = writer.next(SNAPSHOT_FRAME_ITEMS))
    pieces.push(frame);
  pieces.push(writer.end(tail));
  let length = 0;
  for (const piece of pieces) length += piece.length;
  return joined(pieces, pieces.length, length);
}

/** Slots of the record cache (a power of two): far more than the entries in flight at once. */
export const RECORD_CACHE_SLOTS = 1_024;
const recordCache: (
  { readonly entry: Entry; readonly index: number; readonly bytes: Uint8Array } | undefined
)[] = [];

/** The record of `entry` at `index`, as bytes nobody may mutate (members share them). */
export function logRecord(index: number, entry: Entry): Uint8Array {
  // A small cache by index: the members write an entry at about the same time, so each (entry, index)
  // record is encoded once, not once per member. A miss only costs the encoding; entries are never
  // mutated, so a hit is always the same bytes.
  const slot = index & (RECORD_CACHE_SLOTS - 1);
  const cached = recordCache[slot];
  if (cached !== undefined && cached.entry === entry && cached.index === index) return cached.bytes;
  const bytes = encodeRecord(index, entry);
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
  let offset = 0;
  for (let k = 0; k < count; k++) {
    const chunk = chunks[k] as Uint8Array;
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

// ---- decoding ----

export interface LogRecord {
  readonly i: number;
  readonly e: Entry;
}

/** A payload that does not decode: caught and reported as a corrupt record. */
class Malformed extends Error {}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one payload; `end` is where it must end exactly. */
class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    private pos: number,
    private readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw new Malformed();
    return this.bytes[this.pos++] as number;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 8; k++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw new Malformed();
        return value;
      }
      scale *= 0x80;
    }
    throw new Malformed();
  }

  string(): string {
    const length = this.uint();
    const start = this.pos;
    if (length > this.end - start) throw new Malformed();
    this.pos += length;
    const bytes = this.bytes;
    if (length >= NATIVE_COPY_FROM) {
      try {
        return decoder.decode(bytes.subarray(start, start + length));
      } catch {
        throw new Malformed();
      }
    }
    let text = '';
    for (let k = start; k < start + length; k++) {
      const b = bytes[k] as number;
      if (b > 0x7f) {
        try {
          return decoder.decode(bytes.subarray(start, start + length));
        } catch {
          throw new Malformed();
        }
      }
      text += String.fromCharCode(b);
    }
    return text;
  }

  done(): boolean {
    return this.pos === this.end;
  }
}

function readOp(r: Reader): KvOp {
  const f = OPS[r.byte()];
  switch (f) {
    case 'get': {
      const key = r.string();
      const stale = r.byte();
      if (stale > 2) throw new Malformed();
      return stale === 0 ? { f, key } : { f, key, stale: stale === 2 };
    }
    case 'incr':
    case 'delete':
      return { f, key: r.string() };
    case 'put':
    case 'append':
      return { f, key: r.string(), value: r.string() };
    case 'cas': {
      const key = r.string();
      const present = r.byte();
      if (present > 1) throw new Malformed();
      const from = present === 1 ? r.string() : null;
      return { f, key, from, to: r.string() };
    }
    default:
      throw new Malformed();
  }
}

function readPayload(r: Reader): LogRecord {
  const i = r.uint();
  const term = r.uint();
  const kind = r.byte();
  let e: Entry;
  if (kind === NOOP) e = { term, kind: 'noop' };
  else if (kind === COMMAND) {
    const client = r.string();
    const seq = r.uint();
    e = { term, kind: 'command', command: { client, seq, op: readOp(r) } };
  } else if (kind === CONFIG) {
    const count = r.uint();
    const voters: string[] = [];
    for (let k = 0; k < count; k++) voters.push(r.string());
    e = { term, kind: 'config', voters };
  } else throw new Malformed();
  if (!r.done()) throw new Malformed();
  return { i, e };
}

/**
 * The record starting at byte `offset` of `bytes` and where the next one starts, or undefined when the
 * bytes there are not an intact record (cut short, a checksum that disagrees, a payload that does not
 * decode).
 */
export function readRecord(
  bytes: Uint8Array,
  offset: number,
): { readonly record: LogRecord; readonly next: number } | undefined {
  const next = framedEnd(bytes, offset, MAX_RECORD_BYTES);
  if (next < 0) return undefined;
  const known = knownRecord(bytes, offset, next);
  if (known !== undefined) return { record: known, next };
  try {
    return { record: readPayload(new Reader(bytes, offset + 4, next - 4)), next };
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/**
 * The intact record in `bytes` from `offset` to `next`, when it is byte for byte the record the encoding
 * cache (`logRecord`) holds for its index: then its entry is the object that record was encoded from,
 * not a new one decoded from it (decoding gives an equal entry). A member recovering its log after a
 * crash thus holds the same entry objects as the members it shares them with, as it did before, and
 * skips decoding most of its records. The bytes decide, all of them, not the checksum.
 */
function knownRecord(bytes: Uint8Array, offset: number, next: number): LogRecord | undefined {
  // The index: the payload's first varint (as `Reader.uint` reads it).
  let pos = offset + 4;
  let index = 0;
  let scale = 1;
  for (;;) {
    if (pos >= next - 4 || scale > 0x80 ** 7) return undefined;
    const b = bytes[pos++] as number;
    index += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  const cached = recordCache[index & (RECORD_CACHE_SLOTS - 1)];
  if (cached === undefined || cached.index !== index) return undefined;
  const record = cached.bytes;
  if (record.length !== next - offset) return undefined;
  for (let k = 0; k < record.length; k++) if (record[k] !== bytes[offset + k]) return undefined;
  return { i: index, e: cached.entry };
}

/** Whether an intact record starts anywhere in `bytes` after `offset` (is a bad record the tail?). */
export function intactRecordAfter(bytes: Uint8Array, offset: number): boolean {
  for (let o = offset + 1; o + 8 <= bytes.length; o++) if (readRecord(bytes, o) !== undefined) return true;
  return false;
}

function readResult(r: Reader): KvResult {
  const flags = r.byte();
  if (flags > 15 || (flags & RESULT_VALUE && flags & RESULT_NULL)) throw new Malformed();
  const ok = (flags & RESULT_OK) !== 0;
  const value = flags & RESULT_VALUE ? r.string() : flags & RESULT_NULL ? null : undefined;
  const error = flags & RESULT_ERROR ? r.string() : undefined;
  // The key order of the results the state machine builds (ok, value, error), as JSON kept it.
  if (value === undefined) return error === undefined ? { ok } : { ok, error };
  return error === undefined ? { ok, value } : { ok, value, error };
}

/**
 * A snapshot file that a crash cut short or that a flipped bit spoiled (every byte is under a checksum).
 * Recovery passes over such a file to an older snapshot; a file in another format stops it.
 */
export class DamagedSnapshot extends Error {}

/** What a snapshot file holds: the snapshot and the log records after it (none in a version-1 file). */
export interface SnapshotFile {
  readonly snapshot: StoredSnapshot;
  readonly tail: readonly LogRecord[];
}

/** The snapshot in a snapshot file; a clear error when the file is not an intact one in this format. */
export function decodeSnapshot(bytes: Uint8Array): StoredSnapshot {
  return decodeSnapshotFile(bytes).snapshot;
}

/** The snapshot and tail in a snapshot file: `DamagedSnapshot` when it is not intact, an Error when foreign. */
export function decodeSnapshotFile(bytes: Uint8Array): SnapshotFile {
  const magic = SNAPSHOT_MAGIC.length;
  for (let k = 0; k < magic - 1; k++) {
    if (k >= bytes.length)
      throw new DamagedSnapshot('raft snapshot: the file is cut short; refusing to start');
    if (bytes[k] !== SNAPSHOT_MAGIC[k])
      throw new Error("raft snapshot: the file does not start with this format's magic; refusing to start");
  }
  const version = bytes[magic - 1];
  if (version === undefined)
    throw new DamagedSnapshot('raft snapshot: the file is cut short; refusing to start');
  if (version !== SNAPSHOT_V1 && version !== SNAPSHOT_MAGIC[magic - 1])
    throw new Error("raft snapshot: the file does not start with this format's magic; refusing to start");
  try {
    return version === SNAPSHOT_V1 ? readVersion1(bytes, magic) : readFrames(bytes, magic);
  } catch (error) {
    if (error instanceof Malformed)
      throw new DamagedSnapshot('raft snapshot: the file is cut short or corrupt; refusing to start');
    throw error;
  }
}

/** The payload's end of the intact frame at `offset` (its checksum follows), or Malformed. */
function frameAt(bytes: Uint8Array, offset: number): number {
  const next = framedEnd(bytes, offset);
  if (next < 0) throw new Malformed();
  return next - 4;
}

function readVersion1(bytes: Uint8Array, offset: number): SnapshotFile {
  const end = frameAt(bytes, offset);
  if (end + 4 !== bytes.length) throw new Malformed();
  const r = new Reader(bytes, offset + 4, end);
  const lastIndex = r.uint();
  const lastTerm = r.uint();
  const voters = readVoters(r);
  const kv: [string, string][] = [];
  for (let n = r.uint(); n > 0; n--) kv.push([r.string(), r.string()]);
  const sessions: [string, SessionRecord][] = [];
  for (let n = r.uint(); n > 0; n--) sessions.push(readSession(r));
  if (!r.done()) throw new Malformed();
  return { snapshot: { lastIndex, lastTerm, voters, data: { kv, sessions } }, tail: [] };
}

function readFrames(bytes: Uint8Array, offset: number): SnapshotFile {
  let end = frameAt(bytes, offset);
  let r = new Reader(bytes, offset + 4, end);
  if (r.byte() !== FRAME_HEADER) throw new Malformed();
  const lastIndex = r.uint();
  const lastTerm = r.uint();
  const voters = readVoters(r);
  const pairs = r.uint();
  const sessionCount = r.uint();
  if (!r.done()) throw new Malformed();
  const kv: [string, string][] = [];
  const sessions: [string, SessionRecord][] = [];
  const tail: LogRecord[] = [];
  let frames = 1;
  let lastKind = FRAME_HEADER;
  for (;;) {
    offset = end + 4;
    end = frameAt(bytes, offset);
    frames++;
    r = new Reader(bytes, offset + 4, end);
    const kind = r.byte();
    if (kind < lastKind || kind > FRAME_END || (kind === lastKind && kind >= FRAME_TAIL))
      throw new Malformed();
    lastKind = kind;
    if (kind === FRAME_KV) while (!r.done()) kv.push([r.string(), r.string()]);
    else if (kind === FRAME_SESSIONS) while (!r.done()) sessions.push(readSession(r));
    else if (kind === FRAME_TAIL) {
      for (let at = offset + 5; at < end;) {
        const read = readRecord(bytes, at);
        if (read === undefined || read.next > end) throw new Malformed();
        tail.push(read.record);
        at = read.next;
      }
    } else if (kind === FRAME_END) {
      if (r.uint() !== frames - 1 || !r.done() || end + 4 !== bytes.length) throw new Malformed();
      break;
    } else throw new Malformed();
  }
  if (kv.length !== pairs || sessions.length !== sessionCount || lastKind !== FRAME_END)
    throw new Malformed();
  return { snapshot: { lastIndex, lastTerm, voters, data: { kv, sessions } }, tail };
}

function readVoters(r: Reader): string[] {
  const voters: string[] = [];
  for (let n = r.uint(); n > 0; n--) voters.push(r.string());
  return voters;
}

function readSession(r: Reader): [string, SessionRecord] {
  const client = r.string();
  const seq = r.uint();
  return [client, { seq, result: readResult(r) }];
}

/**
 * Where the frame (u32 length · bytes · u32 checksum) at `offset` ends, or -1 when it is not intact or
 * declares more than `max` bytes (a record's bound: a flipped length is caught as corrupt).
 */
function framedEnd(bytes: Uint8Array, offset: number, max = Infinity): number {
  if (offset < 0 || bytes.length - offset < 8) return -1;
  const length = getU32(bytes, offset);
  if (length > max || length > bytes.length - offset - 8) return -1;
  const end = offset + 4 + length;
  if (murmur3(bytes.subarray(offset, end), CHECKSUM_SEED) !== getU32(bytes, end)) return -1;
  return end + 4;
}
