import { describe, expect, it } from 'vitest';
import { KeyRotation } from './keys';

describe('KeyRotation', () => {
  it('retires a key after its operations and hands out a fresh one, never more than `active` at once', () => {
    const keys = new KeyRotation(2, 3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const key = keys.take((i * 0.37) % 1);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.values()].every((n) => n <= 3)).toBe(true);
    // 60 operations of at most 3 per key: at least 20 keys, and every key used was handed out once.
    expect(counts.size).toBeGreaterThanOrEqual(20);
    // Every key an operation went to is among those the final reads cover; beyond them only the live
    // replacements not yet used.
    for (const key of counts.keys()) expect(keys.used).toContain(key);
    expect(keys.used.length).toBeLessThanOrEqual(counts.size + 2);
  });

  it('refuses sizes that cannot work', () => {
    expect(() => new KeyRotation(0, 10)).toThrow(/active keys/);
    expect(() => new KeyRotation(4, 0)).toThrow(/operations per key/);
  });
});
