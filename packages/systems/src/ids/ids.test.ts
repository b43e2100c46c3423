import { describe, expect, it } from 'vitest';
import { idSystem } from './index';
import { buildIdWorld, idParams } from './cluster';
import { indexCost } from './index-cost';
import { layoutProblem } from './ledger';
import {
  decodeSnowflake,
  encodeSnowflake,
  MAX_SEQUENCE,
  MAX_TIMESTAMP,
  SnowflakeGenerator,
  snowflakeText,
} from './snowflake';
import { decodeUlidTime, UlidGenerator } from './ulid';
import { uuidHasRfcVariant, uuidV4, UuidV7Generator, uuidV7Ms, uuidVersion } from './uuid';

/** A deterministic stand-in for env.random in unit tests. */
function stream(seed = 1): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return x / 2 ** 32;
  };
}

describe('Snowflake', () => {
  it('packs 41 + 10 + 12 bits and unpacks them', () => {
    const fields = { ms: MAX_TIMESTAMP, worker: 1023, sequence: MAX_SEQUENCE };
    const id = encodeSnowflake(fields);
    expect(id).toBe(2n ** 63n - 1n);
    expect(decodeSnowflake(id)).toEqual(fields);
    expect(decodeSnowflake(encodeSnowflake({ ms: 5, worker: 3, sequence: 7 }))).toEqual({
      ms: 5,
      worker: 3,
      sequence: 7,
    });
    expect(() => encodeSnowflake({ ms: MAX_TIMESTAMP + 1, worker: 0, sequence: 0 })).toThrow(/41 bits/);
    expect(() => encodeSnowflake({ ms: 0, worker: 1024, sequence: 0 })).toThrow(/10 bits/);
    expect(snowflakeText(1n)).toBe('0000000000000000001');
  });

  it('issues 4,096 ids in a millisecond, then waits for the next one', () => {
    const gen = new SnowflakeGenerator(1);
    for (let i = 0; i <= MAX_SEQUENCE; i++) expect(gen.next(100).kind).toBe('id');
    expect(gen.next(100)).toEqual({ kind: 'wait', ms: 1, reason: 'sequence-exhausted' });
    const next = gen.next(101);
    expect(next.kind === 'id' && next.fields).toEqual({ ms: 101, worker: 1, sequence: 0 });
  });

  it('waits while the clock is behind the last millisecond used; the unguarded variant reuses it', () => {
    const gen = new SnowflakeGenerator(1);
    const first = gen.next(100);
    expect(gen.next(90)).toEqual({ kind: 'wait', ms: 10, reason: 'clock-behind' });
    const unguarded = new SnowflakeGenerator(1, -1, 'snowflake-ignore-rollback');
    const a = unguarded.next(100);
    unguarded.next(101);
    const b = unguarded.next(100);
    expect(a.kind === 'id' && b.kind === 'id' && a.id === b.id).toBe(true);
    expect(first.kind).toBe('id');
  });

  it('a restart floor forbids every millisecond up to it', () => {
    const gen = new SnowflakeGenerator(2, 500);
    expect(gen.next(400).kind).toBe('wait');
    expect(gen.next(500)).toEqual({ kind: 'wait', ms: 1, reason: 'sequence-exhausted' });
    expect(gen.next(501).kind).toBe('id');
  });
});

