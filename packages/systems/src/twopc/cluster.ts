/** Params and world building: a coordinator, its participants and (optionally) a Raft decision group. */
import { World, type Env, type NodeId, type TraceMode } from '@dslab/sim';
import { z } from 'zod';
import { simpleLink } from '../link-params';
import { RaftNode } from '../raft/node';
import { RaftSafety } from '../raft/safety';
import { defaultRaftConfig, type RaftMessage } from '../raft/types';
import { Coordinator, type TxPlan, type Workload } from './coordinator';
import type { TwoPcMessage } from './messages';
import { TxObserver } from './observer';
import { Participant } from './participant';
import { defaultTimings, twoPcMutants, type CoordinatorConfig, type ParticipantConfig } from './types';

export const twoPcParams = z
  .object({
    participants: z.number().int().min(2).max(8).default(3),
    protocol: z.enum(['2pc', '3pc']).default('2pc'),
    /** Where the outcome lives: the coordinator's log, or a Raft KV group. */
    decisions: z.enum(['coordinator', 'raft']).default('coordinator'),
    /** 3PC only: Skeen's termination rule (`assume-crashed`) or waiting for an outcome (`wait`). */
    termination: z.enum(['assume-crashed', 'wait']).default('assume-crashed'),
    groupSize: z.number().int().min(1).max(7).default(3),
    /** Rows (accounts) per participant; fewer means more lock conflicts. */
    rows: z.number().int().min(1).max(10_000).default(8),
    initialRow: z.number().int().min(0).max(1_000_000).default(100),
    /** Participants one transfer touches (one debited, the others credited). */
    width: z.number().int().min(2).max(8).default(2),
    /** Mean pause between transactions the coordinator starts. */
    txIntervalMs: z.number().min(1).max(60_000).default(40),
    maxActive: z.number().int().min(1).max(1_000).default(8),
    voteTimeoutMs: z.number().min(1).max(60_000).default(defaultTimings.voteTimeoutMs),
    resendMs: z.number().min(1).max(60_000).default(defaultTimings.resendMs),
    inquireMs: z.number().min(1).max(60_000).default(defaultTimings.inquireMs),
    latencyMs: z.number().min(0).max(10_000).default(5),
    jitterMs: z.number().min(0).max(10_000).default(5),
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    mutant: z.enum(twoPcMutants).optional(),
  })
  .strict()
  .refine((p) => p.protocol === '2pc' || p.decisions === 'coordinator', {
    message: 'the Raft decision group is built for 2PC only',
  });

export type TwoPcParams = z.infer<typeof twoPcParams>;

export const COORDINATOR: NodeId = 'co';

export interface TwoPcCluster {
  readonly world: World;
  readonly params: TwoPcParams;
  readonly observer: TxObserver;
  readonly coordinator: NodeId;
  readonly participants: readonly NodeId[];
  readonly group: readonly NodeId[];
  /** Set false to stop the coordinator's workload (the healed final phase). */
  running: boolean;
  coordinatorNode(): Coordinator | undefined;
  participantNode(id: NodeId): Participant | undefined;
}

export interface BuildOptions {
  readonly trace?: TraceMode;
  /** Replace the random transfers (the orders workload, a scenario's single transaction). */
  readonly workload?: (cluster: TwoPcCluster) => Workload | undefined;
  /** Participant names (default p1…pN). */
  readonly names?: readonly NodeId[];
  /** A participant's rows start here instead of `params.initialRow` (stock units beside money, say). */
  readonly initialRows?: Readonly<Record<NodeId, number>>;
  /** Install the safety invariants as world invariants that stop the run (default true). */
  readonly checked?: boolean;
}

export function participantIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `p${i + 1}`);
}

