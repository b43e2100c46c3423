/**
 * `dslab workbench test`: nodes written for Maelstrom's protocol, run as processes, every message
 * routed through dslab's network model, clients driven at a rate, faults (partitions including
 * one-way, kill and restart, SIGSTOP pauses), heal, final reads, and the workload's checker.
 */
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type LatencyModel } from '@dslab/sim';
import { ClientParty } from './clients';
import { WorkbenchNet, type DropReason, type TimelineEntry } from './net';
import { NodeProcess } from './node-process';
import type { BodyFields, MaelstromMessage } from './protocol';
import { KvService, TsoService } from './services';
import type { Outcome, Topology, Workload, WorkloadContext } from './workload';
import { workloadNamed } from './workloads';

export type WorkbenchFault = 'partition' | 'kill' | 'pause';
export const workbenchFaults: readonly WorkbenchFault[] = ['partition', 'kill', 'pause'];
export type LatencyDistribution = 'constant' | 'uniform' | 'exponential';

export interface WorkbenchOptions {
  readonly workload: string;
  /** The node: a command run by /bin/sh (an executable path, or e.g. `python3 node.py`). */
  readonly bin: string;
  readonly nodeCount: number;
  readonly timeLimitS: number;
  /** Client operations per second, over all clients. */
  readonly rate: number;
  readonly latencyMs: number;
  readonly latencyDist: LatencyDistribution;
  readonly nemesis: readonly WorkbenchFault[];
  /** Mean seconds between faults (each lasts about as long). */
  readonly nemesisIntervalS?: number;
  readonly topology: Topology;
  readonly consistencyModels: readonly string[];
  readonly seed: number;
  /** Clients working at once; the node count by default, as in Maelstrom. */
  readonly concurrency?: number;
  readonly requestTimeoutMs?: number;
  /** Wait after healing before the final reads. */
  readonly recoveryMs?: number;
  /**
   * Every delivery as a JSON line (for replay and inspection): a header line, then in order each
   * message delivered or dropped (`dropped` says why) and each kill and restart of a node.
   */
  readonly deliveriesFile?: string;
  readonly progress?: (fraction: number, operations: number) => void;
}

export interface FaultRecord {
  readonly kind: WorkbenchFault;
  readonly detail: string;
  readonly start: number;
  end: number;
}

export interface WorkbenchResult {
  readonly workload: string;
  readonly valid: boolean;
  readonly reason: string;
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly durationMs: number;
  readonly operations: {
    readonly total: number;
    readonly ok: number;
    readonly fail: number;
    readonly info: number;
  };
  /** ok / total over the main phase. */
  readonly availability: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly messages: {
    readonly total: number;
    readonly betweenNodes: number;
    readonly withServices: number;
    readonly dropped: number;
    readonly perOperation: number;
    readonly betweenNodesPerOperation: number;
  };
  readonly faults: readonly FaultRecord[];
  /** Invalid lines, crashes, late replies: what the nodes did wrong besides the checker's verdict. */
  readonly problems: readonly string[];
  readonly problemCount: number;
  readonly details: Readonly<Record<string, unknown>>;
  /** The last stderr lines of each node. */
  readonly nodeLogs: Readonly<Record<string, readonly string[]>>;
  /** The first messages of the run (the counts above cover all of them). */
  readonly timeline: readonly TimelineEntry[];
  readonly options: Omit<WorkbenchOptions, 'progress'>;
}

/** The first line of a deliveries file: what ran, so a replay can start the same nodes. */
export interface DeliveriesHeader {
  readonly dslabWorkbenchDeliveries: 1;
  readonly workload: string;
  readonly bin: string;
  readonly seed: number;
  readonly nodes: readonly string[];
}

/** Every later line: a message delivered (or dropped, with why), or a node killed or restarted. */
export type DeliveryRecord =
  | (MaelstromMessage & { readonly at: number; readonly dropped?: DropReason })
  | {
      readonly at: number;
      readonly event: 'kill' | 'restart';
      readonly node: string;
      /** For a kill: lines the node had printed by then (a replay lets it print as many first). */
      readonly printed?: number;
    };

