/** unique-ids: `generate` → `generate_ok {id}`; every id handed out is unique, partitions or not. */
import type { Verdict, Workload, WorkloadContext } from '../workload';

export function uniqueIdsWorkload(): Workload {
  const seen = new Map<string, string>();
  let generated = 0;
  let duplicates = 0;
  let malformed = 0;
  let first: string | undefined;
  return {
    name: 'unique-ids',
    async operate(ctx: WorkloadContext, client: string, node: string) {
      const out = await ctx.request(client, node, { type: 'generate' });
      if (out.kind !== 'ok') return;
      if (out.body.type !== 'generate_ok' || out.body.id === undefined || out.body.id === null) {
        malformed++;
        first ??= `${node} answered ${JSON.stringify(out.body)}`;
        return;
      }
      generated++;
      const id = JSON.stringify(out.body.id);
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        duplicates++;
        first ??= `id ${id} handed out by ${earlier} and again by ${node}`;
      } else seen.set(id, node);
    },
    check(): Verdict {
      const valid = duplicates === 0 && malformed === 0 && generated > 0;
      return {
        valid,
        reason: valid
          ? `${generated} ids, all distinct`
          : generated === 0
            ? 'no id was generated'
            : `${duplicates} duplicate ids and ${malformed} malformed replies among ${generated}: ${first}`,
        details: { generated, duplicates, malformed },
      };
    },
  };
}
