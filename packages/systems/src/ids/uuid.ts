/**
 * UUIDs as RFC 9562 defines them: 128 bits, the version in the high nibble of byte 6 and the variant
 * (binary 10) in the top two bits of byte 8, written as 8-4-4-4-12 lowercase hex digits (so the text
 * sorts as the bytes do).
 * - Version 4: the other 122 bits random.
 * - Version 7: 48 bits of Unix milliseconds, then 12 bits `rand_a`, then 62 bits `rand_b`. For ids from
 *   one generator to increase within a millisecond, `rand_a` is a counter (RFC 9562 §6.2, method 1:
 *   seeded at random with its top bit clear each new millisecond, incremented otherwise; when it rolls
 *   over, the timestamp moves one millisecond ahead of the clock). A clock that reads an earlier
 *   millisecond than the last one used is treated as the same millisecond, as the `uuid` package does.
 */
import { mutantActive } from '../kit/mutants';
import { hex, randomBytes } from './bytes';

export const UUID_V7_MAX_MS = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;

function text(bytes: Uint8Array): string {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function setVersionAndVariant(bytes: Uint8Array, version: number, variant = true): void {
  bytes[6] = ((bytes[6] as number) & 0x0f) | (version << 4);
  if (variant) bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
}

export type UuidMutant = 'uuidv4-missing-variant';

export function uuidV4(random: () => number, mutant?: string): string {
  const bytes = randomBytes(random, 16);
  setVersionAndVariant(bytes, 4, !mutantActive(mutant, 'uuidv4-missing-variant'));
  return text(bytes);
}

/** The version nibble of a UUID's text. */
export function uuidVersion(uuid: string): number {
  return parseInt(uuid.charAt(14), 16);
}

/** True when the variant bits are RFC 9562's binary 10 (the first hex digit of the fourth group is 8–b). */
export function uuidHasRfcVariant(uuid: string): boolean {
  return '89ab'.includes(uuid.charAt(19));
}

/** The Unix milliseconds in a version 7 UUID's first 48 bits. */
export function uuidV7Ms(uuid: string): number {
  return parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
}

export interface UuidV7Step {
  readonly id: string;
  /** The millisecond written into the id. */
  readonly ms: number;
}

export class UuidV7Generator {
  private lastMs: number;
  private counter = COUNTER_MAX;

  /** `floorMs`: milliseconds up to it may already be used (a restart reads it from disk). */
  constructor(
    private readonly random: () => number,
    floorMs = -1,
  ) {
    this.lastMs = floorMs;
  }

  next(nowMs: number): UuidV7Step {
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.counter = Math.floor(this.random() * 0x800); // top bit clear: room to count up
    } else if (this.counter >= COUNTER_MAX) {
      this.lastMs++; // rolled over: borrow the next millisecond
      this.counter = Math.floor(this.random() * 0x800);
    } else {
      this.counter++;
    }
    if (this.lastMs > UUID_V7_MAX_MS)
      throw new RangeError(`UUIDv7 time ${this.lastMs} ms does not fit 48 bits`);
    const bytes = randomBytes(this.random, 16);
    let ms = this.lastMs;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = (this.counter >> 8) & 0x0f;
    bytes[7] = this.counter & 0xff;
    setVersionAndVariant(bytes, 7);
    return { id: text(bytes), ms: this.lastMs };
  }
}
