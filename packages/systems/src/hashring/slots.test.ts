import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { useRedis } from '@dslab/runtime/testing';
import { crc16, keySlot } from './slots';

const redis = useRedis({ cluster: true });

describe('Redis Cluster key slots', () => {
  // Expected values are typed in from independent sources, never computed by the code under test:
  // CRC-16/XMODEM's catalogued check value and vectors (a bitwise reference implementation gives the
  // same), the slots printed in the Redis documentation (CLUSTER KEYSLOT page, cluster tutorial), and
  // the hash-tag examples of the Redis Cluster specification, each confirmed with redis-server 7.
  it('CRC16/XMODEM known vectors', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(crc16(bytes('123456789'))).toBe(0x31c3);
    expect(crc16(bytes(''))).toBe(0x0000);
    expect(crc16(bytes('A'))).toBe(0x58e5);
    expect(crc16(bytes('foo'))).toBe(0xaf96);
    expect(crc16(bytes('{bar'))).toBe(0xcfaf);
  });

  it.each([
    // CLUSTER KEYSLOT documentation and the cluster tutorial's redirects.
    ['somekey', 11058],
    ['foo', 12182],
    ['hello', 866],
    ['bar', 5061],
    ['123456789', 12739], // 0x31C3 mod 16384
    ['', 0],
    // Hash tags: only the part between the first '{' and the next '}' is hashed, when non-empty.
    ['foo{hash_tag}', 2515],
    ['bar{hash_tag}', 2515],
    ['user1000', 3443],
    ['{user1000}.following', 3443],
    ['{user1000}.followers', 3443],
    ['foo{bar}{zap}', 5061], // "bar": the first tag only
    ['foo{{bar}}zap', 4015], // "{bar": from the first '{' to the first '}' after it
    ['foo{}{bar}', 8363], // empty first tag: the whole key is hashed
    ['{}', 15257],
    ['a{b}c', 3300],
  ] as const)('keySlot(%j) is %i, as Redis computes it', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });

  it('agrees with real redis-server CLUSTER KEYSLOT on generated keys, hash tags and edge cases', async () => {
    const edge = [
      '',
      '{',
      '}',
      '{}',
      '}{',
      '{}{x}',
      'a{b}c',
      '{a}{b}',
      'foo{}{bar}',
      '{{bar}}',
      'ключ',
      '{ключ}x',
      '😀{😀}',
      'a'.repeat(300),
    ];
    const generated = fc.sample(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.string({ unit: 'grapheme', maxLength: 8 }),
        fc
          .tuple(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }))
          .map(([a, b, c]) => `${a}{${b}}${c}`),
      ),
      { numRuns: 3000, seed: 42 },
    );
    const keys = [...edge, ...generated];
    const pipeline = redis().pipeline();
    for (const key of keys) pipeline.call('CLUSTER', 'KEYSLOT', key);
    const replies = (await pipeline.exec()) ?? [];
    const mismatches = keys.filter((key, i) => replies[i]?.[1] !== keySlot(key));
    expect(mismatches).toEqual([]);
    expect(keys.length).toBeGreaterThan(3000);
  });
});
