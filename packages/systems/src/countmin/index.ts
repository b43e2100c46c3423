/** Count-min sketch (catalog K1, frequencies): one-sided error, measured against exact counts. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { countMinScenarios } from './scenarios';

export { CountMinSketch } from './count-min';
export { TopK } from './top-k';

export const countMinParams = z
  .object({ epsilon: z.number().gt(0).lt(1).default(0.001), delta: z.number().gt(0).lt(1).default(0.01) })
  .strict();

export const countMinSystem: SystemDefinition<z.infer<typeof countMinParams>> = {
  id: 'count-min',
  title: 'Count-min sketch',
  rows: ['K1'],
  summary:
    'Frequencies of a skewed stream in a fixed grid of counters: never an underestimate, overestimates bounded by ε·N ' +
    'with probability 1 − δ — and with a small heap, the top K heavy hitters.',
  params: countMinParams,
  scenarios: countMinScenarios,
};
