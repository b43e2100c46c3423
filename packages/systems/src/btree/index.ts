/** B+tree (catalog E1): an index whose every page touched, split and merge can be inspected. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { btreeScenarios } from './scenarios';

export { BPlusTree, compareKeys, type Key, type StepReport } from './tree';

export const btreeParams = z.object({ fanout: z.number().int().min(3).max(1_024).default(64) }).strict();

export const btreeSystem: SystemDefinition<z.infer<typeof btreeParams>> = {
  id: 'btree',
  title: 'B+tree index',
  rows: ['E1'],
  view: 'btree',
  summary:
    'Values in leaves linked left to right, separators in inner pages; inserts split pages bottom-up, deletes borrow ' +
    'from or merge with a sibling. Each operation reports the pages it read and the splits and merges it made, so ' +
    'heights, seeks and scans are counted, not assumed.',
  params: btreeParams,
  scenarios: btreeScenarios,
};
