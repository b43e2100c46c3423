/**
 * Just enough of Redis to run the rate-limiting scripts in the simulator: strings, hashes and sorted
 * sets with TTLs, on a clock passed in (the server's), values kept as Redis keeps them — strings. A
 * script is a function run with nothing else in between (EVAL's atomicity); its Lua text lives in
 * packages/runtime/src/ratelimit/scripts.ts and real Redis 7 runs it in that folder's tests, which check
 * that it behaves as these ports do.
 *
 * `lua` reproduces the two rules of Lua 5.1 inside Redis that the scripts trip over: a nil bulk reply
 * arrives as `false`, and comparing values of different types (a string with a number) raises
 * "attempt to compare …" — which Redis returns as a script error.
 */

export class ScriptError extends Error {}

type Entry =
  | { kind: 'string'; value: string; expiresAt?: number }
  | { kind: 'hash'; value: Map<string, string>; expiresAt?: number }
  | { kind: 'zset'; value: Map<string, number>; expiresAt?: number };

/** A Lua value as a script sees a Redis reply: strings, numbers, false for nil. */
export type LuaValue = string | number | boolean;

function luaType(v: LuaValue | undefined | null): string {
  if (v === undefined || v === null) return 'nil';
  return typeof v === 'boolean' ? 'boolean' : typeof v;
}

/** Lua 5.1's rules, as far as the scripts need them. */
export const lua = {
  /** `a < b`: numbers with numbers, strings with strings; anything else is an error. */
  lt(a: LuaValue | undefined, b: LuaValue | undefined): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a < b;
    if (typeof a === 'string' && typeof b === 'string') return a < b;
    throw new ScriptError(`attempt to compare ${luaType(a)} with ${luaType(b)}`);
  },
  /** `a > b` compiles to `b < a`: the error names the types in that order. */
  gt(a: LuaValue | undefined, b: LuaValue | undefined): boolean {
    return lua.lt(b, a);
  },
  /** `tonumber(v)`: a number, or nil (undefined) when v is not numeric. */
  tonumber(v: LuaValue | undefined): number | undefined {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string' || v.trim() === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  },
};

/** How Redis turns a Lua number argument into a string (shortest round-trip form, as fpconv_dtoa). */
function asString(v: string | number): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? v.toFixed(0) : String(v)) : v;
}

export class RedisModel {
  private readonly data = new Map<string, Entry>();
  /** Commands run, by name: what a script costs the server. */
  readonly calls = new Map<string, number>();

  constructor(
    /** The server's clock in ms (what TIME reports). */
    readonly clock: () => number,
  ) {}

