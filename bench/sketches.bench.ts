// Our sketches side by side with the `bloom-filters` npm library in one process: the same keys, the
// same error targets (so about the same memory), operations per second and the accuracy each reaches.
import { createRequire } from 'node:module';
import { BloomFilter, CountMinSketch, CuckooFilter, HyperLogLog } from '@dslab/systems';
import type { Benchmark } from './benchmark';

// bloom-filters is CommonJS; its ESM interop exposes no named exports, so load it the CommonJS way.
interface TheirLib {
  BloomFilter: {
    create(items: number, errorRate: number): { add(k: string): void; has(k: string): boolean; size: number };
  };
  CountMinSketch: {
    create(
      errorRate: number,
      accuracy: number,
    ): { update(k: string, n: number): void; count(k: string): number; columns: number; rows: number };
  };
  HyperLogLog: new (registers: number) => { update(k: string): void; count(): number };
  CuckooFilter: new (
    size: number,
    fLength: number,
    bucketSize: number,
  ) => { add(k: string): boolean; has(k: string): boolean };
}
const {
  BloomFilter: TheirBloom,
  CountMinSketch: TheirCms,
  HyperLogLog: TheirHll,
  CuckooFilter: TheirCuckoo,
} = createRequire(import.meta.url)('bloom-filters') as TheirLib;

const N = Number(process.env.BENCH_ITEMS ?? 500_000);
const keys = Array.from({ length: N }, (_, i) => `https://example.org/item/${i}`);
const strangers = Array.from({ length: N }, (_, i) => `https://example.org/other/${i}`);

function opsPerSecond(count: number, run: () => void): number {
  const started = performance.now();
  run();
  return count / ((performance.now() - started) / 1000);
}

function side<T>(ours: T, theirs: T, higherIsBetter = true) {
  const o = ours as unknown as number;
  const t = theirs as unknown as number;
  return { ours, theirs, ratio: Number((higherIsBetter ? o / t : t / o).toFixed(3)) };
}

const bench: Benchmark = {
  name: 'sketches',
  async run() {
    // Bloom filter at 1 %.
    const ob = BloomFilter.forCapacity(N, 0.01);
    const tb = TheirBloom.create(N, 0.01);
    const bloomAdd = side(
      opsPerSecond(N, () => keys.forEach((k) => ob.add(k))),
      opsPerSecond(N, () => keys.forEach((k) => tb.add(k))),
    );
    let ofp = 0;
    let tfp = 0;
    const bloomTest = side(
      opsPerSecond(N, () => strangers.forEach((k) => (ofp += ob.mightContain(k) ? 1 : 0))),
      opsPerSecond(N, () => strangers.forEach((k) => (tfp += tb.has(k) ? 1 : 0))),
    );
    // Count-min at ε = 0.001, δ = 0.01 on a skewed stream.
    // About N/3 distinct keys, a skewed head: collisions in the sketch are what makes it overestimate.
    const stream = Array.from({ length: N }, (_, i) =>
      i % 2 === 0 ? `hot${i % 100}` : `k${(i * 7919) % Math.floor(N / 3)}`,
    );
    const truth = new Map<string, number>();
    for (const k of stream) truth.set(k, (truth.get(k) ?? 0) + 1);
    const oc = CountMinSketch.forError(0.001, 0.01);
    const tc = TheirCms.create(0.001, 0.01);
    const cmsUpdate = side(
      opsPerSecond(N, () => stream.forEach((k) => oc.add(k))),
      opsPerSecond(N, () => stream.forEach((k) => tc.update(k, 1))),
    );
    let oerr = 0;
    let terr = 0;
    const distinct = [...truth.keys()];
    const cmsQuery = side(
      opsPerSecond(distinct.length, () =>
        distinct.forEach((k) => (oerr += oc.estimate(k) - (truth.get(k) ?? 0))),
      ),
      opsPerSecond(distinct.length, () =>
        distinct.forEach((k) => (terr += tc.count(k) - (truth.get(k) ?? 0))),
      ),
    );
    // HyperLogLog with 2^14 registers.
    const oh = new HyperLogLog(14);
    const th = new TheirHll(2 ** 14);
    const hllAdd = side(
      opsPerSecond(N, () => keys.forEach((k) => oh.add(k))),
      opsPerSecond(N, () => keys.forEach((k) => th.update(k))),
    );
    const oursHllError = Math.abs(oh.estimate() - N) / N;
    const theirsHllError = Math.abs(th.count() - N) / N;
    // Cuckoo filters, 4 slots per bucket, 12-bit fingerprints (the library counts them in hex digits: 3).
    const buckets = 2 ** Math.ceil(Math.log2(N / 4 / 0.95));
    const ok = new CuckooFilter(buckets, 4, 12);
    const tk = new TheirCuckoo(buckets, 3, 4);
    const cuckooAdd = side(
      opsPerSecond(N, () => keys.forEach((k) => ok.add(k))),
      opsPerSecond(N, () => keys.forEach((k) => tk.add(k))),
    );
    let ocf = 0;
    let tcf = 0;
    const cuckooTest = side(
      opsPerSecond(N, () => strangers.forEach((k) => (ocf += ok.mightContain(k) ? 1 : 0))),
      opsPerSecond(N, () => strangers.forEach((k) => (tcf += tk.has(k) ? 1 : 0))),
    );
    return {
      items: N,
      note: 'ratio = ours / theirs for speed (higher is better for us); accuracy figures side by side',
      bloom: {
        addPerSecond: bloomAdd,
        testPerSecond: bloomTest,
        falsePositiveRate: { ours: ofp / N, theirs: tfp / N },
        bits: { ours: ob.m, theirs: tb.size },
      },
      countMin: {
        updatePerSecond: cmsUpdate,
        queryPerSecond: cmsQuery,
        meanOverestimate: { ours: oerr / distinct.length, theirs: terr / distinct.length },
        counters: { ours: oc.width * oc.depth, theirs: tc.columns * tc.rows },
      },
      hyperLogLog: {
        addPerSecond: hllAdd,
        relativeError: { ours: oursHllError, theirs: theirsHllError },
      },
      cuckoo: {
        addPerSecond: cuckooAdd,
        testPerSecond: cuckooTest,
        falsePositiveRate: { ours: ocf / N, theirs: tcf / N },
        loadFactor: { ours: ok.loadFactor },
      },
    };
  },
};

export default bench;
