/** echo: every reply echoes what was sent. */
import type { Verdict, Workload, WorkloadContext } from '../workload';

export function echoWorkload(): Workload {
  let ok = 0;
  let wrong = 0;
  let first: string | undefined;
  return {
    name: 'echo',
    async operate(ctx: WorkloadContext, client: string, node: string) {
      const echo = `please echo ${ctx.rng.int(1_000_000)}`;
      const out = await ctx.request(client, node, { type: 'echo', echo });
      if (out.kind !== 'ok') return;
      if (out.body.type === 'echo_ok' && out.body.echo === echo) ok++;
      else {
        wrong++;
        first ??= `${node} answered ${JSON.stringify(out.body)} to echo ${JSON.stringify(echo)}`;
      }
    },
    check(): Verdict {
      return {
        valid: wrong === 0 && ok > 0,
        reason:
          wrong > 0
            ? `${wrong} of ${ok + wrong} replies did not echo the request: ${first}`
            : ok === 0
              ? 'no echo succeeded'
              : `${ok} echoes, all correct`,
        details: { correct: ok, wrong },
      };
    },
  };
}
