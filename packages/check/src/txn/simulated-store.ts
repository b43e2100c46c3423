/**
 * Histories from small simulated databases, each with a known isolation level or a known flaw, so
 * the checker can be shown to catch exactly what each lets through. Clients run random transactions
 * over a few keys (Elle's workload: unique values per key, a key retired after a number of writes);
 * a seeded scheduler interleaves their steps one at a time, and time is the step count.
 *
 * - `serializable`: each transaction runs whole at its commit step, so the history is strictly
 *   serializable by construction.
 * - `stale-reads`: as serializable, but read-only transactions read a consistent snapshot up to
 *   `lag` commits old (a lagging replica): serializable, not strictly.
 * - `snapshot-isolation`: reads from the snapshot taken at begin, writes buffered, first committer
 *   wins (a transaction that wrote a key someone committed since its snapshot aborts). Lets write
 *   skew (G2-item) through.
 * - `no-first-updater-wins`: snapshot isolation without the conflict check: lost updates (G-single).
 * - `read-committed`: each read sees the latest committed state; writes installed at commit.
 * - `dirty`: no isolation: writes go straight to the shared state, reads see uncommitted writes, and
 *   an abort rolls nothing back (G0, G1a, G1b).
 */
import { Rng } from '@dslab/sim';
import { TxnRecorder } from './build';
import type { MicroOp, Scalar, TxnHistory, TxnModel } from './types';

export const STORE_KINDS = [
  'serializable',
  'stale-reads',
  'snapshot-isolation',
  'no-first-updater-wins',
  'read-committed',
  'dirty',
] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface SimulatedStoreOptions {
  readonly store: StoreKind;
  readonly model: TxnModel;
  readonly seed: number;
  readonly transactions: number;
  /** Concurrent clients. Default 5. */
  readonly processes?: number;
  /** Keys in use at once. Default 4. */
  readonly keys?: number;
  /** Writes a key receives before it is retired for a fresh one (bounds read lengths). Default 32. */
  readonly maxWritesPerKey?: number;
  /** Micro-ops per transaction, 1..this. Default 4. */
  readonly maxOps?: number;
  /** Probability a micro-op is a read. Default 0.5. */
  readonly readFraction?: number;
  /** Probability a client aborts its transaction at commit (the dirty store keeps its writes). Default 0.1 for dirty, else 0. */
  readonly abortRate?: number;
  /** Probability the outcome of a commit is lost (recorded as info). Default 0. */
  readonly infoRate?: number;
  /** How many commits old a stale read may be. Default 8. */
  readonly lag?: number;
}

type Value = readonly Scalar[] | Scalar | null;

/** Committed versions of each key, oldest first, with the commit counter at which each was installed. */
class Versions {
  private readonly byKey = new Map<Scalar, { at: number[]; values: Value[] }>();
  clock = 0;

  constructor(private readonly empty: Value) {}

  /** The value as of commit `at` (the newest when `at` is the clock). */
  read(key: Scalar, at: number = this.clock): Value {
    const versions = this.byKey.get(key);
    if (!versions) return this.empty;
    for (let i = versions.at.length - 1; i >= 0; i--)
      if ((versions.at[i] as number) <= at) return versions.values[i] as Value;
    return this.empty;
  }

  /** The commit at which the key last changed (0 if never). */
  lastChange(key: Scalar): number {
    const versions = this.byKey.get(key);
    return versions ? (versions.at[versions.at.length - 1] as number) : 0;
  }

  install(key: Scalar, value: Value, at: number): void {
    let versions = this.byKey.get(key);
    if (!versions) this.byKey.set(key, (versions = { at: [], values: [] }));
    versions.at.push(at);
    versions.values.push(value);
  }
}

interface Running {
  readonly id: number;
  readonly ops: MicroOp[];
  /** The next micro-op to run (ops.length: time to commit). */
  step: number;
  snapshot: number;
  /** Buffered writes: the appended elements, or the last value written, per key. */
  readonly appends: Map<Scalar, Scalar[]>;
  readonly writes: Map<Scalar, Scalar>;
  readonly reads: Value[];
}

/** Plans random transactions over a rotating set of keys, with unique values per key. */
class Workload {
  private readonly active: number[] = [];
  private readonly writesPlanned = new Map<number, number>();
  private nextKey = 0;

  constructor(
    private readonly rng: Rng,
    private readonly options: SimulatedStoreOptions,
  ) {
    for (let i = 0; i < (options.keys ?? 4); i++) this.active.push(this.nextKey++);
  }

  next(): MicroOp[] {
    const length = 1 + this.rng.int(this.options.maxOps ?? 4);
    const ops: MicroOp[] = [];
    const write = this.options.model === 'list-append' ? 'append' : 'w';
    for (let i = 0; i < length; i++) {
      const slot = this.rng.int(this.active.length);
      const key = this.active[slot] as number;
      if (this.rng.chance(this.options.readFraction ?? 0.5)) {
        ops.push({ f: 'r', key, value: null });
        continue;
      }
      const written = (this.writesPlanned.get(key) ?? 0) + 1;
      this.writesPlanned.set(key, written);
      ops.push({ f: write, key, value: written });
      if (written >= (this.options.maxWritesPerKey ?? 32)) {
        this.active[slot] = this.nextKey++;
        this.writesPlanned.delete(key);
      }
    }
    return ops;
  }
}

