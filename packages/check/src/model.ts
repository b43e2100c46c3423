/**
 * What a client may observe of a system, as a sequential specification. The checker asks a model to
 * apply one operation to a state; `undefined` means the operation could not have returned what it
 * did from that state. States must be immutable; `key` gives equal states equal strings (memoization).
 */
import type { Operation } from './history';

export interface Model<S> {
  readonly name: string;
  init(): S;
  step(state: S, op: Operation): S | undefined;
  key(state: S): string;
  describe(state: S): string;
  /**
   * P-compositionality: split a history into independent parts (e.g. per key) checked separately.
   * Each part is checked against this same model.
   */
  partition?(ops: readonly Operation[]): Operation[][];
  /** Whether a failed operation still constrains the state (a failed cas saw a different value). */
  keepsFailed?(op: Operation): boolean;
}

const show = (value: unknown) => (value === undefined ? 'unknown' : JSON.stringify(value));

export interface RegisterOptions {
  /**
   * Knossos treats a read that returned nil as "value unknown" (matching any state); etcd's Jepsen
   * histories use nil for "the key does not exist", a real value. Default: Knossos's rule.
   */
  readonly nilRead?: 'unknown' | 'value';
}

function readMatches(output: unknown, state: unknown, options: RegisterOptions): boolean {
  if (output === undefined) return true;
  if (output === null && (options.nilRead ?? 'unknown') === 'unknown') return true;
  return same(output, state);
}
const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** A read/write register. A read whose output is unknown matches any state. */
export function registerModel(initial: unknown = null, options: RegisterOptions = {}): Model<unknown> {
  return {
    name: 'register',
    init: () => initial,
    step(state, op) {
      if (op.f === 'write') return op.input;
      if (op.f === 'read') return readMatches(op.output, state, options) ? state : undefined;
      throw new Error(`register: unknown operation :${op.f}`);
    },
    key: (state) => JSON.stringify(state) ?? 'null',
    describe: show,
  };
}

/**
 * A compare-and-set register: read, write, cas [from, to]. A cas that completed ok swapped; a cas
 * that failed (when `failedCasObserves`) saw a value other than `from` and changed nothing.
 */
export function casRegisterModel(
  initial: unknown = null,
  options: RegisterOptions & { readonly failedCasObserves?: boolean } = {},
): Model<unknown> {
  return {
    name: 'cas-register',
    init: () => initial,
    step(state, op) {
      if (op.f === 'write') return op.input;
      if (op.f === 'read') return readMatches(op.output, state, options) ? state : undefined;
      if (op.f === 'cas') {
        if (!Array.isArray(op.input) || op.input.length !== 2)
          throw new Error(`cas-register: cas value must be [from to], got ${show(op.input)}`);
        const [from, to] = op.input as [unknown, unknown];
        if (op.outcome === 'fail') return same(state, from) ? undefined : state;
        return same(state, from) ? to : undefined;
      }
      throw new Error(`cas-register: unknown operation :${op.f}`);
    },
    key: (state) => JSON.stringify(state) ?? 'null',
    describe: show,
    keepsFailed: (op) => options.failedCasObserves === true && op.f === 'cas',
  };
}

type Registers = Readonly<Record<string, unknown>>;

/**
 * Several registers read and written in transactions: op.f 'txn', value a list of
 * ['read', k, v] / ['write', k, v] micro-operations (a read's v comes with the completion).
 */
export function multiRegisterModel(initial: Registers): Model<Registers> {
  return {
    name: 'multi-register',
    init: () => initial,
    step(state, op) {
      if (op.f !== 'txn') throw new Error(`multi-register: unknown operation :${op.f}`);
      const micro = (op.outcome === 'ok' && Array.isArray(op.output) ? op.output : op.input) as unknown[];
      if (!Array.isArray(micro))
        throw new Error(`multi-register: txn value must be a list, got ${show(micro)}`);
      let next: Record<string, unknown> | undefined;
      for (const m of micro) {
        if (!Array.isArray(m) || m.length !== 3)
          throw new Error(`multi-register: micro-op must be [f k v], got ${show(m)}`);
        const [f, k, v] = m as [string, string, unknown];
        const current = (next ?? state)[k];
        if (f === 'read') {
          if (v !== null && v !== undefined && op.outcome === 'ok' && !same(v, current)) return undefined;
        } else if (f === 'write') {
          next = { ...(next ?? state), [k]: v };
        } else throw new Error(`multi-register: unknown micro-op ${f}`);
      }
      return next ?? state;
    },
    key: (state) =>
      JSON.stringify(
        Object.keys(state)
          .sort()
          .map((k) => [k, state[k]]),
      ),
    describe: (state) => JSON.stringify(state),
  };
}

