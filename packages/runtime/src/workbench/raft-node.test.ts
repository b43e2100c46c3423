// dslab's Raft KV as a Maelstrom lin-kv node, through the workbench with real processes: linearizable
// under partitions (and kill -9 with its state on disk), and it answers Maelstrom's error codes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { runRaftNode } from './raft-node';
import { runWorkbench } from './run';

/** The node as one bundled file (what `dslab workbench node raft` runs, without the CLI around it). */
function raftCommand(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dslab-raft-node-'));
  const outfile = join(dir, 'raft-node.mjs');
  buildSync({
    stdin: {
      contents: [
        "import { runRaftNode } from './raft-node';",
        'await runRaftNode({ input: process.stdin, write: (l) => process.stdout.write(l + "\\n"),',
        '  log: (l) => process.stderr.write(l + "\\n"), dataDir: process.env.DSLAB_WORKBENCH_DIR });',
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return `${JSON.stringify(process.execPath)} ${outfile}`;
}

describe('dslab workbench node raft', () => {
  it('answers init, a read of a missing key (20), a write, a read and a failed cas (22) on one node', async () => {
    const input = new PassThrough();
    const out: Record<string, unknown>[] = [];
    const done = runRaftNode({
      input,
      write: (line) => out.push(JSON.parse(line) as Record<string, unknown>),
      log: () => undefined,
      electionMinMs: 50,
      electionMaxMs: 100,
      heartbeatMs: 20,
    });
    const send = (body: Record<string, unknown>) =>
      input.write(JSON.stringify({ src: 'c1', dest: 'n0', body }) + '\n');
    const replyTo = async (id: number) => {
      for (let i = 0; i < 200; i++) {
        const found = out.find((m) => (m.body as { in_reply_to?: number }).in_reply_to === id);
        if (found) return found.body as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no reply to ${id}`);
    };
    send({ type: 'init', msg_id: 1, node_id: 'n0', node_ids: ['n0'] });
    expect((await replyTo(1)).type).toBe('init_ok');
    send({ type: 'read', msg_id: 2, key: 0 });
    expect(await replyTo(2)).toMatchObject({ type: 'error', code: 20 });
    send({ type: 'write', msg_id: 3, key: 0, value: 4 });
    expect((await replyTo(3)).type).toBe('write_ok');
    send({ type: 'cas', msg_id: 4, key: 0, from: 3, to: 5 });
    expect(await replyTo(4)).toMatchObject({ type: 'error', code: 22 });
    send({ type: 'cas', msg_id: 5, key: 0, from: 4, to: 5 });
    expect((await replyTo(5)).type).toBe('cas_ok');
    send({ type: 'read', msg_id: 6, key: 0 });
    expect(await replyTo(6)).toMatchObject({ type: 'read_ok', value: 5 });
    send({ type: 'cas', msg_id: 7, key: 9, from: 1, to: 2, create_if_not_exists: true });
    expect((await replyTo(7)).type).toBe('cas_ok');
    send({ type: 'frobnicate', msg_id: 8 });
    expect(await replyTo(8)).toMatchObject({ type: 'error', code: 10 });
    input.end();
    await done;
  });

  it('is linearizable under partitions and under kill -9 with its state on disk', async () => {
    const bin = raftCommand();
    const common = {
      workload: 'lin-kv',
      bin,
      nodeCount: 3,
      timeLimitS: 5,
      rate: 30,
      latencyMs: 5,
      latencyDist: 'exponential',
      nemesisIntervalS: 1.5,
      topology: 'total',
      consistencyModels: [],
      requestTimeoutMs: 3_000,
      recoveryMs: 2_500,
    } as const;
    const partition = await runWorkbench({ ...common, nemesis: ['partition'], seed: 1 });
    expect(partition.valid, `${partition.reason}; ${partition.problems.join(' | ')}`).toBe(true);
    expect(partition.operations.ok).toBeGreaterThan(20);
    expect(partition.faults.length).toBeGreaterThan(0);
    expect(partition.messages.betweenNodes).toBeGreaterThan(0);
    expect(partition.problems).toEqual([]);
    const kill = await runWorkbench({ ...common, nemesis: ['kill'], seed: 2 });
    expect(kill.valid, `${kill.reason}; ${kill.problems.join(' | ')}`).toBe(true);
    expect(kill.faults.some((f) => f.kind === 'kill')).toBe(true);
    console.log(
      `raft lin-kv: partition ${partition.operations.ok}/${partition.operations.total} ok, ${partition.faults.length} faults, p50 ${partition.latencyMs.p50} ms; kill ${kill.operations.ok}/${kill.operations.total} ok, ${kill.faults.length} faults`,
    );
  }, 90_000);
});
