/** Builds a slot-migration world: masters with a slot map, cluster-aware clients, and a resharding plan. */
import { HistoryRecorder, checkLinearizable, kvModel, type CheckResult } from '@dslab/check';
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { keySlot } from '../hashring/slots';
import { slotRanges } from '../hashring/slot-ranges';
import { SlotClient } from './client';
import { slotMutants, type SlotMessage, type SlotOp } from './messages';
import { SlotNode } from './node';

export const slotParams = z
  .object({
    nodes: z.number().int().min(2).max(9).default(3),
    clients: z.number().int().min(1).max(32).default(4),
    opsPerSecond: z.number().positive().max(10_000).default(200),
    /** Hash tags the workload uses; each is one slot, and the slots are what gets moved. */
    tags: z.number().int().min(1).max(16).default(3),
    keysPerTag: z.number().int().min(1).max(50).default(4),
    migrations: z.number().int().min(0).max(50).default(4),
    batch: z.number().int().min(1).max(1_000).default(1),
    stepMs: z.number().positive().max(10_000).default(10),
    latencyMs: z.number().min(0).max(1_000).default(1),
    jitterMs: z.number().min(0).max(1_000).default(4),
    loss: z.number().min(0).max(0.5).default(0),
    durationMs: z.number().positive().max(600_000).default(6_000),
    mutant: z.enum(slotMutants).optional(),
  })
  .strict();

export type SlotParams = z.infer<typeof slotParams>;

export interface SlotCluster {
  readonly world: World;
  readonly nodes: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly recorder: HistoryRecorder;
  readonly keys: readonly string[];
  /** Migrations started: slot, from, to, when. */
  readonly migrations: { slot: number; from: NodeId; to: NodeId; at: number }[];
  node(id: NodeId): SlotNode;
  phase: 'run' | 'final';
}

/** Each slot's first owner: contiguous ranges, as `redis-cli --cluster create` assigns them. */
export function initialOwners(nodes: readonly NodeId[]): NodeId[] {
  const owners: NodeId[] = [];
  slotRanges(nodes.length).forEach((range, i) => {
    for (let slot = range.first; slot <= range.last; slot++) owners.push(nodes[i] as NodeId);
  });
  return owners;
}

export function buildSlotCluster(params: SlotParams, seed: number, trace: TraceMode = 'hash'): SlotCluster {
  const world = new World({
    seed,
    trace,
    network: simpleLink(params),
  });
  const nodes = Array.from({ length: params.nodes }, (_, i) => `n${i + 1}`);
  const clients = Array.from({ length: params.clients }, (_, i) => `c${i + 1}`);
  const owners = initialOwners(nodes);
  const tags = Array.from({ length: params.tags }, (_, i) => `user${i}`);
  const keys = tags.flatMap((tag) => Array.from({ length: params.keysPerTag }, (_, j) => `{${tag}}:k${j}`));
  const recorder = new HistoryRecorder();
  for (const id of nodes) {
    world.addNode(
      id,
      (env: Env<SlotMessage>) =>
        new SlotNode(env, {
          nodes,
          owners,
          batch: params.batch,
          stepMs: params.stepMs,
          resendMs: 50,
          ...(params.mutant ? { mutant: params.mutant } : {}),
        }),
    );
  }
  let counter = 0;
  const cluster: SlotCluster = {
    world,
    nodes,
    clients,
    recorder,
    keys,
    migrations: [],
    node: (id) => world.node<SlotNode>(id),
    phase: 'run',
  };
  for (const id of clients) {
    const finalReads = [...keys];
    world.addNode(
      id,
      (env: Env<SlotMessage>) =>
        new SlotClient(env, {
          owners,
          recorder,
          trueNow: () => world.now(),
          thinkMs: (1_000 * params.clients) / params.opsPerSecond,
          timeoutMs: 100,
          giveUpMs: 2_000,
          nextOp: (random): SlotOp | undefined => {
            if (cluster.phase === 'final') {
              const key = finalReads.shift();
              return key === undefined ? undefined : { f: 'get', key };
            }
            const key = keys[Math.floor(random() * keys.length)] as string;
            return random() < 0.5 ? { f: 'get', key } : { f: 'put', key, value: `v${++counter}` };
          },
        }),
    );
  }
  // The resharding plan: move the tags' slots around the nodes while the clients keep going.
  const planned = [...owners];
  for (let m = 0; m < params.migrations; m++) {
    const at = 300 + (m * (params.durationMs - 800)) / Math.max(1, params.migrations);
    const slot = keySlot(tags[m % tags.length] as string);
    world.at(at, `reshard slot ${slot}`, () => {
      const from = planned[slot] as NodeId;
      // The previous move of this slot is still going, or its new owner has not heard it owns it yet:
      // an operator's reshard tool checks the same before it starts the next move.
      if (cluster.node(from).isMigrating(slot) || cluster.node(from).ownerOf(slot) !== from) return;
      const to = nodes[(nodes.indexOf(from) + 1) % nodes.length] as NodeId;
      cluster.node(to).setImporting(slot, from);
      cluster.node(from).migrate(slot, to);
      planned[slot] = to;
      cluster.migrations.push({ slot, from, to, at: world.now() });
    });
  }
  return cluster;
}

