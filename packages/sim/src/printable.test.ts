import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { printable } from './printable';

describe('printable', () => {
  it('prints what String() cannot', () => {
    const hostile = JSON.parse('{"toString": "", "valueOf": 1}') as unknown;
    expect(() => String(hostile)).toThrow(TypeError);
    expect(printable(hostile)).toBe('{"toString":"","valueOf":1}');
    expect(printable('plain')).toBe('plain');
    expect(printable(undefined)).toBe('undefined');
    expect(printable(10n)).toBe('bigint');
  });

  it('never throws on anything', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true }), (value) => typeof printable(value) === 'string'),
    );
  });
});
