import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { useRedis } from '@dslab/runtime/testing';
import { crc16, keySlot } from './slots';

const redis = useRedis({ cluster: true });

describe('Redis Cluster key slots', () => {
  it('CRC16/XMODEM check value and the Redis spec example', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'.slice(0)));
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
