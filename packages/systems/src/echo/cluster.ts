/** Builds an echo world from params: what `run`, the scenarios, the fuzzer and the lab share. */
import { World, type Env, type TraceMode } from '@dslab/sim';
import { simpleLink } from '../link-params';
import { z } from 'zod';
import { EchoNode, echoMutants, type EchoConfig, type EchoMessage } from './node';
import { installInvariants } from './invariants';

export const echoParams = z
  .object({
    nodes: z.number().int().min(2).max(64).default(3),
    intervalMs: z.number().positive().max(60_000).default(20),
    timeoutMs: z.number().positive().max(60_000).default(100),
    latencyMs: z.number().min(0).max(10_000).default(10),
    jitterMs: z.number().min(0).max(10_000).default(0),
    loss: z.number().min(0).max(1).default(0),
    duplicate: z.number().min(0).max(1).default(0),
    durationMs: z.number().positive().max(3_600_000).default(5_000),
    maxPings: z.number().int().min(0).default(0),
    mutant: z.enum(echoMutants).optional(),
  })
  .strict();

export type EchoParams = z.infer<typeof echoParams>;

export function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

/** The node config for these params: shared by the simulator and real mode. */
export function echoConfig(params: EchoParams, peers: readonly string[]): EchoConfig {
  return {
    peers,
    intervalMs: params.intervalMs,
    timeoutMs: params.timeoutMs,
    maxPings: params.maxPings,
    ...(params.mutant !== undefined ? { mutant: params.mutant } : {}),
  };
}

export function buildEchoWorld(params: EchoParams, seed: number, trace: TraceMode = 'hash'): World {
  const world = new World({ seed, trace, network: simpleLink(params) });
  const ids = nodeIds(params.nodes);
  for (const id of ids) {
    world.addNode(id, (env: Env<EchoMessage>) => new EchoNode(env, echoConfig(params, ids)));
  }
  installInvariants(world);
  return world;
}

/** Totals over the nodes that are up. */
export function echoTotals(world: World): {
  sent: number;
  answered: number;
  timedOut: number;
  meanRttMs: number;
} {
  let sent = 0;
  let answered = 0;
  let timedOut = 0;
  let rttSum = 0;
  for (const id of world.nodeIds()) {
    if (!world.isUp(id)) continue;
    const node = world.node<EchoNode>(id);
    sent += node.sent;
    answered += node.answered;
    timedOut += node.timedOut;
    rttSum += node.rttSumMs;
  }
  return { sent, answered, timedOut, meanRttMs: answered > 0 ? rttSum / answered : 0 };
}
