// Large histories in tests: correctness at size (no recursion, no spread over big arrays), not speed,
// which bench/txn-check.bench.ts measures.
import { describe, expect, it } from 'vitest';
import { txnHistory, type TxnSpec } from './build';
import { checkTransactions } from './check';
import { simulateStore } from './simulated-store';

describe('at scale', () => {
  it('checks 100,000 list-append transactions of a snapshot-isolation store', () => {
    const history = simulateStore({
      store: 'snapshot-isolation',
      model: 'list-append',
      seed: 5,
      transactions: 100_000,
      processes: 10,
      keys: 10,
    });
    const si = checkTransactions(history, { model: 'list-append', consistency: 'snapshot-isolation' });
    expect(si.valid).toBe(true);
    expect(si.stats.searchExhausted).toBe(false);
    const serializable = checkTransactions(history, {
      model: 'list-append',
      consistency: 'strict-serializable',
    });
    expect(serializable.valid).toBe(false);
    expect(serializable.counts['G2-item']).toBeGreaterThan(100);
  });

  it('follows a 50,000-transaction dependency chain, and finds a 50,000-transaction cycle', () => {
    const n = 50_000;
    // A chain: transaction i appends to key i and reads key i - 1 after transaction i - 1 appended to it.
    const chain: TxnSpec[] = [];
    for (let i = 0; i < n; i++)
      chain.push({
        ops: [
          ['append', i, 1],
          ['r', i - 1, i === 0 ? [] : [1]],
        ],
      });
    const straight = checkTransactions(txnHistory(chain), {
      model: 'list-append',
      consistency: 'serializable',
    });
    expect(straight.valid).toBe(true);
    expect(straight.stats.edges.wr).toBe(n - 1);
    // Closed into a ring: the first reads what the last appended.
    const ring: TxnSpec[] = [];
    for (let i = 0; i < n; i++)
      ring.push({
        ops: [
          ['append', i, 1],
          ['r', (i + n - 1) % n, [1]],
        ],
      });
    const result = checkTransactions(txnHistory(ring), {
      model: 'list-append',
      consistency: 'read-committed',
    });
    expect(result.counts).toEqual({ G1c: 1 });
    expect(result.anomalies[0]!.cycle).toHaveLength(n);
    expect(result.anomalies[0]!.why).toMatch(/… \(50000 edges in all\)/);
  });
});
