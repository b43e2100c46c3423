/**
 * Histories shaped like Jepsen's etcd test (the histories Porcupine and Knossos are measured on): one
 * compare-and-set register, 5 client processes, 70–150 operations, reads, writes and cas of values
 * 0–4, and about a fifth of the operations indeterminate because the client timed out. As in Jepsen, a
 * timed-out write or cas is `:info` (it may take effect, at any time, or never) and its process is
 * retired: the client continues under a new process id (the old id + the number of clients); a read
 * that times out is a `:fail` (a read changes nothing).
 *
 * The register is simulated for real: every operation takes effect at one instant (or, for some timed-out
 * ones, never) and sees the register as the effects before it left it, so the history is linearizable by
 * construction. With `staleRead`, one read is then changed to return a value it cannot have seen — a stale
 * read that no linearization explains (see {@link injectStaleRead} for why), so that history is not
 * linearizable by construction. Either way the verdict is known without running a checker.
 */
import { Rng } from '@dslab/sim';
import type { History, Operation } from './history';

export interface EtcdHistoryOptions {
  readonly seed: number;
  /** Client processes (default 5). */
  readonly processes?: number;
  /** Operations invoked (default: 70–150, drawn from the seed). */
  readonly operations?: number;
  /** Probability that an operation times out (default 0.2). */
  readonly infoRate?: number;
  /** Values 0…values-1 (default 5). */
  readonly values?: number;
  /** Replace one read's result with a stale value, making the history not linearizable. */
  readonly staleRead?: boolean;
}

export interface EtcdHistory {
  readonly seed: number;
  readonly history: History;
  /** Known by construction. */
  readonly linearizable: boolean;
  /** For a stale-read history: the read that was changed and the value it now returns. */
  readonly stale?: { readonly id: number; readonly returned: unknown; readonly truth: unknown };
  /** Jepsen's log text (`INFO  jepsen.util - 3	:invoke	:cas	[1 4]`), as the etcd test writes it. */
  readonly log: string;
}

interface SimOp {
  id: number;
  process: number;
  f: 'read' | 'write' | 'cas';
  input: number | [number, number] | null;
  call: number;
  /** When the client gave up (timed out) or heard back. */
  end: number;
  timedOut: boolean;
  /** When it took effect; Infinity for a timed-out operation that never did. */
  effect: number;
  output: unknown;
  ok: boolean;
}

/** One history (see the module comment). */
export function generateEtcdHistory(options: EtcdHistoryOptions): EtcdHistory {
  const rng = new Rng(options.seed);
  const clients = options.processes ?? 5;
  const total = options.operations ?? 70 + rng.int(81);
  const infoRate = options.infoRate ?? 0.2;
  const values = options.values ?? 5;
  const timeout = 40;
  const ops: SimOp[] = [];
  const nextCall = Array.from({ length: clients }, () => rng.uniform(0, 3));
  const processOf = Array.from({ length: clients }, (_, i) => i);
  for (let id = 0; id < total; id++) {
    let slot = 0;
    for (let s = 1; s < clients; s++) if ((nextCall[s] as number) < (nextCall[slot] as number)) slot = s;
    const call = nextCall[slot] as number;
    const kind = rng.int(3);
    const f = kind === 0 ? 'read' : kind === 1 ? 'write' : 'cas';
    const input: SimOp['input'] =
      f === 'read' ? null : f === 'write' ? rng.int(values) : [rng.int(values), rng.int(values)];
    const timedOut = rng.chance(infoRate);
    let end: number;
    let effect: number;
    if (timedOut) {
      end = call + timeout;
      // The request may still be applied — late, after the client gave up — or be lost.
      effect = rng.chance(0.6) ? call + rng.uniform(0.5, 2 * timeout) : Infinity;
    } else {
      end = call + 1 + rng.exponential(6);
      effect = rng.uniform(call + 0.01, end - 0.01);
    }
    ops.push({
      id,
      process: processOf[slot] as number,
      f,
      input,
      call,
      end,
      timedOut,
      effect,
      output: undefined,
      ok: true,
    });
    // Jepsen retires a process whose write or cas timed out; a timed-out read is a plain failure.
    if (timedOut && f !== 'read') processOf[slot] = (processOf[slot] as number) + clients;
    nextCall[slot] = end + rng.exponential(2);
  }
  // The register: effects in time order.
  let register: number | null = null;
  for (const op of [...ops].filter((o) => Number.isFinite(o.effect)).sort((a, b) => a.effect - b.effect)) {
    if (op.f === 'read') op.output = register;
    else if (op.f === 'write') register = op.input as number;
    else {
      const [from, to] = op.input as [number, number];
      if (register === from) register = to;
      else op.ok = false;
    }
  }
  let history: Operation[] = ops.map((op) => ({
    id: op.id,
    process: String(op.process),
    f: op.f,
    input: op.input,
    output: op.timedOut ? undefined : op.f === 'read' ? op.output : op.input,
    outcome: op.timedOut ? 'info' : op.ok ? 'ok' : 'fail',
    call: op.call,
    ret: op.timedOut ? Infinity : op.end,
  }));
  let stale: EtcdHistory['stale'];
  if (options.staleRead) {
    const injected = injectStaleRead(history);
    if (injected) {
      history = injected.history;
      stale = injected.stale;
    }
  }
  const log = renderLog(
    history,
    ops.map((op) => op.end),
  );
  return {
    seed: options.seed,
    history,
    linearizable: stale === undefined,
    ...(stale ? { stale } : {}),
    log,
  };
}

