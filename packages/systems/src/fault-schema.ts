/** Validation of fault scripts that arrive from outside (lab links, files): zod schemas for `Fault`. */
import { z } from 'zod';
import type { Fault } from '@dslab/sim';

const nodeId = z.string().min(1).max(64);
const finite = z.number().finite();
const probability = z.number().min(0).max(1);
const latency = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), ms: finite.min(0) }).strict(),
  z.object({ kind: z.literal('uniform'), min: finite.min(0), max: finite.min(0) }).strict(),
  z
    .object({
      kind: z.literal('normal'),
      mean: finite.min(0),
      sd: finite.min(0),
      min: finite.min(0).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('exponential'), mean: finite.min(0), min: finite.min(0).optional() }).strict(),
  z.object({ kind: z.literal('long-tail'), median: finite.min(0), p99: finite.min(0) }).strict(),
]);

export const faultSchema: z.ZodType<Fault> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('partition'), groups: z.array(z.array(nodeId).max(256)).max(64) }).strict(),
  z.object({ kind: z.literal('one-way'), from: nodeId, to: nodeId }).strict(),
  z.object({ kind: z.literal('heal') }).strict(),
  z.object({ kind: z.literal('crash'), node: nodeId }).strict(),
  z.object({ kind: z.literal('restart'), node: nodeId }).strict(),
  z.object({ kind: z.literal('pause'), node: nodeId, ms: finite.min(0).max(3_600_000) }).strict(),
  z
    .object({ kind: z.literal('clock-offset'), node: nodeId, ms: finite.min(-86_400_000).max(86_400_000) })
    .strict(),
  z.object({ kind: z.literal('clock-drift'), node: nodeId, ppm: finite.min(-100_000).max(100_000) }).strict(),
  z
    .object({ kind: z.literal('clock-jump'), node: nodeId, ms: finite.min(-86_400_000).max(86_400_000) })
    .strict(),
  z
    .object({
      kind: z.literal('link'),
      from: z.union([nodeId, z.literal('*')]),
      to: z.union([nodeId, z.literal('*')]),
      config: z
        .object({
          latency: latency.optional(),
          loss: probability.optional(),
          duplicate: probability.optional(),
          fifo: z.boolean().optional(),
          bandwidthBytesPerMs: finite.positive().optional(),
        })
        .strict(),
    })
    .strict(),
]) as z.ZodType<Fault>;

/** A fault applied after a given number of kernel events, at a given virtual time (the lab's command log). */
export const faultCommandSchema = z
  .object({ afterEvents: z.number().int().min(0), at: finite.min(0), fault: faultSchema })
  .strict();

export const faultScriptSchema = z.array(faultCommandSchema).max(10_000);
