// Soundness: a history produced by executing random transactions one at a time (each at one instant
// between its invocation and completion) satisfies every model, so nothing may be flagged, whatever
// the interleaving of invocations, the keys, aborts and lost outcomes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkTransactions } from './check';
import { simulateStore } from './simulated-store';
import { CONSISTENCY_MODELS } from './types';

describe('serial executions are never flagged', () => {
  it('under any model, with process and real-time order, for both workloads', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 }),
          model: fc.constantFrom('list-append' as const, 'rw-register' as const),
          transactions: fc.integer({ min: 1, max: 80 }),
          processes: fc.integer({ min: 1, max: 6 }),
          keys: fc.integer({ min: 1, max: 4 }),
          maxOps: fc.integer({ min: 1, max: 6 }),
          maxWritesPerKey: fc.integer({ min: 1, max: 8 }),
          readFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          abortRate: fc.constantFrom(0, 0.2),
          infoRate: fc.constantFrom(0, 0.1),
        }),
        (options) => {
          const history = simulateStore({ store: 'serializable', ...options });
          for (const consistency of CONSISTENCY_MODELS) {
            const result = checkTransactions(history, {
              model: options.model,
              consistency,
              processOrder: true,
              realtime: true,
            });
            expect(result.counts).toEqual({});
            expect(result.valid).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
