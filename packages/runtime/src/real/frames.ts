/**
 * Wire format between real nodes: length-prefixed JSON frames over TCP (4-byte big-endian length).
 * A decoder accumulates chunks and yields whole frames; a frame over the size limit is an error that
 * closes the connection, never an allocation of whatever size a peer claims.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function encodeFrame(value: unknown): Buffer {
  // Written straight into the frame: no intermediate body buffer to allocate and copy.
  const text = JSON.stringify(value);
  const length = Buffer.byteLength(text, 'utf8');
  if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(text, 4, 'utf8');
  return frame;
}

export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns every complete frame decoded (throws on an oversized or malformed frame). */
  push(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: unknown[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES)
        throw new Error(`peer announced a frame of ${length} bytes (limit ${MAX_FRAME_BYTES})`);
      if (this.buffer.length < 4 + length) break;
      const body = this.buffer.subarray(4, 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(4 + length);
      frames.push(JSON.parse(body));
    }
    return frames;
  }
}
