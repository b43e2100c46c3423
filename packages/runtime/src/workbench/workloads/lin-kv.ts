/**
 * lin-kv: `read {key}`, `write {key, value}`, `cas {key, from, to}` on a few keys; the history is
 * checked for linearizability per key by dslab's checker (the kv model: a failed cas observed a value
 * other than `from`; a read of a missing key, error 20, observed null).
 */
import { checkLinearizable, HistoryRecorder, kvModel, type History, type PartResult } from '@dslab/check';
import { Processes, type Verdict, type Workload, type WorkloadContext } from '../workload';

const KEYS = 5;
const VALUES = 5;

/** The operation no order could place, in words. */
function describeStuck(history: History, part: PartResult | undefined): string {
  const op = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
  if (!op) return part?.reason ?? 'no order of the operations explains what the clients saw';
  const value = op.f === 'read' ? JSON.stringify(op.output) : JSON.stringify(op.input);
  return `${op.process} ${op.f} ${value} (${Math.round(op.call)}–${Math.round(op.ret)} ms) fits no order; state there: ${part?.stateAfterLongest ?? '?'}`;
}

export function linKvWorkload(): Workload {
  const recorder = new HistoryRecorder();
  const processes = new Processes();
  return {
    name: 'lin-kv',
    async operate(ctx: WorkloadContext, client: string, node: string) {
      const key = ctx.rng.int(KEYS);
      const roll = ctx.rng.next();
      const process = processes.of(client);
      if (roll < 0.5) {
        const id = recorder.invoke(process, 'read', [key, null], ctx.now());
        const out = await ctx.request(client, node, { type: 'read', key });
        if (out.kind === 'ok') recorder.ok(id, [key, out.body.value ?? null], out.ret);
        else if (out.kind === 'fail' && out.body.code === 20) recorder.ok(id, [key, null], out.ret);
        else if (out.kind === 'fail') recorder.fail(id, out.ret);
        else {
          recorder.info(id, out.ret);
          processes.crashed(client);
        }
        return;
      }
      const f = roll < 0.75 ? 'write' : 'cas';
      const value = ctx.rng.int(VALUES);
      const from = ctx.rng.int(VALUES);
      const input = f === 'write' ? [key, value] : [key, [from, value]];
      const id = recorder.invoke(process, f, input, ctx.now());
      const body = f === 'write' ? { type: 'write', key, value } : { type: 'cas', key, from, to: value };
      const out = await ctx.request(client, node, body);
      if (out.kind === 'ok') recorder.ok(id, undefined, out.ret);
      else if (out.kind === 'fail') recorder.fail(id, out.ret);
      else {
        recorder.info(id, out.ret);
        processes.crashed(client);
      }
    },
    check(): Verdict {
      const history = recorder.history();
      const result = checkLinearizable(history, kvModel(null));
      const ok = history.filter((op) => op.outcome === 'ok').length;
      const bad = result.parts.find((part) => part.verdict === 'not-linearizable');
      return {
        valid: result.verdict === 'linearizable',
        reason:
          result.verdict === 'linearizable'
            ? `${history.length} operations (${ok} ok) linearizable on every key`
            : result.verdict === 'unknown'
              ? 'the checker ran out of its search budget: unknown'
              : `not linearizable: ${describeStuck(history, bad)}`,
        details: { verdict: result.verdict, operations: history.length, ok },
      };
    },
  };
}
