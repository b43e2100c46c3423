/**
 * Clients of a real KV cluster for the Jepsen-style test: each speaks RESP (ioredis, the Redis client
 * most Node services use) to one node, runs reads, writes with unique values and compare-and-sets on
 * a few keys at a time (`KeyRotation`), and records every operation with the harness clock. A timeout or a dropped connection
 * leaves a write's outcome unknown (`info`); a read that fails had no effect (`fail`).
 */
import { Redis } from 'ioredis';
import type { HistoryRecorder } from '@dslab/check';
import type { KeyRotation } from './keys';

export interface WorkloadOptions {
  /** Shared by all clients: which key each operation goes to. */
  readonly keys: KeyRotation;
  readonly readFraction: number;
  readonly password?: string;
  readonly timeoutMs: number;
}

export class JepsenClient {
  private readonly redis: Redis;
  private running = true;
  private generation = 0;
  ops = 0;

  constructor(
    readonly name: string,
    port: number,
    private readonly recorder: HistoryRecorder,
    private readonly now: () => number,
    private readonly options: WorkloadOptions,
    private readonly nextValue: () => string,
  ) {
    this.redis = new Redis({
      host: '127.0.0.1',
      port,
      ...(options.password !== undefined ? { password: options.password } : {}),
      lazyConnect: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      retryStrategy: () => 100,
      reconnectOnError: () => false,
    });
    this.redis.on('error', () => undefined); // connection errors surface as failed commands
  }

  private get process(): string {
    return this.generation === 0 ? this.name : `${this.name}.${this.generation}`;
  }

  /** Runs random operations until `stop()`. */
  async run(): Promise<void> {
    while (this.running) {
      const key = this.options.keys.take(Math.random());
      const roll = Math.random();
      if (roll < this.options.readFraction) await this.read(key);
      else if (roll < this.options.readFraction + (1 - this.options.readFraction) * 0.7)
        await this.write(key);
      else await this.cas(key);
    }
  }

  stop(): void {
    this.running = false;
  }

  async read(key: string): Promise<boolean> {
    const id = this.recorder.invoke(this.process, 'read', [key], this.now());
    this.ops++;
    try {
      const value = await this.redis.get(key);
      this.recorder.ok(id, value, this.now());
      return true;
    } catch {
      this.recorder.fail(id, this.now());
      return false;
    }
  }

  private async write(key: string): Promise<void> {
    const value = this.nextValue();
    const id = this.recorder.invoke(this.process, 'write', [key, value], this.now());
    this.ops++;
    try {
      await this.redis.set(key, value);
      this.recorder.ok(id, undefined, this.now());
    } catch {
      this.unknown(id);
    }
  }

  private async cas(key: string): Promise<void> {
    // Compare with a value this client read: a fresh read first, then the swap.
    let current: string | null;
    try {
      current = await this.redis.get(key);
    } catch {
      return;
    }
    if (current === null) return; // CAS compares strings; an absent key has none
    const to = this.nextValue();
    const id = this.recorder.invoke(this.process, 'cas', [key, [current, to]], this.now());
    this.ops++;
    try {
      const swapped = (await this.redis.call('CAS', key, current, to)) as number;
      if (swapped === 1) this.recorder.ok(id, undefined, this.now());
      else this.recorder.fail(id, this.now());
    } catch {
      this.unknown(id);
    }
  }

  /** The operation may still take effect: record info, and continue as a new logical process. */
  private unknown(id: number): void {
    this.recorder.info(id, this.now());
    this.generation++;
  }

  close(): void {
    this.redis.disconnect();
  }
}
