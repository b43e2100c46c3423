// Teeth: stores with a known isolation level or flaw. The checker must reject each under the models
// that forbid what it lets through, and accept it under the models that allow it (over several seeds:
// a false alarm on a correct snapshot-isolation store is as much a bug as a missed write skew).
import { describe, expect, it } from 'vitest';
import { checkTransactions } from './check';
import { simulateStore, type StoreKind } from './simulated-store';
import { CONSISTENCY_MODELS, type ConsistencyModel, type TxnModel } from './types';

const ALL = CONSISTENCY_MODELS;
const UP_TO_SI: ConsistencyModel[] = ['read-uncommitted', 'read-committed', 'snapshot-isolation'];
const UP_TO_RC: ConsistencyModel[] = ['read-uncommitted', 'read-committed'];

const expectations: {
  store: StoreKind;
  allowedBy: readonly ConsistencyModel[];
  shows: Record<TxnModel, string[]>;
}[] = [
  { store: 'serializable', allowedBy: ALL, shows: { 'list-append': [], 'rw-register': [] } },
  {
    store: 'stale-reads',
    allowedBy: ['read-uncommitted', 'read-committed', 'snapshot-isolation', 'serializable'],
    shows: { 'list-append': ['G-single-realtime'], 'rw-register': ['G-single-realtime'] },
  },
  {
    store: 'snapshot-isolation',
    allowedBy: UP_TO_SI,
    shows: { 'list-append': ['G2-item'], 'rw-register': ['G2-item'] },
  },
  {
    store: 'no-first-updater-wins',
    allowedBy: UP_TO_RC,
    shows: { 'list-append': ['G-single', 'lost-update'], 'rw-register': ['lost-update'] },
  },
  {
    store: 'read-committed',
    allowedBy: UP_TO_RC,
    shows: { 'list-append': ['G-single', 'lost-update'], 'rw-register': ['G-single', 'lost-update'] },
  },
  {
    store: 'dirty',
    allowedBy: [],
    shows: { 'list-append': ['G0', 'G1a', 'G1b', 'G1c'], 'rw-register': ['G1a', 'G1b', 'G1c'] },
  },
];

describe('simulated stores: caught where forbidden, accepted where allowed', () => {
  for (const { store, allowedBy, shows } of expectations) {
    for (const model of ['list-append', 'rw-register'] as const) {
      it(`${store} (${model})`, () => {
        for (let seed = 1; seed <= 4; seed++) {
          const history = simulateStore({ store, model, seed, transactions: 1500, keys: 2, infoRate: 0.02 });
          const verdicts = CONSISTENCY_MODELS.filter(
            (consistency) => checkTransactions(history, { model, consistency }).valid,
          );
          expect(verdicts, `seed ${seed}`).toEqual(allowedBy);
          const found = checkTransactions(history, { model, consistency: 'strict-serializable' }).counts;
          for (const type of shows[model]) expect(found, `seed ${seed}`).toHaveProperty(type);
        }
      });
    }
  }

  it('a snapshot-isolation store is judged snapshot isolation even with process and real-time order', () => {
    const history = simulateStore({
      store: 'snapshot-isolation',
      model: 'list-append',
      seed: 9,
      transactions: 2000,
    });
    const result = checkTransactions(history, {
      model: 'list-append',
      consistency: 'snapshot-isolation',
      processOrder: true,
      realtime: true,
    });
    expect(result.valid).toBe(true);
    expect(result.ruledOut).toEqual(['serializable', 'strict-serializable']);
  });
});
