/**
 * Snowflake ids (Twitter, 2010): a 64-bit integer whose top bit is 0, then 41 bits of milliseconds
 * since a custom epoch, 10 bits of worker (Twitter split them 5 datacenter + 5 machine) and a 12-bit
 * sequence within the millisecond. Ids from one worker increase; ids from different workers sort by
 * time first, so they are "k-sorted" to within the workers' clock skew.
 *
 * The generator is a pure state machine over the time the caller reads from its Env: it either issues
 * an id or says how long to wait. Waiting is what Twitter's reference does in both hard cases: the
 * sequence is exhausted (4,096 ids this millisecond: wait for the next one) and the clock went back
 * (refuse until it has caught up with the last millisecond used).
 */
import { mutantActive } from '../kit/mutants';

export const TIMESTAMP_BITS = 41;
export const WORKER_BITS = 10;
export const SEQUENCE_BITS = 12;
export const MAX_SEQUENCE = 2 ** SEQUENCE_BITS - 1;
export const MAX_WORKER = 2 ** WORKER_BITS - 1;
export const MAX_TIMESTAMP = 2 ** TIMESTAMP_BITS - 1;
/** Twitter's epoch: 2010-11-04T01:42:54.657Z, in Unix milliseconds. */
export const TWITTER_EPOCH_MS = 1_288_834_974_657;
/** A Snowflake id as a sortable string: 19 decimal digits hold any 63-bit value. */
export const SNOWFLAKE_DIGITS = 19;

export interface SnowflakeFields {
  /** Milliseconds since the epoch. */
  readonly ms: number;
  readonly worker: number;
  readonly sequence: number;
}

/** Packs the three fields; throws when one does not fit its bits (the end of the 41-bit range included). */
export function encodeSnowflake(fields: SnowflakeFields): bigint {
  const { ms, worker, sequence } = fields;
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMESTAMP)
    throw new RangeError(`snowflake time ${ms} ms does not fit ${TIMESTAMP_BITS} bits`);
  if (!Number.isInteger(worker) || worker < 0 || worker > MAX_WORKER)
    throw new RangeError(`snowflake worker ${worker} does not fit ${WORKER_BITS} bits`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MAX_SEQUENCE)
    throw new RangeError(`snowflake sequence ${sequence} does not fit ${SEQUENCE_BITS} bits`);
  return (
    (BigInt(ms) << BigInt(WORKER_BITS + SEQUENCE_BITS)) |
    (BigInt(worker) << BigInt(SEQUENCE_BITS)) |
    BigInt(sequence)
  );
}

export function decodeSnowflake(id: bigint): SnowflakeFields {
  return {
    ms: Number(id >> BigInt(WORKER_BITS + SEQUENCE_BITS)),
    worker: Number((id >> BigInt(SEQUENCE_BITS)) & BigInt(MAX_WORKER)),
    sequence: Number(id & BigInt(MAX_SEQUENCE)),
  };
}

export function snowflakeText(id: bigint): string {
  return id.toString().padStart(SNOWFLAKE_DIGITS, '0');
}

export type SnowflakeMutant = 'snowflake-ignore-rollback' | 'snowflake-sequence-wraps';

export type SnowflakeStep =
  | { readonly kind: 'id'; readonly id: bigint; readonly fields: SnowflakeFields }
  /** Nothing issued: ask again after `ms` (sequence exhausted, or the clock is behind the last ms used). */
  | { readonly kind: 'wait'; readonly ms: number; readonly reason: 'sequence-exhausted' | 'clock-behind' };

export class SnowflakeGenerator {
  private lastMs: number;
  private sequence: number;

  /**
   * `floorMs`: every millisecond up to it may already have been used (a restart reads it from disk),
   * so the first id comes from a later millisecond.
   */
  constructor(
    readonly worker: number,
    floorMs = -1,
    private readonly mutant?: string,
  ) {
    if (!Number.isInteger(worker) || worker < 0 || worker > MAX_WORKER)
      throw new RangeError(`snowflake worker ${worker} does not fit ${WORKER_BITS} bits`);
    this.lastMs = floorMs;
    this.sequence = MAX_SEQUENCE;
  }

  /** The last millisecond this generator used (or its floor). */
  get last(): number {
    return this.lastMs;
  }

  /** One id at `nowMs` (epoch milliseconds, an integer), or how long to wait for one. */
  next(nowMs: number): SnowflakeStep {
    if (nowMs < this.lastMs) {
      if (!mutantActive(this.mutant, 'snowflake-ignore-rollback'))
        return { kind: 'wait', ms: this.lastMs - nowMs, reason: 'clock-behind' };
      // The unguarded variant: believe the clock, start the sequence again in a millisecond it may have used.
      this.lastMs = nowMs;
      this.sequence = -1;
    } else if (nowMs > this.lastMs) {
      this.lastMs = nowMs;
      this.sequence = -1;
    }
    if (this.sequence >= MAX_SEQUENCE) {
      if (!mutantActive(this.mutant, 'snowflake-sequence-wraps'))
        return { kind: 'wait', ms: 1, reason: 'sequence-exhausted' };
      this.sequence = -1; // wraps to 0 in the same millisecond
    }
    this.sequence++;
    const fields = { ms: this.lastMs, worker: this.worker, sequence: this.sequence };
    return { kind: 'id', id: encodeSnowflake(fields), fields };
  }
}
