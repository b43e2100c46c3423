/**
 * A Jepsen-style test of a real KV cluster: processes on loopback behind fault proxies, clients over
 * RESP, a nemesis (kill -9, SIGSTOP, partitions), then heal and a final read of every key; the history
 * goes through the same linearizability checker the simulator uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeyRotation } from './keys';
import { HistoryRecorder, checkLinearizable, kvModel, type CheckResult, type History } from '@dslab/check';
import { LocalCluster } from '../real/launcher';
import { JepsenClient } from './clients';
import { Nemesis, type FaultWindow, type NemesisKind } from './nemesis';

export interface JepsenOptions {
  readonly command: readonly string[];
  readonly system: string;
  readonly nodes: number;
  readonly timeMs: number;
  readonly clients: number;
  readonly nemesis: readonly NemesisKind[];
  /** Keys in use at once (default 4). */
  readonly keys?: number;
  /** Operations each key takes before a fresh one replaces it (default 1,000; see `KeyRotation`). */
  readonly opsPerKey?: number;
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
  /** Called about once a second with the elapsed fraction of the test phase. */
  readonly progress?: (fraction: number, operations: number) => void;
}

export interface JepsenReport {
  readonly system: string;
  readonly nodes: number;
  readonly clients: number;
  readonly nemesis: readonly NemesisKind[];
  readonly durationMs: number;
  readonly valid: boolean;
  readonly verdict: CheckResult['verdict'];
  /** How many keys the operations went to (each at most `opsPerKey`, checked as its own register). */
  readonly keys: number;
  readonly operations: {
    readonly total: number;
    readonly ok: number;
    readonly fail: number;
    readonly info: number;
  };
  readonly throughputOkPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Acknowledged writes that were certainly the last write to their key, yet the final read missed them. */
  readonly lostAcknowledgedWrites: number;
  readonly finalReadsFailed: number;
  readonly faults: readonly FaultWindow[];
  readonly check: CheckResult;
  readonly history: History;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForLeader(cluster: LocalCluster, maxMs: number, password: string): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    for (const m of cluster.members) {
      try {
        const response = await fetch(`http://127.0.0.1:${m.httpPort}/v1/status`, {
          signal: AbortSignal.timeout(500),
          headers: { authorization: `Bearer ${password}` },
        });
        const status = (await response.json()) as { role?: string };
        if (status.role === 'leader') return true;
      } catch {
        /* not up yet */
      }
    }
    await sleep(100);
  }
  return false;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Writes that were certainly the last to their key (every other write to it finished before they began). */
export function lostAcknowledgedWrites(history: History, finalFrom: number): number {
  const finalValue = new Map<string, unknown>();
  for (const op of history) {
    if (op.f === 'read' && op.outcome === 'ok' && op.call >= finalFrom)
      finalValue.set(JSON.stringify((op.input as unknown[])[0]), op.output);
  }
  // Per key, the latest and second-latest completion among mutations (writes, cas; info ones never
  // complete): a write is certainly last when every other mutation of its key finished before it began.
  const keyOf = (op: History[number]) => JSON.stringify((op.input as unknown[])[0]);
  const latest = new Map<string, { op: History[number]; second: number }>();
  for (const op of history) {
    if (op.f === 'read' || op.outcome === 'fail') continue;
    const key = keyOf(op);
    const top = latest.get(key);
    if (!top) latest.set(key, { op, second: -Infinity });
    else if (op.ret > top.op.ret) latest.set(key, { op, second: top.op.ret });
    else if (op.ret > top.second) top.second = op.ret;
  }
  let lost = 0;
  for (const w of history) {
    if (w.f !== 'write' || w.outcome !== 'ok') continue;
    const key = keyOf(w);
    const top = latest.get(key) as { op: History[number]; second: number };
    const othersLatest = top.op === w ? top.second : top.op.ret;
    if (othersLatest >= w.call) continue;
    if (finalValue.has(key) && finalValue.get(key) !== (w.input as unknown[])[1]) lost++;
  }
  return lost;
}

export async function runJepsen(options: JepsenOptions): Promise<JepsenReport> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dslab-jepsen-'));
  const password = randomBytes(8).toString('hex');
  const cluster = await LocalCluster.start({
    command: options.command,
    system: options.system,
    nodes: options.nodes,
    dataDir,
    token: randomBytes(16).toString('hex'),
    password,
    proxied: true,
    ...(options.log ? { log: options.log } : {}),
  });
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const recorder = new HistoryRecorder();
  let counter = 0;
  const keys = new KeyRotation(options.keys ?? 4, options.opsPerKey ?? 1_000);
  const clients: JepsenClient[] = [];
  try {
    if (!(await waitForLeader(cluster, 15_000, password)))
      throw new Error('no leader within 15 s of starting the cluster');
    for (let i = 0; i < options.clients; i++) {
      const member = cluster.members[i % cluster.members.length];
      if (!member) continue;
      clients.push(
        new JepsenClient(
          `c${i + 1}`,
          member.respPort,
          recorder,
          now,
          { keys, readFraction: 0.5, password, timeoutMs: 3_000 },
          () => `v${++counter}`,
        ),
      );
    }
    const nemesis = new Nemesis(cluster, options.nemesis, now);
    const running = clients.map((c) => c.run());
    const faults = nemesis.run();
    const started = Date.now();
    while (Date.now() - started < options.timeMs) {
      await sleep(Math.min(1_000, options.timeMs - (Date.now() - started)));
      options.progress?.(Math.min(1, (Date.now() - started) / options.timeMs), recorder.size);
    }
    for (const c of clients) c.stop();
    nemesis.stop();
    await faults;
    await Promise.all(running);
    nemesis.healAll();
    await waitForLeader(cluster, 15_000, password);
    // Final reads: every key used, from every client, retried until the healed cluster answers.
    const finalFrom = now();
    let finalReadsFailed = 0;
    for (const c of clients) {
      for (const key of keys.used) {
        let ok = false;
        for (let attempt = 0; attempt < 20 && !ok; attempt++) {
          ok = await c.read(key);
          if (!ok) await sleep(250);
        }
        if (!ok) finalReadsFailed++;
      }
    }
    const history = recorder.history();
    const check = checkLinearizable(history, kvModel(null), { maxStates: 5_000_000 });
    const latencies = history
      .filter((op) => op.outcome === 'ok')
      .map((op) => op.ret - op.call)
      .sort((a, b) => a - b);
    const durationMs = now();
    const lost = lostAcknowledgedWrites(history, finalFrom);
    return {
      system: options.system,
      nodes: options.nodes,
      clients: options.clients,
      nemesis: options.nemesis,
      durationMs,
      valid: check.verdict === 'linearizable' && lost === 0 && finalReadsFailed === 0,
      verdict: check.verdict,
      keys: keys.used.length,
      operations: {
        total: history.length,
        ok: history.filter((op) => op.outcome === 'ok').length,
        fail: history.filter((op) => op.outcome === 'fail').length,
        info: history.filter((op) => op.outcome === 'info').length,
      },
      throughputOkPerSecond: latencies.length / (finalFrom / 1000),
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1] ?? 0,
      },
      lostAcknowledgedWrites: lost,
      finalReadsFailed,
      faults: nemesis.windows,
      check,
      history,
    };
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}
