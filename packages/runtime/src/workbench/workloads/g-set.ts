/**
 * g-set: `add {element}` → `add_ok`; `read` → `read_ok {value: [elements]}` (Maelstrom's shapes). After
 * healing, every node's final read must hold every acknowledged add, and no read, at any time, may
 * hold an element no client tried to add. Adds that timed out may or may not appear.
 */
import type { Verdict, Workload, WorkloadContext } from '../workload';

interface SetRead {
  readonly node: string;
  readonly elements: ReadonlySet<number>;
}

export function gSetWorkload(): Workload {
  let next = 0;
  const attempted = new Set<number>();
  const acknowledged = new Set<number>();
  const finals = new Map<string, ReadonlySet<number> | undefined>();
  let reads = 0;
  let unexpected = 0;
  let firstUnexpected: string | undefined;
  let malformed = 0;
  let firstMalformed: string | undefined;

  async function read(ctx: WorkloadContext, client: string, node: string): Promise<SetRead | undefined> {
    const out = await ctx.request(client, node, { type: 'read' });
    if (out.kind !== 'ok') return undefined;
    const value = out.body.value;
    if (out.body.type !== 'read_ok' || !Array.isArray(value) || !value.every(Number.isInteger)) {
      malformed++;
      firstMalformed ??= `${node} answered a read with ${JSON.stringify(out.body).slice(0, 200)}`;
      return undefined;
    }
    reads++;
    const elements = new Set(value as number[]);
    for (const e of elements)
      if (!attempted.has(e)) {
        unexpected++;
        firstUnexpected ??= `${node} read ${e}, which no client added`;
      }
    return { node, elements };
  }

  return {
    name: 'g-set',
    async operate(ctx, client, node) {
      if (ctx.rng.next() < 0.5) {
        const element = next++;
        attempted.add(element);
        const out = await ctx.request(client, node, { type: 'add', element });
        if (out.kind === 'ok') acknowledged.add(element);
        return;
      }
      await read(ctx, client, node);
    },
    async final(ctx) {
      for (const node of ctx.nodes) {
        let result: SetRead | undefined;
        for (let attempt = 0; attempt < 3 && !result; attempt++) result = await read(ctx, 'c0', node);
        finals.set(node, result?.elements);
      }
    },
    check(ctx): Verdict {
      const unread = ctx.nodes.filter((node) => finals.get(node) === undefined);
      let lost = 0;
      const examples: string[] = [];
      for (const element of acknowledged) {
        const without = ctx.nodes.filter((node) => finals.get(node)?.has(element) === false);
        if (without.length === 0) continue;
        lost++;
        if (examples.length < 5) examples.push(`${element} (missing on ${without.slice(0, 4).join(', ')})`);
      }
      const valid = lost === 0 && unread.length === 0 && unexpected === 0 && malformed === 0;
      const problems = [
        lost > 0
          ? `${lost} of ${acknowledged.size} acknowledged adds missing from final reads: ${examples.join('; ')}`
          : '',
        unread.length > 0 ? `no final read from ${unread.join(', ')}` : '',
        unexpected > 0 ? `${unexpected} read elements were never added (${firstUnexpected})` : '',
        malformed > 0 ? `${malformed} malformed read replies: ${firstMalformed}` : '',
      ].filter(Boolean);
      return {
        valid,
        reason: valid
          ? `all ${acknowledged.size} acknowledged adds in every node's final read, nothing unexpected in ${reads} reads`
          : problems.join('; '),
        details: { attempted: attempted.size, acknowledged: acknowledged.size, lost, unexpected, reads },
      };
    },
  };
}
