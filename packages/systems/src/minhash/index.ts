/** MinHash (catalog K1, similarity): Jaccard estimates from k minimums. */
import { z } from 'zod';
import type { SystemDefinition } from '../contract';
import { lshSCurve, minhashError } from './scenarios';

export { signature, estimateJaccard, exactJaccard } from './minhash';
export { lshCandidates, candidateProbability } from './lsh';

export const minhashParams = z.object({ k: z.number().int().min(1).max(4096).default(128) }).strict();

export const minhashSystem: SystemDefinition<z.infer<typeof minhashParams>> = {
  id: 'minhash',
  title: 'MinHash',
  rows: ['K1'],
  summary:
    'Jaccard similarity of two sets from k-value signatures, how its error shrinks with k, and LSH banding that turns ' +
    'similarity into a candidate threshold.',
  params: minhashParams,
  scenarios: [minhashError, lshSCurve],
};
