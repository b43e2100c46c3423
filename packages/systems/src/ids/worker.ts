/**
 * An id worker: a node that answers requests for ids with one id of each scheme, reading time and
 * randomness only from its Env. Every id is traced (`id` events), which is how the harness checks
 * uniqueness and order and how the scenarios collect ids.
 *
 * Restarts: a worker reserves milliseconds ahead on its disk (a high-water mark, synced before any id
 * above it is issued), and a restarted worker issues nothing at or below the mark, so a clock that is
 * behind after a crash cannot make it reuse a millisecond it already used.
 */
import type { Env, Message, NodeId, SimNode } from '@dslab/sim';
import { invariant } from '@dslab/sim';
import { mutantActive } from '../kit/mutants';
import { SnowflakeGenerator, TWITTER_EPOCH_MS, snowflakeText } from './snowflake';
import { UlidGenerator } from './ulid';
import { UuidV7Generator, uuidV4 } from './uuid';

export const idMutants = [
  'snowflake-ignore-rollback',
  'snowflake-sequence-wraps',
  'snowflake-no-high-water-mark',
  'ulid-not-monotonic',
  'uuidv4-missing-variant',
] as const;
export type IdMutant = (typeof idMutants)[number];

export const schemes = ['snowflake', 'ulid', 'uuidv7', 'uuidv4'] as const;
export type Scheme = (typeof schemes)[number];

/** What a worker traces for every id it issues. */
export interface IssuedId {
  readonly scheme: Scheme;
  readonly id: string;
  /** The Unix millisecond written into the id (absent for UUIDv4, which holds none). */
  readonly ms?: number;
  /** This worker's number (Snowflake's worker bits). */
  readonly worker: number;
}

export interface IdWorkerConfig {
  /** Snowflake's worker bits: distinct per worker. */
  readonly workerNumber: number;
  /** Unix milliseconds when the simulated clock reads 0. */
  readonly unixMsAtZero: number;
  /** Mean local milliseconds between the worker's own requests (0: none, only requests from outside). */
  readonly intervalMs: number;
  /** Milliseconds reserved ahead on disk each time the high-water mark is passed. */
  readonly reserveMs: number;
  readonly mutant?: IdMutant;
}

const MARK_FILE = 'high-water-mark';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class IdWorker implements SimNode<Message> {
  private readonly snowflake: SnowflakeGenerator;
  private readonly ulid: UlidGenerator;
  private readonly uuidV7: UuidV7Generator;
  /** Every Unix millisecond up to this one may have been used; persisted before an id passes it. */
  private reserved: number;
  private pendingSnowflakes = 0;
  private drainTimer: number | undefined;
  issued = 0;
  requested = 0;
  /** Times Snowflake had to wait, by reason, and the longest wait (local ms). */
  waitsForSequence = 0;
  waitsForClock = 0;
  longestWaitMs = 0;
  private waitingSince: number | undefined;

  constructor(
    private readonly env: Env<Message>,
    private readonly config: IdWorkerConfig,
  ) {
    invariant(
      config.reserveMs >= 1,
      'id worker config',
      () => `reserveMs must be ≥ 1, got ${config.reserveMs}`,
    );
    const stored = env.disk.read(MARK_FILE);
    const floor = stored !== undefined ? Number(decoder.decode(stored)) : -1;
    this.reserved = floor;
    // The unguarded variant starts Snowflake afresh, as implementations that persist nothing do.
    const snowflakeFloor =
      floor < 0 || mutantActive(config.mutant, 'snowflake-no-high-water-mark')
        ? -1
        : floor - TWITTER_EPOCH_MS;
    this.snowflake = new SnowflakeGenerator(config.workerNumber, snowflakeFloor, config.mutant);
    this.ulid = new UlidGenerator(() => env.random(), floor, config.mutant);
    this.uuidV7 = new UuidV7Generator(() => env.random(), floor);
    if (config.intervalMs > 0) this.scheduleNext();
  }

  private scheduleNext(): void {
    this.env.setTimer(this.config.intervalMs * (0.5 + this.env.random()), () => {
      this.request(1);
      this.scheduleNext();
    });
  }

  /** The worker's Unix clock in whole milliseconds, as its Env reads it. */
  private nowMs(): number {
    return Math.floor(this.env.now() + this.config.unixMsAtZero);
  }

  /** Asks for `count` ids of each scheme: ULID and UUIDs at once, Snowflakes as fast as the rules allow. */
  request(count: number): void {
    this.requested += count;
    const now = this.nowMs();
    for (let i = 0; i < count; i++) {
      const ulid = this.ulid.next(now);
      this.issue({ scheme: 'ulid', id: ulid.id, ms: ulid.ms, worker: this.config.workerNumber });
      const v7 = this.uuidV7.next(now);
      this.issue({ scheme: 'uuidv7', id: v7.id, ms: v7.ms, worker: this.config.workerNumber });
      this.issue({
        scheme: 'uuidv4',
        id: uuidV4(() => this.env.random(), this.config.mutant),
        worker: this.config.workerNumber,
      });
    }
    this.pendingSnowflakes += count;
    this.drain();
  }

  private drain(): void {
    if (this.drainTimer !== undefined) return; // a wait is already scheduled
    const now = this.nowMs();
    while (this.pendingSnowflakes > 0) {
      const step = this.snowflake.next(now - TWITTER_EPOCH_MS);
      if (step.kind === 'wait') {
        if (step.reason === 'sequence-exhausted') this.waitsForSequence++;
        else this.waitsForClock++;
        this.waitingSince ??= this.env.monotonic();
        this.drainTimer = this.env.setTimer(step.ms, () => {
          this.drainTimer = undefined;
          this.drain();
        });
        return;
      }
      if (this.waitingSince !== undefined) {
        this.longestWaitMs = Math.max(this.longestWaitMs, this.env.monotonic() - this.waitingSince);
        this.waitingSince = undefined;
      }
      this.pendingSnowflakes--;
      this.issue({
        scheme: 'snowflake',
        id: snowflakeText(step.id),
        ms: step.fields.ms + TWITTER_EPOCH_MS,
        worker: this.config.workerNumber,
      });
    }
  }

  private issue(issued: IssuedId): void {
    if (issued.ms !== undefined && issued.ms > this.reserved) {
      this.reserved = issued.ms + this.config.reserveMs;
      this.env.disk.write(MARK_FILE, encoder.encode(String(this.reserved)));
      this.env.disk.sync();
    }
    this.issued++;
    this.env.trace('id', { ...issued });
  }

  onMessage(_from: NodeId, _msg: Message): void {
    // Workers take requests from their own timer and from the harness; they exchange no messages.
  }

  snapshot(): {
    requested: number;
    issued: number;
    pendingSnowflakes: number;
    waitsForSequence: number;
    waitsForClock: number;
    longestWaitMs: number;
    reservedUntil: number;
  } {
    return {
      requested: this.requested,
      issued: this.issued,
      pendingSnowflakes: this.pendingSnowflakes,
      waitsForSequence: this.waitsForSequence,
      waitsForClock: this.waitsForClock,
      longestWaitMs: this.longestWaitMs,
      reservedUntil: this.reserved,
    };
  }
}