  private count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  private live(key: string): Entry | undefined {
    const entry = this.data.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= this.clock()) {
      this.data.delete(key);
      return undefined;
    }
    return entry;
  }

  /** GET as a script sees it: the string, or false for a missing key. */
  get(key: string): string | false {
    this.count('GET');
    const entry = this.live(key);
    if (entry === undefined) return false;
    if (entry.kind !== 'string')
      throw new ScriptError('WRONGTYPE Operation against a key holding the wrong kind of value');
    return entry.value;
  }

  set(key: string, value: string | number, options: { px?: number } = {}): void {
    this.count('SET');
    this.data.set(key, {
      kind: 'string',
      value: asString(value),
      ...(options.px !== undefined ? { expiresAt: this.clock() + options.px } : {}),
    });
  }

  private addTo(key: string, by: number): number {
    const entry = this.live(key);
    const current = entry === undefined ? 0 : entry.kind === 'string' ? Number(entry.value) : NaN;
    if (!Number.isInteger(current)) throw new ScriptError('ERR value is not an integer or out of range');
    const next = current + by;
    this.data.set(key, {
      kind: 'string',
      value: String(next),
      ...(entry?.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}),
    });
    return next;
  }

  incr(key: string): number {
    this.count('INCR');
    return this.addTo(key, 1);
  }

  decr(key: string): number {
    this.count('DECR');
    return this.addTo(key, -1);
  }

  /** EXPIRE in seconds (a fraction is a Redis error; callers pass integers). */
  expire(key: string, seconds: number): number {
    this.count('EXPIRE');
    return this.pexpireAt(key, this.clock() + seconds * 1_000);
  }

  pexpire(key: string, ms: number): number {
    this.count('PEXPIRE');
    return this.pexpireAt(key, this.clock() + ms);
  }

  private pexpireAt(key: string, at: number): number {
    const entry = this.live(key);
    if (entry === undefined) return 0;
    entry.expiresAt = at;
    return 1;
  }

  /** PTTL: ms left, −1 without a TTL, −2 when missing. */
  pttl(key: string): number {
    const entry = this.live(key);
    if (entry === undefined) return -2;
    return entry.expiresAt === undefined ? -1 : entry.expiresAt - this.clock();
  }

  hget(key: string, field: string): string | false {
    this.count('HGET');
    const entry = this.live(key);
    if (entry === undefined) return false;
    if (entry.kind !== 'hash')
      throw new ScriptError('WRONGTYPE Operation against a key holding the wrong kind of value');
    return entry.value.get(field) ?? false;
  }

  /** HMGET: each field's value, or false where missing. */
  hmget(key: string, fields: readonly string[]): (string | false)[] {
    this.count('HMGET');
    const entry = this.live(key);
    if (entry === undefined) return fields.map(() => false);
    if (entry.kind !== 'hash')
      throw new ScriptError('WRONGTYPE Operation against a key holding the wrong kind of value');
    return fields.map((field) => entry.value.get(field) ?? false);
  }

  hset(key: string, fields: Record<string, string | number>): void {
    this.count('HSET');
    let entry = this.live(key);
    if (entry === undefined) {
      entry = { kind: 'hash', value: new Map() };
      this.data.set(key, entry);
    }
    if (entry.kind !== 'hash')
      throw new ScriptError('WRONGTYPE Operation against a key holding the wrong kind of value');
    for (const [field, value] of Object.entries(fields)) entry.value.set(field, asString(value));
  }

  private zset(key: string): Map<string, number> {
    let entry = this.live(key);
    if (entry === undefined) {
      entry = { kind: 'zset', value: new Map() };
      this.data.set(key, entry);
    }
    if (entry.kind !== 'zset')
      throw new ScriptError('WRONGTYPE Operation against a key holding the wrong kind of value');
    return entry.value;
  }

  zadd(key: string, score: number, member: string): void {
    this.count('ZADD');
    this.zset(key).set(member, score);
  }

  zremrangebyscore(key: string, min: number, max: number): number {
    this.count('ZREMRANGEBYSCORE');
    const set = this.zset(key);
    let removed = 0;
    for (const [member, score] of set) {
      if (score >= min && score <= max) {
        set.delete(member);
        removed++;
      }
    }
    return removed;
  }

  zcard(key: string): number {
    this.count('ZCARD');
    const entry = this.live(key);
    return entry?.kind === 'zset' ? entry.value.size : 0;
  }

  /** TIME: whole seconds and the microseconds past them, as strings (as Redis replies). */
  time(): [string, string] {
    this.count('TIME');
    const ms = this.clock();
    const seconds = Math.floor(ms / 1_000);
    return [String(seconds), String(Math.floor((ms - seconds * 1_000) * 1_000))];
  }
}

/** A script's reply, or the error Redis would return for it. */
export type ScriptReply = { ok: true; value: number[] | number } | { ok: false; error: string };

/** Runs a script to completion (nothing else runs meanwhile, as EVAL): its reply, or its error. */
export function evalScript(redis: RedisModel, script: (redis: RedisModel) => number[] | number): ScriptReply {
  try {
    return { ok: true, value: script(redis) };
  } catch (error) {
    if (error instanceof ScriptError) return { ok: false, error: error.message };
    throw error;
  }
}