export interface SlotRunResult {
  readonly check: CheckResult;
  readonly operations: number;
  readonly redirects: { moved: number; ask: number; tryagain: number };
  readonly migrationsDone: number;
  /** Keys found on a node that does not own their slot, or on two nodes, after everything settled. */
  readonly misplacedKeys: number;
  readonly finalReadsFailed: number;
}

/** How long the final phase (a read of every key) is given once the plan has run. */
export const FINAL_PHASE_MS = 3_000;

/** Runs the plan, then starts the final phase (a read of every key) and lets it finish. */
export function driveSlotCluster(cluster: SlotCluster, durationMs: number): void {
  cluster.world.runFor(durationMs);
  cluster.phase = 'final';
  cluster.world.runFor(FINAL_PHASE_MS);
}

/** Redirects the clients followed: MOVED, ASK and TRYAGAIN. */
export function redirectTotals(cluster: SlotCluster): { moved: number; ask: number; tryagain: number } {
  const redirects = { moved: 0, ask: 0, tryagain: 0 };
  for (const id of cluster.clients) {
    const r = cluster.world.node<SlotClient>(id).redirects;
    redirects.moved += r.moved;
    redirects.ask += r.ask;
    redirects.tryagain += r.tryagain;
  }
  return redirects;
}

/** Keys held by a node that does not own their slot, or by two nodes. */
export function misplacedKeys(cluster: SlotCluster): number {
  let misplaced = 0;
  for (const key of cluster.keys) {
    const slot = keySlot(key);
    const holders = cluster.nodes.filter((id) => cluster.node(id).keysIn(slot).includes(key));
    const owner = cluster.node(cluster.nodes[0] as NodeId).ownerOf(slot);
    if (holders.length > 1 || (holders.length === 1 && holders[0] !== owner)) misplaced++;
  }
  return misplaced;
}

/** Final reads (issued once the plan has run) that did not succeed. */
export function failedFinalReads(cluster: SlotCluster, finalFrom: number): number {
  let failed = 0;
  for (const op of cluster.recorder.history()) if (op.call >= finalFrom && op.outcome !== 'ok') failed++;
  return failed;
}

/** Runs the plan, then a final read of every key, and judges what happened. */
export function runSlotCluster(cluster: SlotCluster, durationMs: number): SlotRunResult {
  driveSlotCluster(cluster, durationMs);
  const history = cluster.recorder.history();
  return {
    check: checkLinearizable(history, kvModel(null), { maxStates: 1_000_000 }),
    operations: history.length,
    redirects: redirectTotals(cluster),
    migrationsDone: cluster.migrations.filter((m) => !cluster.node(m.from).isMigrating(m.slot)).length,
    misplacedKeys: misplacedKeys(cluster),
    finalReadsFailed: failedFinalReads(cluster, durationMs),
  };
}
