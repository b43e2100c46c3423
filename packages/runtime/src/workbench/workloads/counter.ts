/**
 * g-counter and pn-counter: `add {delta}` → `add_ok`; `read` → `read_ok {value}` (Maelstrom's shapes;
 * pn-counter's deltas may be negative). After healing, the final reads of every node must agree, and
 * the value must be the acknowledged sum plus some of the adds whose outcome is unknown: within
 * [acked + every unknown negative delta, acked + every unknown positive delta]. No read, at any time,
 * may lie outside what every attempted add together could make.
 */
import type { Verdict, Workload, WorkloadContext } from '../workload';

/** Deltas are drawn from [-MAX_DELTA, MAX_DELTA] (pn) or [0, MAX_DELTA] (g). */
const MAX_DELTA = 5;

export function counterWorkload(name: 'g-counter' | 'pn-counter'): Workload {
  const negative = name === 'pn-counter';
  let acked = 0;
  /** Unknown outcomes, split by sign: each may have been applied or not. */
  let unknownUp = 0;
  let unknownDown = 0;
  /** Everything attempted (ok, unknown or failed), by sign: no read may leave this range. */
  let attemptedUp = 0;
  let attemptedDown = 0;
  let adds = 0;
  let reads = 0;
  let impossible = 0;
  let firstImpossible: string | undefined;
  let malformed = 0;
  let firstMalformed: string | undefined;
  const finals = new Map<string, number | undefined>();

  async function read(ctx: WorkloadContext, client: string, node: string): Promise<number | undefined> {
    const out = await ctx.request(client, node, { type: 'read' });
    if (out.kind !== 'ok') return undefined;
    const value = out.body.value;
    if (out.body.type !== 'read_ok' || !Number.isInteger(value)) {
      malformed++;
      firstMalformed ??= `${node} answered a read with ${JSON.stringify(out.body).slice(0, 200)}`;
      return undefined;
    }
    reads++;
    const v = value as number;
    if (v > attemptedUp || v < attemptedDown) {
      impossible++;
      firstImpossible ??= `${node} read ${v} at ${Math.round(out.ret)} ms, outside [${attemptedDown}, ${attemptedUp}], what every add attempted so far could make`;
    }
    return v;
  }

  return {
    name,
    async operate(ctx, client, node) {
      if (ctx.rng.next() < 0.5) {
        const delta = negative ? ctx.rng.int(2 * MAX_DELTA + 1) - MAX_DELTA : ctx.rng.int(MAX_DELTA + 1);
        adds++;
        if (delta > 0) attemptedUp += delta;
        else attemptedDown += delta;
        const out = await ctx.request(client, node, { type: 'add', delta });
        if (out.kind === 'ok') acked += delta;
        else if (out.kind === 'info') {
          if (delta > 0) unknownUp += delta;
          else unknownDown += delta;
        }
        return;
      }
      await read(ctx, client, node);
    },
    async final(ctx) {
      for (const node of ctx.nodes) {
        let value: number | undefined;
        for (let attempt = 0; attempt < 3 && value === undefined; attempt++)
          value = await read(ctx, 'c0', node);
        finals.set(node, value);
      }
    },
    check(ctx): Verdict {
      const low = acked + unknownDown;
      const high = acked + unknownUp;
      const unread = ctx.nodes.filter((node) => finals.get(node) === undefined);
      const values = ctx.nodes.map((node) => finals.get(node)).filter((v) => v !== undefined);
      const distinct = [...new Set(values)];
      const outside = ctx.nodes.filter((node) => {
        const v = finals.get(node);
        return v !== undefined && (v < low || v > high);
      });
      const bounds =
        low === high ? `the acknowledged sum ${acked}` : `[${low}, ${high}] (acknowledged sum ${acked})`;
      const problems = [
        unread.length > 0 ? `no final read from ${unread.join(', ')}` : '',
        distinct.length > 1
          ? `final reads disagree: ${ctx.nodes.map((n) => `${n}=${finals.get(n) ?? '?'}`).join(', ')}`
          : '',
        outside.length > 0
          ? `final read ${outside.map((n) => `${n}=${finals.get(n)}`).join(', ')} outside ${bounds}`
          : '',
        impossible > 0 ? `${impossible} reads impossible: ${firstImpossible}` : '',
        malformed > 0 ? `${malformed} malformed read replies: ${firstMalformed}` : '',
      ].filter(Boolean);
      const valid = problems.length === 0;
      return {
        valid,
        reason: valid
          ? `every node's final read is ${distinct[0]}, within ${bounds}, after ${adds} adds`
          : problems.join('; '),
        details: {
          adds,
          reads,
          ackedSum: acked,
          bounds: [low, high],
          finals: Object.fromEntries(ctx.nodes.map((n) => [n, finals.get(n) ?? null])),
          impossible,
        },
      };
    },
  };
}
