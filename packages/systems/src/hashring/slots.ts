/**
 * Redis Cluster key slots: CRC16 (XMODEM: polynomial 0x1021, initial 0, no reflection) of the key —
 * or of its hash tag, the part between the first '{' and the next '}' when that part is non-empty —
 * modulo 16384 (2¹⁴). Computed over the key's UTF-8 bytes, as Redis does.
 */
import { utf8 } from '@dslab/sim';

export const SLOT_COUNT = 16384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++)
    crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >>> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

/** The bytes that decide the slot: the hash tag when there is a non-empty one, else the whole key. */
export function hashTagBytes(key: Uint8Array): Uint8Array {
  const open = key.indexOf(0x7b); // '{'
  if (open < 0) return key;
  const close = key.indexOf(0x7d, open + 1); // '}'
  if (close < 0 || close === open + 1) return key;
  return key.subarray(open + 1, close);
}

export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? utf8(key) : key;
  return crc16(hashTagBytes(bytes)) % SLOT_COUNT;
}
