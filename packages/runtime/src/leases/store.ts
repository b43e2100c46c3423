// The storage service the lock protects, on Redis: an append-only list of writes. A fenced write is a
// script that refuses a token lower than the highest it has applied (Kleppmann's check, in the storage);
// an unfenced write appends whatever comes.
import type Redis from 'ioredis';

const FENCED_APPEND = `
local highest = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) < highest then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1`;

export interface StoredWrite {
  readonly holder: string;
  /** Which acquisition, in the order the lock granted them (1 = first holder). */
  readonly acquisition: number;
  readonly token: number;
  readonly n: number;
}

export class FencedStore {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  /** Appends the write; with `fenced`, only when its token is not below the highest applied. */
  async write(entry: StoredWrite, fenced: boolean): Promise<boolean> {
    const payload = JSON.stringify(entry);
    if (!fenced) {
      await this.redis.rpush(this.key, payload);
      return true;
    }
    return (
      Number(
        await this.redis.eval(FENCED_APPEND, 2, this.key, `${this.key}:highest`, entry.token, payload),
      ) === 1
    );
  }

  async entries(): Promise<StoredWrite[]> {
    return (await this.redis.lrange(this.key, 0, -1)).map((line) => JSON.parse(line) as StoredWrite);
  }
}

/** Writes applied after a write of a later acquisition: an old holder's write on top of a newer one's. */
export function corruptingWrites(entries: readonly StoredWrite[]): number {
  let latest = 0;
  let corrupting = 0;
  for (const entry of entries) {
    if (entry.acquisition < latest) corrupting++;
    latest = Math.max(latest, entry.acquisition);
  }
  return corrupting;
}