export function buildTwoPcCluster(
  params: TwoPcParams,
  seed: number,
  options: BuildOptions = {},
): TwoPcCluster {
  const world = new World({ seed, trace: options.trace ?? 'hash', network: simpleLink(params) });
  const observer = new TxObserver(() => world.now());
  const participants = options.names ? [...options.names] : participantIds(params.participants);
  if (participants.length < 2) throw new Error('2PC needs at least two participants');
  const group =
    params.decisions === 'raft' ? Array.from({ length: params.groupSize }, (_, i) => `g${i + 1}`) : [];
  const timings = {
    voteTimeoutMs: params.voteTimeoutMs,
    resendMs: params.resendMs,
    inquireMs: params.inquireMs,
  };
  const mutant = params.mutant !== undefined ? { mutant: params.mutant } : {};
  const participantConfig: ParticipantConfig = {
    coordinator: COORDINATOR,
    protocol: params.protocol,
    decisions: params.decisions,
    termination: params.termination,
    decisionGroup: group,
    timings,
    initialRow: params.initialRow,
    ...mutant,
  };
  const coordinatorConfig: CoordinatorConfig = {
    participants,
    protocol: params.protocol,
    decisions: params.decisions,
    decisionGroup: group,
    timings,
    maxActive: params.maxActive,
    termination: params.termination,
    ...mutant,
  };
  const cluster: TwoPcCluster = {
    world,
    params,
    observer,
    coordinator: COORDINATOR,
    participants,
    group,
    running: true,
    coordinatorNode: () => (world.isUp(COORDINATOR) ? world.node<Coordinator>(COORDINATOR) : undefined),
    participantNode: (id) => (world.isUp(id) ? world.node<Participant>(id) : undefined),
  };
  const workload = options.workload ? options.workload(cluster) : transfers(cluster);
  world.addNode(
    COORDINATOR,
    (env: Env<TwoPcMessage>) => new Coordinator(env, coordinatorConfig, observer, workload),
  );
  for (const id of participants) {
    const config = { ...participantConfig, initialRow: options.initialRows?.[id] ?? params.initialRow };
    world.addNode(id, (env: Env<TwoPcMessage>) => new Participant(env, config, observer));
  }
  const raftConfig = {
    ...defaultRaftConfig,
    voters: group,
    snapshotEvery: 0, // outcomes are few and small: no compaction needed within a run
  };
  // The group is the Raft of catalog A1, watched by its own safety checker.
  const raftSafety = new RaftSafety();
  for (const id of group)
    world.addNode(id, (env: Env<RaftMessage>) => new RaftNode(env, raftConfig, raftSafety));
  if (options.checked ?? true) {
    world.addInvariant('twopc safety', () => {
      const v = observer.firstViolation;
      return v ? { name: v.property, detail: v.detail } : undefined;
    });
    if (group.length > 0)
      world.addInvariant('raft safety', () =>
        raftSafety.violation
          ? { name: raftSafety.violation.property, detail: raftSafety.violation.detail }
          : undefined,
      );
  }
  return cluster;
}

/**
 * Transfers: take an amount from a row at one participant (refused if it would go below zero) and spread
 * it over rows at `width - 1` others. Every transaction sums to zero, so the rows' total is conserved
 * exactly when every transaction is atomic.
 */
export function transfers(cluster: TwoPcCluster): Workload {
  const { params, participants } = cluster;
  const width = Math.min(params.width, participants.length);
  return {
    intervalMs: params.txIntervalMs,
    next: (random) => {
      if (!cluster.running) return undefined;
      const chosen = [...participants];
      for (let i = chosen.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chosen[i], chosen[j]] = [chosen[j] as NodeId, chosen[i] as NodeId];
      }
      const legs = chosen.slice(0, width);
      const row = () => `a${Math.floor(random() * params.rows)}`;
      const amount = (width - 1) * (1 + Math.floor(random() * 20));
      const share = amount / (width - 1);
      const plan: TxPlan = legs.map((participant, i) => ({
        participant,
        ops: [i === 0 ? { key: row(), add: -amount, min: 0 } : { key: row(), add: share }],
      }));
      return plan;
    },
  };
}
