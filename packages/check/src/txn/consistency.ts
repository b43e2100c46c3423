/**
 * Which anomalies each consistency model forbids, after Adya's isolation levels (Adya 1999, ch. 4)
 * as Elle uses them: PL-1 (read uncommitted) forbids G0; PL-2 (read committed) also G1a, G1b, G1c;
 * snapshot isolation also G-single and lost update; PL-3 (serializable) also G2-item. Strict
 * serializability is serializability with real-time edges in the graph, so its cycles carry
 * `-realtime`. An anomaly that needs process or real-time edges is forbidden wherever its base class
 * is, since those edges are only there when the caller asked for that order.
 *
 * Internal inconsistency, garbage reads, duplicated appends and incompatible orders are forbidden by
 * every model: no isolation level lets a transaction miss its own writes, read a value nobody wrote,
 * or see a list that another read contradicts.
 */
import type { AnomalyType, ConsistencyModel, CycleClass, PlainClass } from './types';

type BaseClass = CycleClass | PlainClass;

const ALWAYS: readonly BaseClass[] = ['internal', 'garbage-read', 'duplicate-appends', 'incompatible-order'];
const READ_UNCOMMITTED: readonly BaseClass[] = [...ALWAYS, 'G0'];
const READ_COMMITTED: readonly BaseClass[] = [...READ_UNCOMMITTED, 'G1a', 'G1b', 'G1c'];
const SNAPSHOT_ISOLATION: readonly BaseClass[] = [...READ_COMMITTED, 'G-single', 'lost-update'];
const SERIALIZABLE: readonly BaseClass[] = [...SNAPSHOT_ISOLATION, 'G2-item'];

const FORBIDDEN: Readonly<Record<ConsistencyModel, ReadonlySet<BaseClass>>> = {
  'read-uncommitted': new Set(READ_UNCOMMITTED),
  'read-committed': new Set(READ_COMMITTED),
  'snapshot-isolation': new Set(SNAPSHOT_ISOLATION),
  serializable: new Set(SERIALIZABLE),
  'strict-serializable': new Set(SERIALIZABLE),
};

/** Models from weakest to strongest: each forbids everything the previous one does. */
export const MODELS_BY_STRENGTH: readonly ConsistencyModel[] = [
  'read-uncommitted',
  'read-committed',
  'snapshot-isolation',
  'serializable',
  'strict-serializable',
];

/** G-single-realtime → G-single. */
export function baseClass(type: AnomalyType): BaseClass {
  return type.replace(/-(process|realtime)$/, '') as BaseClass;
}

export function forbids(model: ConsistencyModel, type: AnomalyType): boolean {
  return FORBIDDEN[model].has(baseClass(type));
}

/** Base classes a model forbids, for documentation and the report. */
export function forbiddenClasses(model: ConsistencyModel): readonly string[] {
  return [...FORBIDDEN[model]];
}

/** Whether the model's graph has real-time edges. */
export function needsRealtime(model: ConsistencyModel): boolean {
  return model === 'strict-serializable';
}

/**
 * Models these anomaly types rule out. A real-time cycle rules out only strict serializability (the
 * weaker models do not promise real-time order), and a process cycle only models checked with
 * process order, which the caller decides; both are left to `forbids` with the caller's options.
 */
export function ruledOutBy(types: Iterable<AnomalyType>): ConsistencyModel[] {
  const out = new Set<ConsistencyModel>();
  for (const type of types) {
    if (type.endsWith('-process')) continue;
    const realtime = type.endsWith('-realtime');
    for (const model of MODELS_BY_STRENGTH)
      if ((!realtime || needsRealtime(model)) && forbids(model, type)) out.add(model);
  }
  return MODELS_BY_STRENGTH.filter((model) => out.has(model));
}
