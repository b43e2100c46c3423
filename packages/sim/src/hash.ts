/**
 * Non-cryptographic hash functions used by systems (rings, sketches) and by the trace hash.
 * Pure JS so they give the same value in Node and in the browser. MurmurHash3 x86_32 (Appleby, public
 * domain algorithm) is what many rings and sketches use; FNV-1a for short labels.
 */

const encoder = new TextEncoder();

/** One 32-bit block of MurmurHash3: scramble k, mix it into h. */
function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The tail (1–3 bytes) and the final avalanche. */
function finish(h: number, tail: number, tailLength: number, length: number): number {
  if (tailLength > 0) {
    let k = Math.imul(tail, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** MurmurHash3 x86 32-bit of bytes (or a string's UTF-8), unsigned. */
export function murmur3(input: Uint8Array | string, seed = 0): number {
  if (typeof input === 'string') {
    const ascii = murmur3Ascii(input, seed);
    if (ascii >= 0) return ascii;
  }
  const data = typeof input === 'string' ? utf8(input) : input;
  const length = data.length;
  const blocks = length & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    h = mixBlock(
      h,
      (data[i] as number) |
        ((data[i + 1] as number) << 8) |
        ((data[i + 2] as number) << 16) |
        ((data[i + 3] as number) << 24),
    );
  }
  let tail = 0;
  for (let i = length - 1; i >= blocks; i--) tail = (tail << 8) | (data[i] as number);
  return finish(h, tail, length & 3, length);
}

/** FNV-1a 32-bit of a string's UTF-8 bytes, unsigned. */
export function fnv1a(input: Uint8Array | string): number {
  const data = typeof input === 'string' ? utf8(input) : input;
  let hash = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    hash ^= data[i] as number;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Two independent 32-bit hashes of the same key, for double hashing (Kirsch–Mitzenmacher). */
export function hashPair(input: Uint8Array | string): [number, number] {
  if (typeof input === 'string') {
    // ASCII keys (nearly all) are hashed from their char codes: no UTF-8 buffer per call (a sketch or
    // a Bloom filter hashes on every add and test).
    const first = murmur3Ascii(input, 0x9747b28c);
    if (first >= 0) return [first, murmur3Ascii(input, 0x5bd1e995) | 1];
  }
  const data = typeof input === 'string' ? utf8(input) : input;
  return [murmur3(data, 0x9747b28c), murmur3(data, 0x5bd1e995) | 1];
}

/**
 * murmur3 of an ASCII string read straight from its char codes (ASCII is its own UTF-8), with no
 * encoding or allocation: the hot path of ring and sketch lookups. Returns -1 for non-ASCII input.
 */
function murmur3Ascii(text: string, seed: number): number {
  const length = text.length;
  const blocks = length & ~3;
  let h = seed >>> 0;
  for (let i = 0; i < blocks; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    const d = text.charCodeAt(i + 3);
    if ((a | b | c | d) > 0x7f) return -1;
    h = mixBlock(h, a | (b << 8) | (c << 16) | (d << 24));
  }
  let tail = 0;
  for (let i = length - 1; i >= blocks; i--) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    tail = (tail << 8) | code;
  }
  return finish(h, tail, length & 3, length);
}
