/**
 * Models by name, with the defaults each history format implies — one place for `dslab check` and the
 * lab's checker page, so the same history gets the same verdict in both.
 */
import {
  casRegisterModel,
  kvModel,
  multiRegisterModel,
  queueModel,
  registerModel,
  setModel,
  type Model,
} from './model';
import type { HistoryFormat } from './readers';

export const MODEL_NAMES = ['register', 'cas-register', 'multi-register', 'kv', 'set', 'queue'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelOptions {
  /** The initial state (default: null; {} for multi-register). */
  readonly initial?: unknown;
  /** What a nil read means: the value nil, or an unknown value. */
  readonly nilRead?: 'value' | 'unknown';
  /** Whether a failed cas observed another value, or had no effect at all. */
  readonly failedCas?: 'observes' | 'no-effect';
  /**
   * The history carries keys in their own field (`usesKeyField`): Porcupine's key-value shape, where a
   * key never written reads as "", so the kv model starts each key at "" unless `initial` says otherwise.
   */
  readonly keyField?: boolean;
}

/** Throws an Error naming the problem for a bad name or option. */
export function modelFor(name: string, format: HistoryFormat, options: ModelOptions = {}): Model<unknown> {
  if (!(MODEL_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown model '${name}' (known: ${MODEL_NAMES.join(', ')})`);
  }
  const initial =
    options.initial !== undefined
      ? options.initial
      : name === 'multi-register'
        ? {}
        : name === 'kv' && options.keyField === true
          ? ''
          : null;
  // etcd's Jepsen logs: nil means "no key" and a failed cas saw another value; Knossos EDN: nil is unknown, fail = no effect.
  const nilRead = options.nilRead ?? (format === 'jepsen-log' ? 'value' : 'unknown');
  if (nilRead !== 'value' && nilRead !== 'unknown') throw new Error(`nil-read must be 'value' or 'unknown'`);
  const failedCas = options.failedCas ?? (format === 'jepsen-log' ? 'observes' : 'no-effect');
  if (failedCas !== 'observes' && failedCas !== 'no-effect') {
    throw new Error(`failed-cas must be 'observes' or 'no-effect'`);
  }
  switch (name as ModelName) {
    case 'register':
      return registerModel(initial, { nilRead });
    case 'cas-register':
      return casRegisterModel(initial, { nilRead, failedCasObserves: failedCas === 'observes' });
    case 'multi-register':
      if (initial === null || typeof initial !== 'object' || Array.isArray(initial))
        throw new Error('the initial state of a multi-register must be a JSON object');
      return multiRegisterModel(initial as Record<string, unknown>) as Model<unknown>;
    case 'kv':
      return kvModel(initial);
    case 'set':
      return setModel() as Model<unknown>;
    case 'queue':
      return queueModel() as Model<unknown>;
  }
}
