/** Bloom filters (catalog K1, the filter half): sizing, false positives and deletes, measured. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { bloomScenarios } from './scenarios';

export { BloomFilter, bitsPerItem, type BloomStep } from './bloom-filter';
export { CountingBloomFilter } from './counting-bloom';

export const bloomParams = z
  .object({
    items: z.number().int().min(1).max(10_000_000).default(100_000),
    falsePositiveRate: z.number().gt(0).lt(1).default(0.01),
  })
  .strict();

export const bloomSystem: SystemDefinition<z.infer<typeof bloomParams>> = {
  id: 'bloom',
  title: 'Bloom filters',
  rows: ['K1'],
  view: 'bloom',
  summary:
    'A Bloom filter with double hashing, a counting Bloom filter with 4-bit counters and a cuckoo filter: the ' +
    'false-positive formula, the bits-per-key arithmetic people get wrong by orders of magnitude, and what deletes cost.',
  params: bloomParams,
  scenarios: bloomScenarios,
};
