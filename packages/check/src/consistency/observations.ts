/**
 * What one operation of a register history wrote or observed, with every shape the checkers accept
 * validated (a clear error names the operation otherwise):
 *
 * - a write: input `[key, value]`, the key a string, the value anything but null;
 * - a read of one key: input `[key]` (or Jepsen's `[key, nil]`), output the value (null or absent is the
 *   initial value), or Jepsen's `[key, value]` completion;
 * - a read of siblings: the output (or a value of a snapshot) is `{ siblings: [v1, v2, …] }` — the
 *   concurrent values a Dynamo-style store returns, distinct and none of them null (an empty list is
 *   the initial value). With `siblingArrays`, a read output that is an array is such a list too (the
 *   quorum store's client records a multi-value read that way);
 * - a snapshot read of several keys (Jepsen's `{:f :read, :value {k v …}}`): input absent or null (an
 *   input `[key …]` is a read of one key), output a map from key to value, each value as above.
 */
import type { Operation } from '../history';

export interface ObservationOptions {
  /** Read outputs that are arrays are a key's concurrent siblings, not one array value. */
  readonly siblingArrays?: boolean;
}

export interface KeyObservation {
  readonly key: string;
  /** The values the read returned for the key: none is the initial value, two or more are siblings. */
  readonly values: readonly unknown[];
}

export type Observation =
  | { readonly kind: 'write'; readonly key: string; readonly value: unknown }
  | {
      readonly kind: 'read';
      readonly keys: readonly KeyObservation[];
      /** A snapshot of several keys, or a value given as siblings: not a plain read of one register. */
      readonly shaped: boolean;
    };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ siblings: [...] }` and nothing else. */
function isSiblingObject(v: unknown): v is { siblings: unknown } {
  if (!isPlainObject(v)) return false;
  let count = 0;
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) count++;
  return count === 1 && Object.prototype.hasOwnProperty.call(v, 'siblings');
}

function fail(op: Operation, why: string): never {
  throw new Error(`consistency: operation ${op.id} (${op.process} ${op.f}): ${why}`);
}

function siblingValues(op: Operation, key: string, list: unknown): unknown[] {
  if (!Array.isArray(list)) fail(op, `the siblings of ${key} must be a list, got ${JSON.stringify(list)}`);
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const value of list as unknown[]) {
    if (value === null || value === undefined)
      fail(
        op,
        `a sibling of ${key} is null: siblings are written values (an empty list is the initial value)`,
      );
    const id = JSON.stringify(value);
    if (seen.has(id)) fail(op, `the siblings of ${key} list ${id} twice`);
    seen.add(id);
    out.push(value);
  }
  return out;
}

/** One key's returned value as the list of values it observed. */
function valuesOf(op: Operation, key: string, value: unknown, options: ObservationOptions): unknown[] {
  if (value === null || value === undefined) return [];
  if (isSiblingObject(value)) return siblingValues(op, key, value.siblings);
  if (options.siblingArrays && Array.isArray(value)) return siblingValues(op, key, value);
  return [value];
}

const keyedInput = (input: unknown): input is [string, ...unknown[]] =>
  Array.isArray(input) && input.length >= 1 && typeof input[0] === 'string';

/** Whether a read is a snapshot of several keys (by the shapes above), without validating it. */
export function isSnapshotRead(op: Operation): boolean {
  return op.f === 'read' && !keyedInput(op.input) && isPlainObject(op.output) && !isSiblingObject(op.output);
}

export function observationsOf(op: Operation, options: ObservationOptions = {}): Observation {
  if (op.f === 'write') {
    if (!keyedInput(op.input) || op.input.length < 2 || op.input[1] === undefined)
      fail(
        op,
        `a write needs input [key, value] with a string key, got ${JSON.stringify(op.input) ?? 'nothing'}`,
      );
    return { kind: 'write', key: op.input[0], value: op.input[1] };
  }
  if (op.f !== 'read') fail(op, `only read and write of registers are judged`);
  if (keyedInput(op.input)) {
    const key = op.input[0];
    let out = op.output;
    // Jepsen's independent histories complete a read of k with [k v].
    if (!options.siblingArrays && Array.isArray(out) && out.length === 2 && out[0] === key) out = out[1];
    const shaped = isSiblingObject(out) || (options.siblingArrays === true && Array.isArray(out));
    return { kind: 'read', keys: [{ key, values: valuesOf(op, key, out, options) }], shaped };
  }
  const output = op.output;
  if (!isPlainObject(output) || isSiblingObject(output))
    fail(
      op,
      `a read needs input [key] (one register), or must return a map of keys to values (a snapshot read); got input ${JSON.stringify(op.input) ?? 'nothing'} and output ${JSON.stringify(output) ?? 'nothing'}`,
    );
  const keys: KeyObservation[] = [];
  for (const key in output) {
    if (!Object.prototype.hasOwnProperty.call(output, key)) continue;
    if (key === '') fail(op, 'a snapshot read names an empty key');
    keys.push({ key, values: valuesOf(op, key, output[key], options) });
  }
  if (keys.length === 0) fail(op, 'a snapshot read returned no key');
  return { kind: 'read', keys, shaped: true };
}
