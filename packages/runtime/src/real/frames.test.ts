import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, MAX_FRAME_BYTES, encodeFrame } from './frames';

describe('frames', () => {
  it('decode(encode(values)) gives the values back however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (values, cuts) => {
          const stream = Buffer.concat(values.map((v) => encodeFrame(v)));
          const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort(
            (a, b) => a - b,
          );
          const decoder = new FrameDecoder();
          const out: unknown[] = [];
          let at = 0;
          for (const point of [...points, stream.length]) {
            out.push(...decoder.push(stream.subarray(at, point)));
            at = point;
          }
          expect(out).toEqual(values.map((v) => JSON.parse(JSON.stringify(v))));
        },
      ),
    );
  });

  it('refuses a frame larger than the limit before allocating it, and malformed JSON', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => new FrameDecoder().push(header)).toThrow(/limit/);
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x]')]);
    expect(() => new FrameDecoder().push(bad)).toThrow();
  });
});
