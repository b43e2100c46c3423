/**
 * Any value as text for an error message, never throwing. Input parsed from JSON can hold
 * `{"toString": ""}`, which `String()` and template literals cannot print (a TypeError), and a
 * history or a node's output must get a clear error, not a crash. Strings come back as they are.
 */
export function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value; // a BigInt, a cycle
  }
}
