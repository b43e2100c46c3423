// Transactional anomaly checking speed (issue #15: ≥ 100,000 list-append transactions per second on
// this 2-core machine, growing linearly from 10,000 to 1,000,000). Histories come from the simulated
// stores, shaped like Elle's list-append workload: 10 clients, 10 keys in use, a key retired after
// 32 appends, 1–4 micro-ops per transaction, half of them reads. Generating a history is not timed;
// checking it is, as wall time and as this process's CPU time (the machine is shared, and wall time
// counts what other processes take).
import {
  checkTransactions,
  readTxnHistory,
  simulateStore,
  toEdnHistory,
  toJsonHistory,
  type ConsistencyModel,
  type StoreKind,
  type TxnHistory,
} from '@dslab/check';
import type { Benchmark } from './benchmark';

const SIZES = [10_000, 100_000, 1_000_000];
const RUNS = 3;

function history(store: StoreKind, transactions: number): TxnHistory {
  return simulateStore({ store, model: 'list-append', seed: 1, transactions, processes: 10, keys: 10 });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median wall and CPU milliseconds of checking one history, with what the check found. */
function measure(txns: TxnHistory, consistency: ConsistencyModel) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let result = checkTransactions(txns, { model: 'list-append', consistency });
  for (let run = 0; run < RUNS; run++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    result = checkTransactions(txns, { model: 'list-append', consistency });
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  const wallMs = median(wall);
  const cpuMs = median(cpu);
  return {
    transactions: txns.length,
    wallMs: Number(wallMs.toFixed(1)),
    txnPerSecond: Math.round((txns.length / wallMs) * 1000),
    cpuMs: Number(cpuMs.toFixed(1)),
    txnPerCpuSecond: Math.round((txns.length / cpuMs) * 1000),
    heapMegabytes: Math.round(process.memoryUsage().heapUsed / 1e6),
    valid: result.valid,
    counts: result.counts,
    edges: result.stats.edges,
    largestComponent: result.stats.largestComponent,
    searchExhausted: result.stats.searchExhausted,
  };
}

const benchmark: Benchmark = {
  name: 'txn-check',
  async run() {
    measure(history('snapshot-isolation', 10_000), 'serializable'); // warm-up
    const cases: { name: string; store: StoreKind; consistency: ConsistencyModel }[] = [
      {
        name: 'serializable store, checked serializable',
        store: 'serializable',
        consistency: 'serializable',
      },
      {
        name: 'serializable store, checked strict-serializable (real-time edges)',
        store: 'serializable',
        consistency: 'strict-serializable',
      },
      {
        name: 'snapshot-isolation store, checked serializable (write skew found)',
        store: 'snapshot-isolation',
        consistency: 'serializable',
      },
      {
        name: 'snapshot-isolation store, checked snapshot-isolation (G-single searched)',
        store: 'snapshot-isolation',
        consistency: 'snapshot-isolation',
      },
    ];
    const results: Record<string, unknown>[] = [];
    for (const size of SIZES) {
      // One history in memory at a time: a million transactions is half a gigabyte of objects, and a
      // second one would make every garbage collection during the checks twice as slow.
      for (const store of [...new Set(cases.map((c) => c.store))]) {
        const txns = history(store, size);
        for (const c of cases.filter((c) => c.store === store)) {
          const figures = measure(txns, c.consistency);
          results.push({ case: c.name, ...figures });
          console.log(
            `${c.name}, ${size}: ${figures.txnPerSecond} txn/s (${figures.txnPerCpuSecond} per CPU second)`,
          );
        }
      }
    }
    results.sort(
      (a, b) => cases.findIndex((c) => c.name === a.case) - cases.findIndex((c) => c.name === b.case),
    );
    const main = results.filter((r) => r.case === cases[0]?.name);
    const first = main[0] as { txnPerCpuSecond: number };
    const last = main[main.length - 1] as { txnPerCpuSecond: number };

    // Reading, for scale: the EDN and JSON text of a 100,000-transaction history.
    const txns = history('snapshot-isolation', 100_000);
    const reading: Record<string, unknown> = {};
    for (const [format, text] of [
      ['edn', toEdnHistory(txns)],
      ['json', toJsonHistory(txns)],
    ] as const) {
      const started = performance.now();
      const read = readTxnHistory(text, format);
      const ms = performance.now() - started;
      reading[format] = {
        transactions: read.length,
        megabytes: Number((text.length / 1e6).toFixed(1)),
        ms: Number(ms.toFixed(0)),
        txnPerSecond: Math.round((read.length / ms) * 1000),
      };
    }
    return {
      targetTxnPerSecond: 100_000,
      linearity: {
        note: 'CPU throughput of the serializable case at 1,000,000 transactions over that at 10,000 (1 = linear)',
        ratio: Number((last.txnPerCpuSecond / first.txnPerCpuSecond).toFixed(2)),
      },
      checks: results,
      reading,
      elleReference:
        "Elle's README reports 100–160 k txn/s for list-append on larger machines (figure given in issue #15)",
    };
  },
};
export default benchmark;
