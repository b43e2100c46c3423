/**
 * ULID (github.com/ulid/spec): 48 bits of Unix milliseconds then 80 random bits, written as 26
 * characters of Crockford's base32 (10 for the time, 16 for the randomness), so the text sorts as the
 * bits do. The spec's monotonic mode: within one millisecond — and when the clock reads an earlier one —
 * the next ULID keeps the last time and adds one to the last randomness, so ids from one generator
 * strictly increase; the plain mode draws fresh randomness every time and only sorts to the millisecond.
 */
import { mutantActive } from '../kit/mutants';
import { randomBytes } from './bytes';

export const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const ULID_TIME_CHARS = 10;
export const ULID_RANDOM_CHARS = 16;
export const ULID_MAX_TIME = 2 ** 48 - 1;

export function encodeUlidTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > ULID_MAX_TIME)
    throw new RangeError(`ULID time ${ms} ms does not fit 48 bits`);
  let text = '';
  let rest = ms;
  for (let i = 0; i < ULID_TIME_CHARS; i++) {
    text = (ULID_ALPHABET[rest % 32] as string) + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

export function decodeUlidTime(ulid: string): number {
  if (ulid.length !== ULID_TIME_CHARS + ULID_RANDOM_CHARS) throw new RangeError(`not a ULID: '${ulid}'`);
  let ms = 0;
  for (let i = 0; i < ULID_TIME_CHARS; i++) {
    const digit = ULID_ALPHABET.indexOf(ulid[i] as string);
    if (digit < 0) throw new RangeError(`not a ULID: '${ulid}'`);
    ms = ms * 32 + digit;
  }
  return ms;
}

/** 80 random bits as 16 base32 digits (5 bits each), from 10 random bytes. */
function randomDigits(random: () => number): number[] {
  const bytes = randomBytes(random, 10);
  const digits: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits.push((buffer >> bits) & 31);
    }
    buffer &= (1 << bits) - 1;
  }
  return digits;
}

/** Adds one to 80 bits held as base32 digits; false when they were all ones (the spec's overflow). */
function increment(digits: number[]): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    if ((digits[i] as number) < 31) {
      digits[i] = (digits[i] as number) + 1;
      return true;
    }
    digits[i] = 0;
  }
  return false;
}

export interface UlidStep {
  readonly id: string;
  /** The millisecond written into the id (the clock's, or the last one kept when monotonic). */
  readonly ms: number;
}

export type UlidMutant = 'ulid-not-monotonic';

export class UlidGenerator {
  private lastMs: number;
  private lastRandom: number[] | undefined;

  /** `floorMs`: milliseconds up to it may already be used (a restart reads it from disk). */
  constructor(
    private readonly random: () => number,
    floorMs = -1,
    private readonly mutant?: string,
  ) {
    this.lastMs = floorMs;
  }

  next(nowMs: number): UlidStep {
    if (mutantActive(this.mutant, 'ulid-not-monotonic')) {
      // The spec's plain ulid(): fresh randomness, the clock's own millisecond.
      this.lastMs = Math.max(this.lastMs, nowMs);
      return { id: encodeUlidTime(nowMs) + this.text(randomDigits(this.random)), ms: nowMs };
    }
    if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.lastRandom = randomDigits(this.random);
    } else if (this.lastRandom === undefined || !increment(this.lastRandom)) {
      // No randomness to continue from (after a restart), or 80 bits exhausted: the next millisecond.
      this.lastMs++;
      this.lastRandom = randomDigits(this.random);
    }
    return { id: encodeUlidTime(this.lastMs) + this.text(this.lastRandom), ms: this.lastMs };
  }

  private text(digits: readonly number[]): string {
    let text = '';
    for (const digit of digits) text += ULID_ALPHABET[digit] as string;
    return text;
  }
}
