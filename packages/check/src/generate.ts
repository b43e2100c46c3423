/**
 * Generates histories of a correct compare-and-set register under concurrency, from a seed: each
 * operation takes effect at one instant between its invocation and completion, so the history is
 * linearizable by construction. Some operations time out (info), and their effect may or may not
 * have happened. Used by property tests and benchmarks; `toJepsenLog` renders Jepsen's text format.
 */
import { Rng } from '@dslab/sim';
import { HistoryRecorder, type History, type Operation } from './history';

export interface GenerateOptions {
  readonly seed: number;
  readonly processes: number;
  readonly operations: number;
  /** Probability an operation's outcome is lost (info). */
  readonly infoRate?: number;
  readonly values?: number;
}

export function generateCasRegisterHistory(options: GenerateOptions): History {
  const rng = new Rng(options.seed);
  const values = options.values ?? 5;
  const recorder = new HistoryRecorder();
  let state: number | null = null;
  type Pending = {
    id: number;
    f: string;
    input: unknown;
    effectAt: number;
    endAt: number;
    info: boolean;
    output?: unknown;
    failed?: boolean;
  };
  const pending = new Map<number, Pending>();
  const effects: { at: number; process: number }[] = [];
  let time = 0;
  let started = 0;
  const idle = new Set(Array.from({ length: options.processes }, (_, i) => i));
  // As in Jepsen, a process whose operation timed out is retired; its slot continues under a new id.
  const processOf = Array.from({ length: options.processes }, (_, i) => i);
  while (started < options.operations || pending.size > 0) {
    // Start operations on idle processes, then advance to the next effect or completion.
    for (const process of [...idle]) {
      if (started >= options.operations || !rng.chance(0.5)) continue;
      idle.delete(process);
      const kind = rng.int(3);
      const f = kind === 0 ? 'read' : kind === 1 ? 'write' : 'cas';
      const input =
        f === 'read' ? null : f === 'write' ? rng.int(values) : [rng.int(values), rng.int(values)];
      const id = recorder.invoke(processOf[process] as number, f, input, time);
      const effectAt = time + rng.uniform(0.1, 5);
      pending.set(process, {
        id,
        f,
        input,
        effectAt,
        endAt: effectAt + rng.uniform(0.1, 5),
        info: rng.chance(options.infoRate ?? 0),
      });
      effects.push({ at: effectAt, process });
      started++;
    }
    effects.sort((a, b) => a.at - b.at);
    const nextEffect = effects[0];
    const nextEnd = [...pending.entries()]
      .filter(([, p]) => p.output !== undefined || p.failed !== undefined)
      .sort((a, b) => a[1].endAt - b[1].endAt)[0];
    if (nextEffect && (!nextEnd || nextEffect.at <= nextEnd[1].endAt)) {
      effects.shift();
      time = nextEffect.at;
      const op = pending.get(nextEffect.process) as Pending;
      if (op.f === 'read') op.output = state;
      else if (op.f === 'write') {
        state = op.input as number;
        op.output = op.input;
      } else {
        const [from, to] = op.input as [number, number];
        if (state === from) {
          state = to;
          op.output = op.input;
        } else op.failed = true;
      }
      continue;
    }
    if (!nextEnd) {
      time += 1;
      continue;
    }
    const [process, op] = nextEnd;
    time = op.endAt;
    pending.delete(process);
    idle.add(process);
    if (op.info) {
      recorder.info(op.id, time);
      processOf[process] = (processOf[process] as number) + options.processes;
    } else if (op.failed) recorder.fail(op.id, time);
    else recorder.ok(op.id, op.output, time);
  }
  return recorder.history();
}

/**
 * Renders a history as Jepsen log lines (invocations and completions in time order). An info
 * completion's time is not kept in a History (it is open to the end), so it is written last.
 */
