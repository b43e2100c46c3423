/**
 * What a shard writes (`dslab fuzz|claims --shard i/n --out FILE`) and what `dslab merge` reads back:
 * JSON, validated with zod so a truncated or foreign file is one clear error, never a wrong sum.
 */
import { z } from 'zod';

const shardSchema = z.object({ index: z.number().int().min(1), count: z.number().int().min(1) });

const fuzzFailureSchema = z.object({
  seed: z.number().int(),
  failure: z.string(),
  traceHash: z.string().optional(),
});

export const fuzzShardSchema = z.object({
  kind: z.literal('fuzz'),
  system: z.string(),
  mutant: z.string().nullable(),
  /** The whole run this shard is part of: seeds start … start + total − 1. */
  start: z.number().int().min(0),
  total: z.number().int().min(0),
  shard: shardSchema,
  seeds: z.number().int().min(0),
  stoppedEarly: z.boolean(),
  failures: z.array(fuzzFailureSchema),
  events: z.number().min(0),
  seconds: z.number().min(0),
});

export type FuzzShardFile = z.infer<typeof fuzzShardSchema>;

const claimOutcomeSchema = z.object({
  system: z.string(),
  scenario: z.string(),
  claim: z.string(),
  expected: z.enum(['holds', 'fails', 'partly']),
  observed: z.enum(['holds', 'fails', 'partly']),
  agrees: z.boolean(),
  summary: z.string(),
  measurements: z.record(z.string(), z.number()),
  seconds: z.number(),
});

export const claimsShardSchema = z.object({
  kind: z.literal('claims'),
  seed: z.number().int(),
  quick: z.boolean(),
  /** Every scenario of the whole run, as system/scenario, in order: lets merge prove nothing is missing. */
  all: z.array(z.string()),
  shard: shardSchema,
  outcomes: z.array(claimOutcomeSchema),
});

export type ClaimsShardFile = z.infer<typeof claimsShardSchema>;

export const shardFileSchema = z.discriminatedUnion('kind', [fuzzShardSchema, claimsShardSchema]);
export type ShardFile = z.infer<typeof shardFileSchema>;
