/** Consistent hashing (catalog D1): the ring and its rivals, measured against what engineers are taught. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { hashringScenarios } from './scenarios';

export { ConsistentHashRing } from './ring';
export {
  moduloPlacement,
  ringPlacement,
  jumpPlacement,
  rendezvousPlacement,
  jumpHash,
  type Placement,
} from './placement';

export const hashringParams = z
  .object({
    nodes: z.number().int().min(1).max(1000).default(10),
    vnodes: z.number().int().min(1).max(2000).default(150),
    keys: z.number().int().min(1).max(1_000_000).default(100_000),
  })
  .strict();

export type HashringParams = z.infer<typeof hashringParams>;

export const hashringSystem: SystemDefinition<HashringParams> = {
  id: 'hashring',
  title: 'Consistent hashing',
  rows: ['D1'],
  view: 'ring',
  summary:
    'A hash ring with virtual nodes and weights, next to modulo, jump and rendezvous hashing: how many keys move when a node ' +
    'joins or leaves, how even the load is, where replicas go, and what a hot key does.',
  params: hashringParams,
  scenarios: hashringScenarios,
};