/**
 * A key-value store: read / get, write / put, delete, cas and append on `input = [key, value]` (cas:
 * [key, [from, to]]), partitioned per key, so each key is checked as its own register; `initial` is the
 * value of a key never written. A read's output is the value, or Jepsen's independent tuple
 * `[key, value]` (the completion of `{:f :read, :value [k nil]}`). Append concatenates strings, as in
 * Porcupine's key-value histories.
 */
export function kvModel(initial: unknown = null): Model<unknown> {
  const keyOf = (op: Operation) => {
    if (!Array.isArray(op.input) || op.input.length < 1)
      throw new Error(
        `kv: operation value must be [key, …] (or the key in its own :key field), got ${show(op.input)}`,
      );
    return JSON.stringify(op.input[0]);
  };
  /** The value a read returned: a completion in Jepsen's independent form carries [key, value]. */
  const readValue = (op: Operation) =>
    Array.isArray(op.output) &&
    op.output.length === 2 &&
    Array.isArray(op.input) &&
    same(op.output[0], op.input[0])
      ? (op.output[1] as unknown)
      : op.output;
  return {
    name: 'kv',
    init: () => initial,
    step(state, op) {
      const arg = (op.input as unknown[])[1];
      switch (op.f) {
        case 'write':
        case 'put':
          return arg;
        case 'delete':
          return null;
        case 'read':
        case 'get': {
          const value = readValue(op);
          return value === undefined || same(value, state) ? state : undefined;
        }
        case 'append':
          return (typeof state === 'string' ? state : '') + String(arg);
        case 'cas': {
          const [from, to] = arg as [unknown, unknown];
          if (op.outcome === 'fail') return same(state, from) ? undefined : state;
          return same(state, from) ? to : undefined;
        }
        default:
          throw new Error(`kv: unknown operation :${op.f}`);
      }
    },
    key: (state) => JSON.stringify(state) ?? 'null',
    describe: show,
    keepsFailed: (op) => op.f === 'cas',
    partition(ops) {
      const parts = new Map<string, Operation[]>();
      for (const op of ops) {
        const key = keyOf(op);
        let part = parts.get(key);
        if (!part) parts.set(key, (part = []));
        part.push(op);
      }
      return [...parts.values()];
    },
  };
}

/** A set: add(x) and read → the whole set (as a sorted list). */
export function setModel(): Model<readonly string[]> {
  return {
    name: 'set',
    init: () => [],
    step(state, op) {
      if (op.f === 'add') {
        const item = JSON.stringify(op.input);
        return state.includes(item) ? state : [...state, item].sort();
      }
      if (op.f === 'read') {
        if (op.output === undefined) return state;
        if (!Array.isArray(op.output)) return undefined;
        const seen = op.output.map((x) => JSON.stringify(x)).sort();
        return seen.length === state.length && seen.every((x, i) => x === state[i]) ? state : undefined;
      }
      throw new Error(`set: unknown operation :${op.f}`);
    },
    key: (state) => state.join(','),
    describe: (state) => `#{${state.join(' ')}}`,
  };
}

/** A FIFO queue: enqueue(x), dequeue → x (or null when empty). */
export function queueModel(): Model<readonly unknown[]> {
  return {
    name: 'queue',
    init: () => [],
    step(state, op) {
      if (op.f === 'enqueue') return [...state, op.input];
      if (op.f === 'dequeue') {
        if (op.output === undefined) return state.length === 0 ? state : state.slice(1);
        if (state.length === 0) return op.output === null ? state : undefined;
        return same(state[0], op.output) ? state.slice(1) : undefined;
      }
      throw new Error(`queue: unknown operation :${op.f}`);
    },
    key: (state) => JSON.stringify(state),
    describe: (state) => JSON.stringify(state),
  };
}