describe('ULID and UUIDs', () => {
  it('monotonic ULIDs increase within a millisecond and when the clock goes back', () => {
    const gen = new UlidGenerator(stream());
    const ids = [gen.next(1_000), gen.next(1_000), gen.next(1_000), gen.next(900), gen.next(1_001)];
    const texts = ids.map((s) => s.id);
    expect([...texts].sort()).toEqual(texts);
    expect(new Set(texts).size).toBe(texts.length);
    expect(ids.map((s) => decodeUlidTime(s.id))).toEqual([1_000, 1_000, 1_000, 1_000, 1_001]);
  });

  it('UUIDv7 carries its millisecond, version 7 and the variant, and increases within a millisecond', () => {
    const gen = new UuidV7Generator(stream(3));
    const ids: string[] = [];
    for (let i = 0; i < 5_000; i++) ids.push(gen.next(1_735_689_600_123).id);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) {
      expect(uuidVersion(id)).toBe(7);
      expect(uuidHasRfcVariant(id)).toBe(true);
    }
    // More than the 12-bit counter holds: the timestamp moved ahead rather than wrapping.
    expect(uuidV7Ms(ids[0] as string)).toBe(1_735_689_600_123);
    expect(uuidV7Ms(ids[ids.length - 1] as string)).toBeGreaterThan(1_735_689_600_123);
  });

  it('UUIDv4 sets version 4 and the variant; the broken variant leaves the variant bits random', () => {
    const random = stream(5);
    for (let i = 0; i < 200; i++) {
      const id = uuidV4(random);
      expect(uuidVersion(id)).toBe(4);
      expect(uuidHasRfcVariant(id)).toBe(true);
    }
    const broken = Array.from({ length: 50 }, () => uuidV4(random, 'uuidv4-missing-variant'));
    expect(broken.some((id) => !uuidHasRfcVariant(id))).toBe(true);
    expect(
      layoutProblem({ scheme: 'uuidv4', id: broken.find((id) => !uuidHasRfcVariant(id))!, worker: 1 }),
    ).toMatch(/variant/);
  });
});

describe('index cost', () => {
  it('appended keys half-fill leaves with half-and-half splits; random keys fill them ~ln 2', () => {
    const n = 20_000;
    const appended = Array.from({ length: n }, (_, i) => String(i).padStart(8, '0'));
    const random = stream(9);
    const scattered = Array.from({ length: n }, () => random().toFixed(12));
    const options = { fanout: 64, bufferPages: 16, window: 1_000 };
    const a = indexCost(appended, options);
    const s = indexCost(scattered, options);
    expect(a.leafFill).toBeGreaterThan(0.49);
    expect(a.leafFill).toBeLessThan(0.52);
    expect(s.leafFill).toBeGreaterThan(0.64);
    expect(s.leafFill).toBeLessThan(0.74);
    expect(s.pageWritesPerInsert).toBeGreaterThan(10 * a.pageWritesPerInsert);
  });
});

describe('the ids system', () => {
  it('a free run is deterministic, issues ids and its checks hold', () => {
    const params = idParams.parse({});
    const a = idSystem.run!(params, 3);
    const b = idSystem.run!(params, 3);
    expect(a).toEqual(b);
    expect(a.checks.invariants).toBeUndefined();
    expect(a.metrics.snowflakes).toBeGreaterThan(1_000);
    expect(a.metrics.duplicates).toBe(0);
    expect(idSystem.run!(params, 4).traceHash).not.toBe(a.traceHash);
  });

  it('a worker restarted with its clock behind waits past its high-water mark instead of reusing milliseconds', () => {
    const cluster = buildIdWorld(idParams.parse({ workers: 1, intervalMs: 1, clockSpreadMs: 0 }), 2, 'hash', {
      keep: true,
    });
    cluster.world.runFor(300);
    cluster.world.crash('w1');
    cluster.world.clock('w1').jump(-200);
    cluster.world.restart('w1');
    cluster.world.runFor(700);
    const flakes = cluster.ledger.entries.get('snowflake')!;
    expect(cluster.ledger.duplicates).toBe(0);
    expect(cluster.ledger.outOfOrder).toBeUndefined();
    const ids = flakes.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(flakes.length).toBeGreaterThan(400);
  });

  it('each mutant is caught by the check it names (beyond the registry walk: what the failure says)', () => {
    const fuzz = idSystem.fuzz!;
    const wraps = fuzz.run(1, { mutant: 'snowflake-sequence-wraps' });
    expect(wraps.check).toBe('ids are unique');
    expect(wraps.failure).toMatch(/snowflake id \d+ issued by w\d at .* and again/);
    const ulid = fuzz.run(0, { mutant: 'ulid-not-monotonic' });
    expect(ulid.failure).toMatch(/issued ulid \w+ at .* after/);
  });

  it('rejects bad params and unknown mutants with a clear error', () => {
    expect(() => idParams.parse({ workers: 0 })).toThrow();
    expect(() => idParams.parse({ bogus: 1 })).toThrow();
    expect(() => idSystem.fuzz!.run(1, { mutant: 'nope' })).toThrow(/unknown mutant 'nope' of ids/);
  });
});
