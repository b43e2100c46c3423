// The workbench is not the bottleneck: (1) the router alone (WorkbenchNet with in-process parties, no
// node processes): messages routed per second and CPU per message; (2) echo nodes as real processes
// driven hard: messages routed per second and the harness process's CPU per message (children not
// counted); (3) the broadcast challenge setting (25 nodes, 100 ms latency, rate 100, 20 s) with the demo
// broadcast node: messages per operation, stable latencies, both presets' targets, the harness's CPU.
import { loadavg } from 'node:os';
import {
  judgeTargets,
  presetNamed,
  runWorkbench,
  type WorkbenchOptions,
  type WorkbenchResult,
} from '@dslab/runtime';
import { demoCommand } from '../packages/runtime/src/workbench/demo/compile';
import { WorkbenchNet } from '../packages/runtime/src/workbench/net';
import type { MaelstromMessage } from '../packages/runtime/src/workbench/protocol';
import type { Benchmark } from './benchmark';

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/** Routes `total` messages between in-process parties (a ping-pong per pair), latency 0. */
async function routerOnly(total: number): Promise<Record<string, number>> {
  const net = new WorkbenchNet(1, { kind: 'constant', ms: 0 }, () => undefined);
  let delivered = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const pairs = 50;
  for (let i = 0; i < pairs; i++) {
    for (const [me, other] of [
      [`n${i}`, `c${i}`],
      [`c${i}`, `n${i}`],
    ] as const) {
      net.add(me, {
        kind: me.startsWith('n') ? 'node' : 'client',
        deliver: (m: MaelstromMessage) => {
          delivered++;
          if (delivered >= total) done();
          else net.send({ src: me, dest: other, body: { type: 'ping', in_reply_to: m.body.msg_id ?? 0 } });
          return true;
        },
      });
    }
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < pairs; i++)
    net.send({ src: `c${i}`, dest: `n${i}`, body: { type: 'ping', msg_id: 1 } });
  await finished;
  const ms = performance.now() - started;
  const used = cpuMs(cpu);
  net.close();
  return {
    messages: delivered,
    messagesPerSecond: Math.round(delivered / (ms / 1000)),
    cpuMicrosecondsPerMessage: Number(((used * 1000) / delivered).toFixed(2)),
  };
}

async function measured(
  options: WorkbenchOptions,
): Promise<{ result: WorkbenchResult; cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runWorkbench(options);
  return { result, cpu: cpuMs(cpu), wall: performance.now() - started };
}

const benchmark: Benchmark = {
  name: 'workbench',
  async run() {
    const loadBefore = loadavg()[0] ?? 0;
    const router = await routerOnly(200_000);

    const echo = await measured({
      workload: 'echo',
      bin: demoCommand('echo'),
      nodeCount: 5,
      timeLimitS: 5,
      rate: 20_000,
      concurrency: 100,
      latencyMs: 0,
      latencyDist: 'constant',
      nemesis: [],
      topology: 'grid',
      consistencyModels: [],
      seed: 1,
      recoveryMs: 100,
    });
    const e = echo.result;
    const echoSeconds = e.durationMs / 1000;

    // The demo broadcast node in both of its designs: the hub (few messages) and direct (one hop less).
    const runBroadcast = (strategy?: string) =>
      measured({
        ...(presetNamed('broadcast-efficiency').options as Omit<WorkbenchOptions, 'bin'>),
        bin: demoCommand('broadcast', undefined, strategy),
        nemesis: [],
        topology: 'grid',
        consistencyModels: [],
        seed: 1,
      });
    const challenge = await runBroadcast();
    const direct = await runBroadcast('direct');
    const b = challenge.result;
    return {
      // Other work on this machine competes with the harness and the nodes: the figures read with it.
      loadAverage1m: { before: Number(loadBefore.toFixed(1)), after: Number((loadavg()[0] ?? 0).toFixed(1)) },
      routerOnly: router,
      echoNodes: {
        nodes: 5,
        clients: 100,
        valid: e.valid,
        operations: e.operations.total,
        messages: e.messages.total,
        messagesPerSecond: Math.round(e.messages.total / echoSeconds),
        operationsPerSecond: Math.round(e.operations.total / echoSeconds),
        latencyMs: e.latencyMs,
        harnessCpuPercent: Math.round((100 * echo.cpu) / echo.wall),
        harnessCpuMicrosecondsPerMessage: Number(((echo.cpu * 1000) / e.messages.total).toFixed(1)),
      },
      broadcast25: {
        settings: '25 nodes, 100 ms constant latency, rate 100, 20 s, demo hub node with 100 ms batching',
        valid: b.valid,
        reason: b.reason,
        operations: b.operations.total,
        operationsPerSecond: Number((b.operations.total / 20).toFixed(1)),
        messagesPerOperation: b.messages.perOperation,
        betweenNodesPerOperation: b.messages.betweenNodesPerOperation,
        latencyMs: b.latencyMs,
        stableLatencyMs: b.details.stableLatencyMs,
        harnessCpuSeconds: Number((challenge.cpu / 1000).toFixed(2)),
        harnessCpuPercentOfOneCore: Math.round((100 * challenge.cpu) / challenge.wall),
        wallSeconds: Number((challenge.wall / 1000).toFixed(1)),
        targets: {
          'broadcast-efficiency': judgeTargets(presetNamed('broadcast-efficiency'), b),
          'broadcast-efficiency-2': judgeTargets(presetNamed('broadcast-efficiency-2'), b),
        },
      },
      broadcast25Direct: {
        settings:
          'the same, the demo node with DEMO_STRATEGY=direct (the node a client told tells everyone, 20 ms batching)',
        valid: direct.result.valid,
        reason: direct.result.reason,
        messagesPerOperation: direct.result.messages.perOperation,
        betweenNodesPerOperation: direct.result.messages.betweenNodesPerOperation,
        stableLatencyMs: direct.result.details.stableLatencyMs,
        harnessCpuPercentOfOneCore: Math.round((100 * direct.cpu) / direct.wall),
        targets: {
          'broadcast-efficiency': judgeTargets(presetNamed('broadcast-efficiency'), direct.result),
          'broadcast-efficiency-2': judgeTargets(presetNamed('broadcast-efficiency-2'), direct.result),
        },
      },
    };
  },
};

export default benchmark;
