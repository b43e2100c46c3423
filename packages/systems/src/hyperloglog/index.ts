/** HyperLogLog (catalog K1, the counting half): distinct counts in 12 KB, measured and compared with Redis. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { hyperloglogScenarios } from './scenarios';

export { HyperLogLog } from './hyperloglog';
export { SparseHyperLogLog } from './sparse';

export const hyperloglogParams = z
  .object({ precision: z.number().int().min(4).max(18).default(14) })
  .strict();

export const hyperloglogSystem: SystemDefinition<z.infer<typeof hyperloglogParams>> = {
  id: 'hyperloglog',
  title: 'HyperLogLog',
  rows: ['K1'],
  view: 'hyperloglog',
  summary:
    "Counting distinct items in 2^p six-bit registers, with HyperLogLog++'s sparse form for small sets: the error " +
    'people quote, what it really means, and merging sketches. A test feeds the same streams to real Redis PFADD/PFCOUNT.',
  params: hyperloglogParams,
  scenarios: hyperloglogScenarios,
};
