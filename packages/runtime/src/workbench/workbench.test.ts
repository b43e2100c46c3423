// The workbench end to end with real processes: each workload with its demo node (valid), the broken
// demos rejected with a clear reason, and a node that prints garbage reported without a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { demoCommand } from './demo/compile';
import { parseMessage } from './protocol';
import { runWorkbench, type WorkbenchOptions } from './run';

const base: Omit<WorkbenchOptions, 'workload' | 'bin'> = {
  nodeCount: 3,
  timeLimitS: 2.5,
  rate: 60,
  latencyMs: 5,
  latencyDist: 'exponential',
  nemesis: [],
  nemesisIntervalS: 0.6,
  topology: 'grid',
  consistencyModels: [],
  seed: 3,
  requestTimeoutMs: 800,
  recoveryMs: 600,
};

describe('the Maelstrom protocol parser', () => {
  it('never throws, whatever a node prints, and accepts exactly the well-formed messages', () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        const parsed = parseMessage(line);
        expect(typeof parsed.ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = parseMessage(JSON.stringify(value));
        const shaped =
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          typeof (value as { src?: unknown }).src === 'string';
        if (!shaped) expect(parsed.ok).toBe(false);
      }),
    );
    expect(parseMessage('{"src":"n1","dest":"c1","body":{"type":"echo_ok","in_reply_to":1}}').ok).toBe(true);
    expect(parseMessage('{"src":"n1","dest":"c1","body":{"msg_id":-1,"type":"x"}}')).toEqual({
      ok: false,
      problem: expect.stringContaining('msg_id') as string,
    });
  });
});

describe('dslab workbench with real node processes', () => {
  it('echo, unique-ids under every fault, broadcast under partitions and lin-kv under partitions and pauses: valid', async () => {
    const runs = [
      await runWorkbench({ ...base, workload: 'echo', bin: demoCommand('echo') }),
      await runWorkbench({
        ...base,
        workload: 'unique-ids',
        bin: demoCommand('unique-ids'),
        // Kill too: a restarted process counts from 0 again under a fresh tag, so no id repeats.
        nemesis: ['partition', 'kill', 'pause'],
      }),
      await runWorkbench({
        ...base,
        workload: 'broadcast',
        bin: demoCommand('broadcast'),
        nemesis: ['partition'],
      }),
      await runWorkbench({
        ...base,
        workload: 'lin-kv',
        bin: demoCommand('lin-kv'),
        nemesis: ['partition', 'pause'],
      }),
    ];
    for (const r of runs) {
      expect(r.valid, `${r.workload}: ${r.reason}; problems: ${r.problems.join(' | ')}`).toBe(true);
      expect(r.operations.ok).toBeGreaterThan(20);
      expect(r.problems).toEqual([]);
    }
    expect(runs[1]?.faults.length).toBeGreaterThan(0);
    expect(runs[2]?.messages.betweenNodes).toBeGreaterThan(0);
  }, 120_000);

  it('rejects a broadcast node that forgets to forward and a lin-kv node that reads locally, saying why', async () => {
    const broadcast = await runWorkbench({
      ...base,
      workload: 'broadcast',
      bin: demoCommand('broadcast', 'no-forward'),
    });
    expect(broadcast.valid).toBe(false);
    expect(broadcast.reason).toMatch(/acknowledged messages missing from final reads: \d+ \(missing on n\d/);
    const linKv = await runWorkbench({
      ...base,
      workload: 'lin-kv',
      bin: demoCommand('lin-kv', 'local-reads'),
      rate: 100,
      timeLimitS: 3,
    });
    expect(linKv.valid).toBe(false);
    expect(linKv.reason).toMatch(/^not linearizable: c\d+\.\d+ read \[\d,\d\] .* fits no order/);
  }, 120_000);

  it('a node that prints garbage is reported with its line, and the run goes on', async () => {
    const script = [
      "const rl=require('readline').createInterface({input:process.stdin});",
      'rl.on("line",(l)=>{const m=JSON.parse(l);',
      'process.stdout.write("this is not json\\n");',
      'process.stdout.write(JSON.stringify({src:"n9",dest:m.src,body:{type:"x"}})+"\\n");',
      'const t=m.body.type==="init"?"init_ok":"echo_ok";',
      'process.stdout.write(JSON.stringify({src:m.dest,dest:m.src,body:{type:t,echo:m.body.echo,in_reply_to:m.body.msg_id}})+"\\n");});',
    ].join('');
    const file = join(mkdtempSync(join(tmpdir(), 'dslab-garbage-node-')), 'node.cjs');
    writeFileSync(file, script);
    const r = await runWorkbench({
      ...base,
      workload: 'echo',
      bin: `${JSON.stringify(process.execPath)} ${file}`,
      timeLimitS: 1,
    });
    expect(r.valid, `${r.reason}: ${JSON.stringify(r.nodeLogs.n0)}`).toBe(true);
    expect(r.problemCount).toBeGreaterThan(0);
    expect(
      r.problems.some((p) => /n\d printed an invalid message \(not JSON\): this is not json/.test(p)),
    ).toBe(true);
    expect(r.problems.some((p) => /printed a message with src "n9"/.test(p))).toBe(true);
  }, 60_000);
});
