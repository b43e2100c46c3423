/** LSM tree (catalog E2): WAL, memtable, sorted runs with Bloom filters, two compaction styles, every byte counted. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { lsmScenarios } from './scenarios';

export { LsmTree, type Compaction, type LsmOptions, type LsmStats, type LsmRecovery } from './lsm';

export const lsmParams = z
  .object({
    compaction: z.enum(['leveled', 'size-tiered', 'none']).default('leveled'),
    memtableEntries: z.number().int().min(1).max(1_000_000).default(1_000),
    bloomBitsPerKey: z.number().min(0).max(64).default(10),
  })
  .strict();

export const lsmSystem: SystemDefinition<z.infer<typeof lsmParams>> = {
  id: 'lsm',
  title: 'LSM tree',
  rows: ['E2'],
  view: 'lsm',
  summary:
    'Writes append to a checksummed WAL on the simulated disk and land in a memtable; full memtables become immutable ' +
    'run files with a sparse index and a Bloom filter, named by a manifest; compaction merges runs size-tiered or ' +
    'leveled. Crashes at random disk operations lose no acknowledged write; write, read and space amplification ' +
    'are counted byte by byte and probe by probe.',
  params: lsmParams,
  scenarios: lsmScenarios,
};