export function toJepsenLog(history: History): string {
  const edn = (value: unknown): string =>
    value === null || value === undefined
      ? 'nil'
      : Array.isArray(value)
        ? `[${value.map(edn).join(' ')}]`
        : String(value);
  const lines: { time: number; order: number; text: string }[] = [];
  for (const op of history) {
    lines.push({
      time: op.call,
      order: 0,
      text: `${op.process}\t:invoke\t:${op.f}\t${edn(op.f === 'read' ? null : op.input)}`,
    });
    if (Number.isFinite(op.ret) || op.outcome === 'info') {
      const value =
        op.outcome === 'info'
          ? op.f === 'read'
            ? ':timed-out'
            : edn(op.input)
          : op.f === 'read'
            ? edn(op.output)
            : edn(op.input);
      const type = op.outcome === 'info' && op.f === 'read' ? 'fail' : op.outcome;
      const time = Number.isFinite(op.ret) ? op.ret : Number.MAX_VALUE;
      lines.push({ time, order: 0, text: `${op.process}\t:${type}\t:${op.f}\t${value}` });
    }
  }
  lines.sort((a, b) => a.time - b.time || a.order - b.order);
  return lines.map((l) => `INFO  jepsen.util - ${l.text}`).join('\n') + '\n';
}

export interface KvGenerateOptions {
  readonly seed: number;
  readonly operations: number;
  readonly processes: number;
  readonly keys?: number;
  /** Probability that an operation's outcome is lost (info); its process then continues under a new name. */
  readonly infoRate?: number;
  /** Probability that a write or read fails (no effect). */
  readonly failRate?: number;
  /** Mean latency in ms (exponential); the history's times are in ms. */
  readonly meanLatencyMs?: number;
}

/**
 * A large key-value history in the kv model's vocabulary (read [k] → v, write [k, v]), as a real test
 * records it: each client runs one operation after another; every operation takes effect when it is
 * invoked, so the history is linearizable by construction. Fast enough for millions of operations
 * (report writers and benchmarks at scale).
 */
export function generateKvHistory(options: KvGenerateOptions): History {
  const rng = new Rng(options.seed);
  const keys = options.keys ?? 4;
  const mean = options.meanLatencyMs ?? 2;
  const infoRate = options.infoRate ?? 0;
  const failRate = options.failRate ?? 0;
  const keyNames = Array.from({ length: keys }, (_, k) => `k${k}`);
  const state: (string | null)[] = new Array<string | null>(keys).fill(null);
  const nextAt = new Float64Array(options.processes);
  const names = Array.from({ length: options.processes }, (_, p) => `c${p}`);
  const generation = new Uint32Array(options.processes);
  for (let p = 0; p < options.processes; p++) nextAt[p] = rng.uniform(0, mean);
  // Built directly (not through HistoryRecorder) to allocate once per operation: a million take ~1 s.
  const ops: Operation[] = new Array<Operation>(options.operations);
  for (let id = 0; id < options.operations; id++) {
    let p = 0;
    for (let q = 1; q < options.processes; q++) if ((nextAt[q] as number) < (nextAt[p] as number)) p = q;
    const call = nextAt[p] as number;
    const ret = call + 0.05 + rng.exponential(mean);
    const process = names[p] as string;
    const key = rng.int(keys);
    const k = keyNames[key] as string;
    const roll = rng.next();
    let op: Operation;
    if (roll < infoRate) {
      const value = `v${id}`;
      if (rng.chance(0.5)) state[key] = value; // the lost outcome took effect, or not
      op = {
        id,
        process,
        f: 'write',
        input: [k, value],
        output: undefined,
        outcome: 'info',
        call,
        ret: Infinity,
      };
      generation[p] = (generation[p] as number) + 1;
      names[p] = `c${p}.${generation[p]}`;
    } else if (roll < infoRate + failRate) {
      const read = rng.chance(0.5);
      op = {
        id,
        process,
        f: read ? 'read' : 'write',
        input: read ? [k] : [k, `v${id}`],
        output: undefined,
        outcome: 'fail',
        call,
        ret,
      };
    } else if (rng.chance(0.5)) {
      op = { id, process, f: 'read', input: [k], output: state[key] ?? null, outcome: 'ok', call, ret };
    } else {
      const value = `v${id}`;
      state[key] = value;
      op = { id, process, f: 'write', input: [k, value], output: undefined, outcome: 'ok', call, ret };
    }
    ops[id] = op;
    nextAt[p] = ret + rng.exponential(mean / 4);
  }
  return ops;
}
