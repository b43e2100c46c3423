/**
 * Our ids against the reference packages people use: the `uuid` package must accept our UUIDv7 and
 * UUIDv4 as valid and of that version, and the `ulid` package must accept our ULIDs and decode the
 * millisecond we wrote. The ids come from a real run of the workers (Env time and randomness only).
 */
import { describe, expect, it } from 'vitest';
import { validate as uuidValidate, version as uuidVersionOf } from 'uuid';
import { decodeTime, encodeTime, isValid as ulidIsValid, monotonicFactory } from 'ulid';
import { buildIdWorld, idParams } from './cluster';
import { decodeUlidTime, encodeUlidTime, UlidGenerator } from './ulid';
import { uuidV7Ms } from './uuid';

function issued() {
  const cluster = buildIdWorld(
    idParams.parse({ workers: 3, intervalMs: 1, burst: 5_000, burstAtMs: 50 }),
    11,
    'hash',
    { keep: true },
  );
  cluster.world.runFor(300);
  return cluster.ledger.entries;
}

describe('conformance with the uuid and ulid packages', () => {
  const entries = issued();

  it('the uuid package validates every UUIDv7 and UUIDv4 we issued and reads their versions', () => {
    const v7 = entries.get('uuidv7') ?? [];
    const v4 = entries.get('uuidv4') ?? [];
    expect(v7.length).toBeGreaterThan(5_000);
    expect(v4.length).toBe(v7.length);
    for (const e of v7) {
      expect(uuidValidate(e.id), e.id).toBe(true);
      expect(uuidVersionOf(e.id), e.id).toBe(7);
      expect(uuidV7Ms(e.id)).toBe(e.ms);
    }
    for (const e of v4) {
      expect(uuidValidate(e.id), e.id).toBe(true);
      expect(uuidVersionOf(e.id), e.id).toBe(4);
    }
  });

  it('the ulid package accepts every ULID we issued and decodes the millisecond we wrote', () => {
    const ulids = entries.get('ulid') ?? [];
    expect(ulids.length).toBeGreaterThan(5_000);
    for (const e of ulids) {
      expect(ulidIsValid(e.id), e.id).toBe(true);
      expect(decodeTime(e.id), e.id).toBe(e.ms);
    }
  });

  it("our time codec agrees with the ulid package's, and monotonic ULIDs sort like its monotonic factory's", () => {
    for (const ms of [0, 1, 1_469_918_176_385, 1_735_689_600_000, 2 ** 48 - 1]) {
      expect(encodeUlidTime(ms)).toBe(encodeTime(ms, 10));
      expect(decodeUlidTime(encodeTime(ms, 10) + '0'.repeat(16))).toBe(ms);
    }
    // The reference's monotonic factory and ours: same ms, increasing ids; an earlier clock reading keeps the last ms.
    let x = 0.123;
    const ours = new UlidGenerator(() => (x = (x * 9301 + 0.49297) % 1));
    const theirs = monotonicFactory(() => 0.3);
    const a = [ours.next(1_000), ours.next(1_000), ours.next(999), ours.next(1_001)];
    const b = [theirs(1_000), theirs(1_000), theirs(999), theirs(1_001)];
    for (const list of [a.map((s) => s.id), b]) {
      expect([...list].sort()).toEqual(list);
      expect(list.map((id) => decodeTime(id))).toEqual([1_000, 1_000, 1_000, 1_001]);
    }
  });
});