/**
 * Changes one ok read to return a value no linearization lets it see; undefined when the history has
 * no such read. The read R gets value v when some ok write or cas W (setting u ≠ v) completed before R
 * was invoked, and every operation that could set v — a write of v or a cas to v, completed ok or
 * indeterminate — and was invoked before R completed, completed before W was invoked. Then every
 * linearization puts W after all of them and before R, so the register holds something other than v
 * from W to R. v is preferably a value the register really held earlier (a stale read); otherwise the
 * initial nil, which nothing writes back once any write completed.
 */
export function injectStaleRead(
  history: History,
): { history: Operation[]; stale: NonNullable<EtcdHistory['stale']> } | undefined {
  const setsValue = (op: Operation): unknown =>
    op.outcome === 'fail'
      ? undefined
      : op.f === 'write'
        ? op.input
        : op.f === 'cas'
          ? (op.input as number[])[1]
          : undefined;
  const setters = history.filter((op) => setsValue(op) !== undefined);
  const reads = history.filter((op) => op.f === 'read' && op.outcome === 'ok');
  // Later reads first: more has been overwritten by then.
  for (const read of [...reads].sort((a, b) => b.call - a.call)) {
    const before = setters.filter((w) => w.outcome === 'ok' && w.ret < read.call);
    for (const w of before) {
      const u = setsValue(w);
      const candidates = new Set(
        setters.filter((s) => s.outcome === 'ok' && s.ret < w.call).map((s) => setsValue(s)),
      );
      for (const v of candidates) {
        if (v === u || v === read.output) continue;
        const blocked = setters.some(
          (s) => setsValue(s) === v && s.call < read.ret && !(s.outcome === 'ok' && s.ret < w.call),
        );
        if (!blocked) return changed(history, read, v);
      }
    }
  }
  // Fallback: a read of the initial nil after a completed write.
  const firstDone = Math.min(...setters.filter((s) => s.outcome === 'ok').map((s) => s.ret));
  const late = reads.filter((r) => r.call > firstDone && r.output !== null);
  if (late.length === 0) return undefined;
  return changed(history, late[late.length >> 1] as Operation, null);
}

function changed(history: History, read: Operation, value: unknown) {
  return {
    history: history.map((op) => (op.id === read.id ? { ...op, output: value } : op)),
    stale: { id: read.id, returned: value, truth: read.output },
  };
}

/** Jepsen's etcd log lines in event order; a timed-out operation's completion is written when it timed out. */
function renderLog(history: History, ends: readonly number[]): string {
  const edn = (value: unknown): string =>
    value === null || value === undefined
      ? 'nil'
      : Array.isArray(value)
        ? `[${value.map(edn).join(' ')}]`
        : String(value);
  const lines: { time: number; text: string }[] = [];
  for (const op of history) {
    lines.push({
      time: op.call,
      text: `${op.process}\t:invoke\t:${op.f}\t${op.f === 'read' ? 'nil' : edn(op.input)}`,
    });
    const end = ends[op.id] as number;
    if (op.outcome === 'info') {
      const type = op.f === 'read' ? 'fail' : 'info';
      lines.push({ time: end, text: `${op.process}\t:${type}\t:${op.f}\t:timed-out` });
    } else {
      const value = op.f === 'read' ? edn(op.output) : edn(op.input);
      lines.push({ time: end, text: `${op.process}\t:${op.outcome}\t:${op.f}\t${value}` });
    }
  }
  lines.sort((a, b) => a.time - b.time);
  return lines.map((l) => `INFO  jepsen.util - ${l.text}`).join('\n') + '\n';
}

/**
 * A corpus of `count` histories from consecutive seeds; every `badEvery`-th seed (default 5) gets a stale
 * read, as far as its history has a read to spoil.
 */
export function generateEtcdCorpus(
  options: { readonly count?: number; readonly firstSeed?: number; readonly badEvery?: number } = {},
): EtcdHistory[] {
  const count = options.count ?? 99;
  const first = options.firstSeed ?? 1;
  const badEvery = options.badEvery ?? 5;
  return Array.from({ length: count }, (_, i) =>
    generateEtcdHistory({ seed: first + i, staleRead: badEvery > 0 && i % badEvery === badEvery - 1 }),
  );
}
