/**
 * txn-list-append and txn-rw-register (Maelstrom's shapes): `txn {txn: [["r", k, null], ["append", k, v]]}`
 * (or `["w", k, v]`) → `txn_ok {txn}` with each read's value filled in. Error 30 (and every other
 * definite error) is an abort that took no effect; a timeout or an indefinite error may have committed.
 * Appended and written values are unique per key, as Elle needs. The history goes to dslab's
 * transactional checker (Elle's method) once per consistency model asked for; by default
 * strict-serializable, Maelstrom's default, which the checker supports (real-time edges included).
 */
import {
  CONSISTENCY_MODELS,
  checkTransactions,
  TxnRecorder,
  type ConsistencyModel,
  type MicroOp,
  type Scalar,
  type TxnCheckResult,
} from '@dslab/check';
import { Processes, type Verdict, type Workload, type WorkloadContext } from '../workload';

const KEYS = 8;
const MAX_TXN_LENGTH = 4;
export const DEFAULT_TXN_MODELS: readonly ConsistencyModel[] = ['strict-serializable'];

type Flavour = 'list-append' | 'rw-register';

function modelsOf(ctx: WorkloadContext): readonly ConsistencyModel[] {
  if (ctx.consistencyModels.length === 0) return DEFAULT_TXN_MODELS;
  for (const m of ctx.consistencyModels)
    if (!(CONSISTENCY_MODELS as readonly string[]).includes(m))
      throw new RangeError(`unknown consistency model '${m}' (known: ${CONSISTENCY_MODELS.join(', ')})`);
  return ctx.consistencyModels as readonly ConsistencyModel[];
}

const isScalar = (v: unknown): v is Scalar =>
  (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';

/** The completed micro-ops from a txn_ok, or a sentence saying why they do not match the request. */
function completed(flavour: Flavour, sent: readonly MicroOp[], got: unknown): MicroOp[] | string {
  if (!Array.isArray(got) || got.length !== sent.length)
    return `txn_ok.txn has ${Array.isArray(got) ? got.length : 'no'} micro-ops, ${sent.length} were sent`;
  const out: MicroOp[] = [];
  for (let i = 0; i < sent.length; i++) {
    const s = sent[i] as MicroOp;
    const g: unknown = got[i];
    if (!Array.isArray(g) || g.length !== 3 || g[0] !== s.f || g[1] !== s.key)
      return `micro-op ${i} came back as ${JSON.stringify(g)}, sent ${JSON.stringify([s.f, s.key, s.value])}`;
    if (s.f !== 'r') {
      out.push(s);
      continue;
    }
    const v: unknown = g[2];
    if (flavour === 'list-append') {
      // A key never appended to reads as null in Maelstrom: the empty list.
      if (v !== null && (!Array.isArray(v) || !v.every(isScalar)))
        return `read ${i} of key ${s.key} returned ${JSON.stringify(v)}, not a list`;
      out.push({ f: 'r', key: s.key, value: v === null ? [] : (v as Scalar[]) });
    } else {
      if (v !== null && !isScalar(v)) return `read ${i} of key ${s.key} returned ${JSON.stringify(v)}`;
      out.push({ f: 'r', key: s.key, value: v as Scalar | null });
    }
  }
  return out;
}

function describe(result: TxnCheckResult): string {
  const counts = Object.entries(result.counts)
    .filter(([type]) => result.forbidden.includes(type as never))
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  const first = result.anomalies.find((a) => result.forbidden.includes(a.type));
  if (!first) return `not ${result.consistency}: ${counts}`;
  // The transactions the anomaly names, as the clients sent and saw them (Maelstrom's JSON micro-ops).
  const who = first.transactions
    .slice(0, 4)
    .map(
      (t) =>
        `T${t.index} = ${t.process} ${JSON.stringify(t.ops.map((o) => [o.f, o.key, o.value]))} ${t.type} (${Math.round(t.call)}–${t.ret === null ? '?' : Math.round(t.ret)} ms)`,
    )
    .join('; ');
  return `not ${result.consistency}: ${counts}; first: ${first.type}: ${first.why} (${who})`;
}

export function txnWorkload(flavour: Flavour): Workload {
  const name = flavour === 'list-append' ? 'txn-list-append' : 'txn-rw-register';
  const write: MicroOp['f'] = flavour === 'list-append' ? 'append' : 'w';
  const recorder = new TxnRecorder();
  const processes = new Processes();
  const nextValue = new Map<number, number>();
  let malformed = 0;
  let firstMalformed: string | undefined;

  return {
    name,
    async setup(ctx) {
      modelsOf(ctx); // a bad model name fails the run before it starts
    },
    async operate(ctx, client, node) {
      const length = 1 + ctx.rng.int(MAX_TXN_LENGTH);
      const ops: MicroOp[] = [];
      for (let i = 0; i < length; i++) {
        const key = ctx.rng.int(KEYS);
        if (ctx.rng.next() < 0.5) ops.push({ f: 'r', key, value: null });
        else {
          const value = (nextValue.get(key) ?? 0) + 1;
          nextValue.set(key, value);
          ops.push({ f: write, key, value });
        }
      }
      const process = processes.of(client);
      const id = recorder.invoke(process, ops, ctx.now());
      const out = await ctx.request(client, node, {
        type: 'txn',
        txn: ops.map((op) => [op.f, op.key, op.value]),
      });
      if (out.kind === 'fail') return recorder.fail(id, out.ret);
      if (out.kind === 'info') {
        recorder.info(id, out.ret);
        return processes.crashed(client);
      }
      const got = out.body.type === 'txn_ok' ? completed(flavour, ops, out.body.txn) : `a ${out.body.type}`;
      if (typeof got === 'string') {
        malformed++;
        firstMalformed ??= `${node} answered ${JSON.stringify(ops.map((o) => [o.f, o.key, o.value]))} with ${got}`;
        recorder.info(id, out.ret); // what it did is unknown
        return processes.crashed(client);
      }
      recorder.ok(id, got, out.ret);
    },
    check(ctx): Verdict {
      const history = recorder.history();
      const results = modelsOf(ctx).map((consistency) =>
        checkTransactions(history, { model: flavour, consistency, maxPerType: 5 }),
      );
      const failed = results.filter((r) => !r.valid);
      const stats = results[0]?.stats;
      const committed = stats?.committed ?? 0;
      const problems = [
        ...failed.map(describe),
        malformed > 0 ? `${malformed} malformed replies: ${firstMalformed}` : '',
        committed === 0 ? 'no transaction committed' : '',
      ].filter(Boolean);
      const valid = problems.length === 0;
      return {
        valid,
        reason: valid
          ? `${history.length} transactions (${committed} committed, ${stats?.failed ?? 0} aborted, ${stats?.indeterminate ?? 0} unknown) ${results.map((r) => r.consistency).join(' and ')}`
          : problems.join('; '),
        details: {
          models: results.map((r) => ({
            consistency: r.consistency,
            valid: r.valid,
            counts: r.counts,
            ruledOut: r.ruledOut,
          })),
          stats,
          anomalies: failed.flatMap((r) => r.anomalies.slice(0, 3)),
          malformed,
        },
      };
    },
  };
}
