/**
 * broadcast: `topology` first, then `broadcast {message}` and `read` → `read_ok {messages}`. Every
 * acknowledged message must be in every node's final read, and no read may hold a message nobody sent.
 * Stable latency (as Maelstrom reports it): for each acknowledged message, how long after it was sent
 * the last read that still missed it ended — after that, every read has it.
 */
import type { Topology, Verdict, Workload, WorkloadContext } from '../workload';

/** Neighbours per node for Maelstrom's topology names. */
export function topologyOf(nodes: readonly string[], kind: Topology): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const n = nodes.length;
  nodes.forEach((id, i) => {
    const neighbours: number[] = [];
    if (kind === 'total') for (let j = 0; j < n; j++) if (j !== i) neighbours.push(j);
    if (kind === 'line') {
      if (i > 0) neighbours.push(i - 1);
      if (i < n - 1) neighbours.push(i + 1);
    }
    if (kind === 'tree') {
      const fanout = 4;
      if (i > 0) neighbours.push(Math.floor((i - 1) / fanout));
      for (let c = i * fanout + 1; c <= i * fanout + fanout && c < n; c++) neighbours.push(c);
    }
    if (kind === 'grid') {
      const width = Math.ceil(Math.sqrt(n));
      const [row, col] = [Math.floor(i / width), i % width];
      for (const [r, c] of [
        [row - 1, col],
        [row + 1, col],
        [row, col - 1],
        [row, col + 1],
      ] as const) {
        const j = r * width + c;
        if (r >= 0 && c >= 0 && c < width && j < n) neighbours.push(j);
      }
    }
    out[id] = neighbours.map((j) => nodes[j] as string);
  });
  return out;
}

interface Read {
  readonly node: string;
  readonly call: number;
  readonly ret: number;
  readonly messages: ReadonlySet<number>;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

export function broadcastWorkload(): Workload {
  let next = 0;
  /** Acknowledged messages and when they were sent. */
  const acknowledged = new Map<number, number>();
  const attempted = new Set<number>();
  const reads: Read[] = [];
  const finals = new Map<string, ReadonlySet<number> | undefined>();
  let malformed = 0;
  let firstMalformed: string | undefined;

  async function read(ctx: WorkloadContext, client: string, node: string): Promise<Read | undefined> {
    const out = await ctx.request(client, node, { type: 'read' });
    if (out.kind !== 'ok') return undefined;
    const messages = out.body.messages;
    if (out.body.type !== 'read_ok' || !Array.isArray(messages) || !messages.every(Number.isInteger)) {
      malformed++;
      firstMalformed ??= `${node} answered a read with ${JSON.stringify(out.body).slice(0, 200)}`;
      return undefined;
    }
    return { node, call: out.call, ret: out.ret, messages: new Set(messages as number[]) };
  }

  return {
    name: 'broadcast',
    async setup(ctx) {
      const topology = topologyOf(ctx.nodes, ctx.topology);
      await Promise.all(ctx.nodes.map((node) => ctx.request('c0', node, { type: 'topology', topology })));
    },
    async operate(ctx, client, node) {
      if (ctx.rng.next() < 0.5) {
        const message = next++;
        attempted.add(message);
        const out = await ctx.request(client, node, { type: 'broadcast', message });
        if (out.kind === 'ok') acknowledged.set(message, out.call);
        return;
      }
      const r = await read(ctx, client, node);
      if (r) reads.push(r);
    },
    async final(ctx) {
      for (const node of ctx.nodes) {
        let result: Read | undefined;
        for (let attempt = 0; attempt < 3 && !result; attempt++) result = await read(ctx, 'c0', node);
        finals.set(node, result?.messages);
        if (result) reads.push(result);
      }
    },
    check(ctx): Verdict {
      const missing: string[] = [];
      let lost = 0;
      const unread = ctx.nodes.filter((node) => finals.get(node) === undefined);
      for (const [message] of acknowledged) {
        const without = ctx.nodes.filter((node) => finals.get(node)?.has(message) === false);
        if (without.length > 0) {
          lost++;
          if (missing.length < 5) missing.push(`${message} (missing on ${without.slice(0, 4).join(', ')})`);
        }
      }
      let unexpected = 0;
      for (const r of reads) for (const m of r.messages) if (!attempted.has(m)) unexpected++;
      // Stable latency: the end of the last read that missed a message, minus when it was sent.
      const stable: number[] = [];
      const byEnd = reads.slice().sort((a, b) => a.ret - b.ret);
      for (const [message, sentAt] of acknowledged) {
        let lastMiss = sentAt;
        for (let i = byEnd.length - 1; i >= 0; i--) {
          const r = byEnd[i] as Read;
          if (r.ret <= sentAt) break;
          if (r.call >= sentAt && !r.messages.has(message)) {
            lastMiss = r.ret;
            break;
          }
        }
        stable.push(lastMiss - sentAt);
      }
      stable.sort((a, b) => a - b);
      const valid = lost === 0 && unexpected === 0 && unread.length === 0 && malformed === 0;
      const problems = [
        lost > 0
          ? `${lost} of ${acknowledged.size} acknowledged messages missing from final reads: ${missing.join('; ')}`
          : '',
        unread.length > 0 ? `no final read from ${unread.join(', ')}` : '',
        unexpected > 0 ? `${unexpected} read values were never broadcast` : '',
        malformed > 0 ? `${malformed} malformed read replies: ${firstMalformed}` : '',
      ].filter(Boolean);
      return {
        valid,
        reason: valid
          ? `all ${acknowledged.size} acknowledged messages reached every node`
          : problems.join('; '),
        details: {
          acknowledged: acknowledged.size,
          attempted: attempted.size,
          lost,
          unexpected,
          stableLatencyMs: {
            p50: Math.round(quantile(stable, 0.5)),
            p95: Math.round(quantile(stable, 0.95)),
            p99: Math.round(quantile(stable, 0.99)),
            max: Math.round(stable[stable.length - 1] ?? 0),
          },
        },
      };
    },
  };
}