export function simulateStore(options: SimulatedStoreOptions): TxnHistory {
  const rng = new Rng(options.seed);
  const workload = new Workload(rng.fork('workload'), options);
  const list = options.model === 'list-append';
  const versions = new Versions(list ? [] : null);
  /** The dirty store's shared state: whatever was written last, committed or not. */
  const shared = new Map<Scalar, Value>();
  const recorder = new TxnRecorder();
  const processes = options.processes ?? 5;
  const abortRate = options.abortRate ?? (options.store === 'dirty' ? 0.1 : 0);
  const running: (Running | undefined)[] = new Array(processes).fill(undefined);
  const processName = Array.from({ length: processes }, (_, i) => i);
  let started = 0;
  let finished = 0;
  let time = 0;

  const apply = (base: Value, txn: Running, key: Scalar): Value => {
    if (list) {
      const own = txn.appends.get(key);
      return own ? (base as readonly Scalar[]).concat(own) : base;
    }
    return txn.writes.has(key) ? (txn.writes.get(key) as Scalar) : base;
  };

  const readValue = (txn: Running, key: Scalar): Value => {
    switch (options.store) {
      case 'snapshot-isolation':
      case 'no-first-updater-wins':
        return apply(versions.read(key, txn.snapshot), txn, key);
      case 'read-committed':
        return apply(versions.read(key), txn, key);
      case 'dirty':
        return shared.get(key) ?? (list ? [] : null);
      default:
        throw new Error('serial stores read at commit');
    }
  };

  const write = (txn: Running, op: MicroOp): void => {
    const value = op.value as Scalar;
    if (options.store === 'dirty') {
      const current = shared.get(op.key) ?? (list ? [] : null);
      shared.set(op.key, list ? (current as readonly Scalar[]).concat([value]) : value);
      return;
    }
    if (list) {
      const own = txn.appends.get(op.key);
      if (own) own.push(value);
      else txn.appends.set(op.key, [value]);
    } else txn.writes.set(op.key, value);
  };

  /** Installs the buffered writes on top of the newest committed state. */
  const install = (txn: Running): void => {
    const at = ++versions.clock;
    const keys = list ? txn.appends.keys() : txn.writes.keys();
    for (const key of keys) versions.install(key, apply(versions.read(key), txn, key), at);
  };

  /** Serial stores: the whole transaction runs now, reading the state of commit `at`. */
  const runWhole = (txn: Running, at: number): void => {
    for (let i = 0; i < txn.ops.length; i++) {
      const op = txn.ops[i] as MicroOp;
      if (op.f === 'r') txn.reads[i] = apply(versions.read(op.key, at), txn, op.key);
      else write(txn, op);
    }
  };

  const commit = (txn: Running): boolean => {
    if (rng.chance(abortRate)) return false;
    switch (options.store) {
      case 'serializable':
        runWhole(txn, versions.clock);
        install(txn);
        return true;
      case 'stale-reads': {
        const readOnly = txn.ops.every((op) => op.f === 'r');
        const lag = readOnly ? rng.int((options.lag ?? 8) + 1) : 0;
        runWhole(txn, Math.max(0, versions.clock - lag));
        if (!readOnly) install(txn);
        return true;
      }
      case 'snapshot-isolation': {
        const keys = list ? txn.appends.keys() : txn.writes.keys();
        for (const key of keys) if (versions.lastChange(key) > txn.snapshot) return false;
        install(txn);
        return true;
      }
      case 'no-first-updater-wins':
      case 'read-committed':
        install(txn);
        return true;
      case 'dirty':
        return true;
    }
  };

  while (finished < options.transactions) {
    const p = rng.int(processes);
    time++;
    const txn = running[p];
    if (!txn) {
      if (started >= options.transactions) continue;
      started++;
      const ops = workload.next();
      const id = recorder.invoke(processName[p] as number, ops, time);
      running[p] = {
        id,
        ops,
        step: 0,
        snapshot: versions.clock,
        appends: new Map(),
        writes: new Map(),
        reads: new Array(ops.length).fill(null),
      };
      continue;
    }
    const serial = options.store === 'serializable' || options.store === 'stale-reads';
    if (txn.step < txn.ops.length) {
      const op = txn.ops[txn.step] as MicroOp;
      if (!serial) {
        if (op.f === 'r') txn.reads[txn.step] = readValue(txn, op.key);
        else write(txn, op);
      }
      txn.step++;
      continue;
    }
    const committed = commit(txn);
    running[p] = undefined;
    finished++;
    if (rng.chance(options.infoRate ?? 0)) {
      recorder.info(txn.id, time);
      // As in Jepsen, a client whose outcome is unknown is retired; its slot continues as a new process.
      processName[p] = (processName[p] as number) + processes;
    } else if (committed) {
      recorder.ok(
        txn.id,
        txn.ops.map((op, i) => (op.f === 'r' ? { f: 'r', key: op.key, value: txn.reads[i] as Value } : op)),
        time,
      );
    } else recorder.fail(txn.id, time);
  }
  return recorder.history();
}