const PROBLEMS_KEPT = 100;
/** How far behind its schedule the dispatcher may start operations back to back to catch up. */
const CATCH_UP_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latencyModel(ms: number, dist: LatencyDistribution): LatencyModel {
  if (dist === 'constant') return { kind: 'constant', ms };
  if (dist === 'uniform') return { kind: 'uniform', min: 0, max: 2 * ms };
  return { kind: 'exponential', mean: ms };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

export function validateWorkbenchOptions(o: WorkbenchOptions): void {
  const bad = (what: string) => {
    throw new RangeError(what);
  };
  if (!Number.isInteger(o.nodeCount) || o.nodeCount < 1 || o.nodeCount > 100)
    bad('--node-count must be 1..100');
  if (!(o.timeLimitS > 0 && o.timeLimitS <= 3_600)) bad('--time-limit must be in (0, 3600] seconds');
  if (!(o.rate > 0 && o.rate <= 100_000)) bad('--rate must be in (0, 100000] operations per second');
  if (!(o.latencyMs >= 0 && o.latencyMs <= 60_000)) bad('--latency must be 0..60000 ms');
  if (o.bin.trim() === '') bad('--bin is empty');
  workloadNamed(o.workload); // throws with the list of known workloads
}

export async function runWorkbench(options: WorkbenchOptions): Promise<WorkbenchResult> {
  validateWorkbenchOptions(options);
  const workload: Workload = workloadNamed(options.workload);
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string) => {
    problemCount++;
    if (problems.length < PROBLEMS_KEPT) problems.push(text);
  };
  const nodeIds = Array.from({ length: options.nodeCount }, (_, i) => `n${i}`);
  let deliveries: WriteStream | undefined;
  if (options.deliveriesFile) {
    deliveries = createWriteStream(options.deliveriesFile);
    const header: DeliveriesHeader = {
      dslabWorkbenchDeliveries: 1,
      workload: options.workload,
      bin: options.bin,
      seed: options.seed,
      nodes: nodeIds,
    };
    deliveries.write(JSON.stringify(header) + '\n');
  }
  const record = (line: DeliveryRecord) => deliveries?.write(JSON.stringify(line) + '\n');
  const net = new WorkbenchNet(
    options.seed,
    latencyModel(options.latencyMs, options.latencyDist),
    problem,
    deliveries
      ? (at, m, dropped) =>
          record({ at: Math.round(at * 1000) / 1000, ...m, ...(dropped ? { dropped } : {}) })
      : undefined,
  );
  // A directory the nodes may keep state in across a kill (DSLAB_WORKBENCH_DIR/<node id>), gone after the run.
  const dataDir = mkdtempSync(join(tmpdir(), 'dslab-workbench-'));
  const concurrency = options.concurrency ?? options.nodeCount;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const stopping = { value: false };

  // ---- parties: nodes, clients, services
  const nodes = new Map<string, NodeProcess>();
  for (const id of nodeIds) {
    const proc: NodeProcess = new NodeProcess(
      id,
      options.bin,
      {
        onMessage: (m: MaelstromMessage) => net.send(m),
        onProblem: problem,
        onExit: (code, signal) => {
          if (!stopping.value && !killed.has(id))
            problem(
              `${id} exited by itself (${signal ?? `code ${code}`}); last log: ${proc.logTail().slice(-3).join(' | ')}`,
            );
        },
      },
      { DSLAB_WORKBENCH_DIR: dataDir },
    );
    nodes.set(id, proc);
    net.add(id, { kind: 'node', deliver: (m) => proc.send(m), paused: () => proc.paused });
  }
  const killed = new Set<string>();
  const clients: ClientParty[] = [];
  for (let i = 0; i <= concurrency; i++) {
    const client = new ClientParty(`c${i}`, net);
    clients.push(client);
    net.add(client.id, client);
  }
  const rng = new Rng(options.seed);
  for (const name of ['lin-kv', 'seq-kv', 'lww-kv'] as const)
    net.add(name, new KvService(name, net, rng.fork(name)));
  net.add('lin-tso', new TsoService(net));
  net.exemptNonNodes();

  // ---- operations, as the workload makes them
  const counts = { total: 0, ok: 0, fail: 0, info: 0 };
  const latencies: number[] = [];
  let phase: 'setup' | 'main' | 'final' = 'setup';
  const setup = clients[0] as ClientParty;
  const clientById = new Map(clients.map((c) => [c.id, c]));
  const ctx: WorkloadContext = {
    nodes: nodeIds,
    rng: rng.fork('workload'),
    now: () => net.now(),
    topology: options.topology,
    consistencyModels: options.consistencyModels,
    async request(client: string, node: string, body: BodyFields): Promise<Outcome> {
      const party = clientById.get(client) ?? setup;
      const out = await party.request(node, body, timeoutMs);
      if (phase === 'main') {
        counts.total++;
        counts[out.kind]++;
        if (out.kind === 'ok') latencies.push(out.ret - out.call);
      }
      return out;
    },
  };

  const init = async (id: string) => {
    const out = await setup.request(id, { type: 'init', node_id: id, node_ids: nodeIds }, 10_000);
    if (out.kind !== 'ok' || out.body.type !== 'init_ok')
      problem(
        `${id} did not answer init with init_ok (${out.kind === 'info' ? out.why : JSON.stringify(out.body)})`,
      );
  };

  const faults: FaultRecord[] = [];
  const started = net.now();
  try {
    for (const proc of nodes.values()) proc.start();
    await Promise.all(nodeIds.map(init));
    await workload.setup?.(ctx);

    // ---- main phase: clients at the rate, the nemesis beside them
    phase = 'main';
    const until = net.now() + options.timeLimitS * 1000;
    const workers = dispatch(
      clients.slice(1),
      options.rate,
      until,
      rng.fork('schedule'),
      () => net.now(),
      (client, node) => workload.operate(ctx, client.id, node),
      nodeIds,
    );
    const nemesis = runNemesis(
      options,
      nodeIds,
      nodes,
      net,
      killed,
      faults,
      until,
      init,
      rng.fork('nemesis'),
      (event, node) =>
        record({
          at: Math.round(net.now() * 1000) / 1000,
          event,
          node,
          ...(event === 'kill' ? { printed: nodes.get(node)?.lines ?? 0 } : {}),
        }),
    );
    const ticker = setInterval(
      () =>
        options.progress?.(Math.min(1, (net.now() - started) / (options.timeLimitS * 1000)), counts.total),
      500,
    );
    await Promise.all([workers, nemesis]);
    clearInterval(ticker);

    // ---- heal, recover, final reads
    phase = 'final';
    net.network.heal();
    for (const [id, proc] of nodes) {
      if (proc.paused) {
        proc.resume();
        net.release(id);
      }
    }
    await sleep(options.recoveryMs ?? 2_000);
    await workload.final?.(ctx);
    const verdict = workload.check(ctx);
    latencies.sort((a, b) => a - b);
    const s = net.stats;
    for (const c of clients)
      if (c.strayReplies > 0) problem(`${c.strayReplies} replies to ${c.id} answered no request it made`);
    return {
      workload: workload.name,
      valid: verdict.valid,
      reason: verdict.reason,
      seed: options.seed,
      nodes: nodeIds,
      durationMs: Math.round(net.now() - started),
      operations: counts,
      availability: counts.total === 0 ? 0 : Number((counts.ok / counts.total).toFixed(4)),
      latencyMs: {
        p50: Math.round(quantile(latencies, 0.5)),
        p95: Math.round(quantile(latencies, 0.95)),
        p99: Math.round(quantile(latencies, 0.99)),
        max: Math.round(latencies[latencies.length - 1] ?? 0),
      },
      messages: {
        total: s.sent,
        betweenNodes: s.betweenNodes,
        withServices: s.withServices,
        dropped: s.dropped,
        perOperation: Number((s.sent / Math.max(1, counts.total)).toFixed(2)),
        betweenNodesPerOperation: Number((s.betweenNodes / Math.max(1, counts.total)).toFixed(2)),
      },
      faults,
      problems,
      problemCount,
      details: verdict.details,
      nodeLogs: Object.fromEntries([...nodes].map(([id, proc]) => [id, proc.logTail().slice(-20)])),
      timeline: net.timeline,
      options: { ...options, progress: undefined } as Omit<WorkbenchOptions, 'progress'>,
    };
  } finally {
    stopping.value = true;
    for (const c of clients) c.abandon();
    net.close();
    await Promise.all([...nodes.values()].map((proc) => proc.stop()));
    await new Promise<void>((resolve) => (deliveries ? deliveries.end(() => resolve()) : resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Operations start at the rate over all clients, as Jepsen's stagger does: starts are spaced by
 * exponential gaps (start to start, so an operation's latency does not lower the rate), each handed to
 * a free client against a random node; when every client is busy the start waits for one.
 */
async function dispatch(
  clients: readonly ClientParty[],
  rate: number,
  until: number,
  rng: Rng,
  now: () => number,
  operate: (client: ClientParty, node: string) => Promise<void>,
  nodeIds: readonly string[],
): Promise<void> {
  const free = [...clients];
  const running = new Set<Promise<void>>();
  let freed: (() => void) | undefined;
  let failure: unknown;
  let next = now();
  while (now() < until) {
    next += rng.exponential(1000 / rate);
    const wait = next - now();
    // Timers fire no sooner than 1 ms: shorter waits are folded into the next ones instead, and a
    // schedule that fell far behind restarts from now rather than bursting to catch up.
    if (wait >= 1) await sleep(wait);
    else if (wait < -CATCH_UP_MS) next = now();
    while (free.length === 0 && now() < until) await new Promise<void>((resolve) => (freed = resolve));
    if (now() >= until) break;
    const client = free.shift() as ClientParty;
    const op: Promise<void> = operate(client, nodeIds[rng.int(nodeIds.length)] as string)
      .catch((error: unknown) => {
        failure ??= error; // a workload's bug: raised once the running operations are done
      })
      .finally(() => {
        running.delete(op);
        free.push(client);
        freed?.();
        freed = undefined;
      });
    running.add(op);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure;
}

/** One fault at a time, each for about the interval, with about the interval of calm between them. */
async function runNemesis(
  options: WorkbenchOptions,
  nodeIds: readonly string[],
  nodes: ReadonlyMap<string, NodeProcess>,
  net: WorkbenchNet,
  killed: Set<string>,
  faults: FaultRecord[],
  until: number,
  init: (id: string) => Promise<void>,
  rng: Rng,
  recordEvent: (event: 'kill' | 'restart', node: string) => void,
): Promise<void> {
  if (options.nemesis.length === 0) return;
  const intervalMs = (options.nemesisIntervalS ?? 2) * 1000;
  while (net.now() < until) {
    await sleep(Math.min(intervalMs * (0.5 + rng.next()), Math.max(0, until - net.now())));
    if (net.now() >= until - 200) break;
    const kind = options.nemesis[rng.int(options.nemesis.length)] as WorkbenchFault;
    const victim = nodeIds[rng.int(nodeIds.length)] as string;
    let detail: string;
    if (kind === 'partition') {
      if (nodeIds.length >= 2 && rng.next() < 0.25) {
        let other = nodeIds[rng.int(nodeIds.length)] as string;
        if (other === victim) other = nodeIds[(nodeIds.indexOf(victim) + 1) % nodeIds.length] as string;
        net.network.blockOneWay(victim, other);
        detail = `one-way block ${victim} → ${other}`;
      } else {
        const shuffled = rng.shuffle([...nodeIds]);
        const cut = 1 + rng.int(Math.max(1, Math.floor(nodeIds.length / 2)));
        const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
        net.network.partition(groups);
        detail = `partition ${groups.map((g) => g.join(',')).join(' | ')}`;
      }
    } else if (kind === 'kill') {
      killed.add(victim);
      recordEvent('kill', victim);
      await nodes.get(victim)?.kill();
      net.discardHeld(victim);
      detail = `kill -9 ${victim}`;
    } else {
      nodes.get(victim)?.pause();
      detail = `SIGSTOP ${victim}`;
    }
    const fault: FaultRecord = { kind, detail, start: Math.round(net.now()), end: Infinity };
    faults.push(fault);
    await sleep(Math.min(intervalMs * (0.5 + rng.next()), Math.max(0, until - net.now())));
    if (kind === 'partition') net.network.heal();
    else if (kind === 'kill') {
      const proc = nodes.get(victim);
      recordEvent('restart', victim);
      proc?.start();
      await init(victim); // a restarted node has lost its state and starts from init, as a new process
      killed.delete(victim);
    } else {
      nodes.get(victim)?.resume();
      net.release(victim);
    }
    fault.end = Math.round(net.now());
  }
}
