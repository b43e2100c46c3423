/** Random bytes from an Env's seeded stream (never from an ambient source), and hex text. */

/** `count` bytes, each from one draw of `random` (uniform in [0, 1)). */
export function randomBytes(random: () => number, count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

export function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}
