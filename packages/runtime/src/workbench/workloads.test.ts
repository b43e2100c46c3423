// The Gossip Glomers workloads end to end with real node processes: g-set, g-counter, pn-counter,
// kafka and the two transactional workloads with their demo nodes (valid, under the faults each
// design survives), the broken demos rejected with the checker's reason, and the Python node library
// running echo and broadcast.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoCommand } from './demo/compile';
import { pythonDemoCommand } from './demo/python';
import { Rng } from '@dslab/sim';
import type { WorkbenchNet } from './net';
import type { BodyFields, MaelstromMessage } from './protocol';
import { runWorkbench, type WorkbenchOptions, type WorkbenchResult } from './run';
import { KvService } from './services';

const base: Omit<WorkbenchOptions, 'workload' | 'bin'> = {
  nodeCount: 3,
  timeLimitS: 2,
  rate: 60,
  latencyMs: 5,
  latencyDist: 'exponential',
  nemesis: [],
  nemesisIntervalS: 0.5,
  topology: 'grid',
  consistencyModels: [],
  seed: 5,
  requestTimeoutMs: 800,
  recoveryMs: 600,
};

/** One line per run, as the report quotes them. */
function figures(r: WorkbenchResult): string {
  return `${r.workload}: ${r.valid ? 'valid' : 'INVALID'}; ${r.operations.total} ops (${r.operations.ok} ok, ${r.operations.fail} fail, ${r.operations.info} info), availability ${r.availability}, ${r.messages.perOperation} msgs/op (${r.messages.betweenNodesPerOperation} between nodes), latency p50 ${r.latencyMs.p50} / p95 ${r.latencyMs.p95} / max ${r.latencyMs.max} ms; faults ${r.faults.length}; ${r.reason}`;
}

function expectValid(r: WorkbenchResult): void {
  console.log(figures(r));
  expect(r.valid, `${r.workload}: ${r.reason}; problems: ${r.problems.join(' | ')}`).toBe(true);
  expect(r.operations.ok).toBeGreaterThan(20);
  expect(r.problems).toEqual([]);
}

function pythonAvailable(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Gossip Glomers workloads with their demo nodes', () => {
  it('g-set (gossip) and pn-counter (CRDT gossip) under partitions and pauses, g-counter (seq-kv) under every fault: valid', async () => {
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'g-set',
        bin: demoCommand('g-set'),
        nemesis: ['partition', 'pause'],
      }),
    );
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'g-counter',
        bin: demoCommand('g-counter'),
        nemesis: ['partition', 'kill', 'pause'],
      }),
    );
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'pn-counter',
        bin: demoCommand('pn-counter'),
        nemesis: ['partition', 'pause'],
      }),
    );
  }, 60_000);

  it('kafka and both transactional workloads (through lin-kv) under every fault: valid', async () => {
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'kafka',
        bin: demoCommand('kafka'),
        nemesis: ['partition', 'kill', 'pause'],
        rate: 100,
      }),
    );
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'txn-list-append',
        bin: demoCommand('txn-list-append'),
        nemesis: ['partition', 'kill', 'pause'],
      }),
    );
    expectValid(
      await runWorkbench({
        ...base,
        workload: 'txn-rw-register',
        bin: demoCommand('txn-rw-register'),
        nemesis: ['partition', 'kill', 'pause'],
        consistencyModels: ['serializable', 'strict-serializable'],
      }),
    );
  }, 60_000);

  it('rejects a counter that double-counts on retry, a kafka node that appends blindly and a txn node that answers reads from its cache, saying why', async () => {
    const counter = await runWorkbench({
      ...base,
      workload: 'g-counter',
      bin: demoCommand('g-counter', 'retry-double'),
    });
    console.log(figures(counter));
    expect(counter.valid).toBe(false);
    expect(counter.reason).toMatch(/final read n\d=\d+.* outside (the acknowledged sum \d+|\[\d+, \d+\])/);
    const kafka = await runWorkbench({
      ...base,
      workload: 'kafka',
      bin: demoCommand('kafka', 'blind-append'),
      rate: 100,
    });
    console.log(figures(kafka));
    expect(kafka.valid).toBe(false);
    expect(kafka.reason).toMatch(
      /^log checker found \d+ (lost|disagreement).*; first: (lost|disagreement): /,
    );
    const txn = await runWorkbench({
      ...base,
      workload: 'txn-list-append',
      bin: demoCommand('txn-list-append', 'cached-reads'),
      rate: 100,
      timeLimitS: 3,
    });
    console.log(figures(txn));
    expect(txn.valid).toBe(false);
    expect(txn.reason).toMatch(/^not strict-serializable: .*; first: [\w-]+: /);
  }, 60_000);
});

describe('the Python node library', () => {
  const python = pythonAvailable();
  if (!python) console.log('skipping the Python node library: python3 is not on PATH');
  it.skipIf(!python)(
    'echo, broadcast and lin-kv (RPCs to the lin-kv service) nodes in Python (standard library only): valid',
    async () => {
      expectValid(
        await runWorkbench({ ...base, workload: 'echo', bin: pythonDemoCommand('echo'), timeLimitS: 1 }),
      );
      expectValid(
        await runWorkbench({
          ...base,
          workload: 'broadcast',
          bin: pythonDemoCommand('broadcast'),
          nemesis: ['partition'],
        }),
      );
      expectValid(
        await runWorkbench({
          ...base,
          workload: 'lin-kv',
          bin: pythonDemoCommand('lin-kv'),
          nemesis: ['partition', 'pause'],
        }),
      );
    },
    60_000,
  );
});

describe('seq-kv', () => {
  it('never lets a node read a state older than one a failed cas showed it', () => {
    const replies: MaelstromMessage[] = [];
    const net = { send: (m: MaelstromMessage) => replies.push(m) } as unknown as WorkbenchNet;
    const kv = new KvService('seq-kv', net, new Rng(1));
    let id = 0;
    const ask = (src: string, body: BodyFields) => {
      kv.deliver({ src, dest: 'seq-kv', body: { ...body, msg_id: ++id } });
      return replies[replies.length - 1]?.body;
    };
    // Each round on a fresh key: n0 writes 1, n1 overwrites it with 2, n0's cas from 1 fails on 2; a
    // read by n0 of the state before n1's write would travel back before what it has seen.
    for (let round = 0; round < 50; round++) {
      const key = `k${round}`;
      ask('n0', { type: 'write', key, value: 1 });
      ask('n1', { type: 'write', key, value: 2 });
      expect(ask('n0', { type: 'cas', key, from: 1, to: 3 })).toMatchObject({ type: 'error', code: 22 });
      expect(ask('n0', { type: 'read', key })).toMatchObject({ value: 2 });
    }
  });
});
