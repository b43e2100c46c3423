import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashPair, murmur3, utf8 } from './hash';

describe('hashes of strings', () => {
  it('hash a string exactly as its UTF-8 bytes, on the ASCII fast path and off it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(hashPair(text)).toEqual(hashPair(utf8(text)));
        expect(murmur3(text, 7)).toBe(murmur3(utf8(text), 7));
      }),
      { numRuns: 5_000 },
    );
    expect(hashPair('abc')).toEqual(hashPair(utf8('abc')));
    expect(hashPair('é')).toEqual(hashPair(utf8('é')));
  });
});
