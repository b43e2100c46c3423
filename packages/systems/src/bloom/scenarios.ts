/** The Bloom-filter claims of CLAIMS.md K1, measured on generated keys. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { BloomFilter, bitsPerItem } from './bloom-filter';
import { CuckooFilter } from './cuckoo';
import { CountingBloomFilter } from './counting-bloom';

const members = (n: number, seed: number) => Array.from({ length: n }, (_, i) => `member:${seed}:${i}`);
const strangers = (n: number, seed: number) => Array.from({ length: n }, (_, i) => `stranger:${seed}:${i}`);

function measuredFpr(filter: { mightContain(key: string): boolean }, probes: readonly string[]): number {
  let positives = 0;
  for (const key of probes) if (filter.mightContain(key)) positives++;
  return positives / probes.length;
}

export const fprMatchesFormula: Scenario = {
  id: 'false-positive-rate-formula',
  title: 'The false-positive rate follows (1 − e^(−kn/m))^k, with no false negatives',
  claim:
    'Bloom false-positive rate ≈ (1 − e^(−kn/m))^k; optimal k = (m/n)·ln 2; ~9.6 bits per item for 1 %; never a false negative.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const n = quick ? 20_000 : 100_000;
    const probes = strangers(quick ? 50_000 : 200_000, seed);
    const keys = members(n, seed);
    const rows: (string | number)[][] = [];
    let worstRatio = 0;
    let falseNegatives = 0;
    let fprAt96 = 0;
    for (const bitsPer of [4, 6, 8, 9.6, 12, 16]) {
      const m = Math.round(bitsPer * n);
      const k = Math.max(1, Math.round(bitsPer * Math.LN2));
      const filter = new BloomFilter(m, k);
      for (const key of keys) filter.add(key);
      for (const key of keys) if (!filter.mightContain(key)) falseNegatives++;
      const measured = measuredFpr(filter, probes);
      const predicted = filter.predictedFalsePositiveRate();
      if (bitsPer === 9.6) fprAt96 = measured;
      worstRatio = Math.max(worstRatio, Math.abs(measured / predicted - 1));
      rows.push([bitsPer, k, Number(measured.toFixed(5)), Number(predicted.toFixed(5))]);
    }
    const holds = falseNegatives === 0 && worstRatio < 0.25 && fprAt96 < 0.0125;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `Measured false-positive rates stayed within ${(worstRatio * 100).toFixed(0)}% of the formula from 4 to 16 bits per item; 9.6 bits/item gave ${(fprAt96 * 100).toFixed(2)}%; ${falseNegatives} false negatives.`,
      measurements: {
        worstRelativeError: worstRatio,
        fprAt9_6BitsPerItem: fprAt96,
        falseNegatives,
        bitsPerItemFor1Percent: bitsPerItem(0.01),
      },
      tables: [
        {
          title: `False positives over ${probes.length.toLocaleString('en-US')} absent keys (n = ${n.toLocaleString('en-US')})`,
          columns: ['bits per item', 'k', 'measured', 'formula'],
          rows,
        },
      ],
    };
  },
};

export const tenfoldMemoryMyth: Scenario = {
  id: 'ten-times-lower-fpr-costs-2x',
  title: 'A 10× lower false-positive rate costs about 2× the bits, not 10×',
  claim: "Cassandra's fp 0.01 uses ~10× the memory of 0.1.",
  expected: 'fails',
  corrected:
    'Bits per key grow with log(1/p): ≈ 4.8 bits at 10 %, ≈ 9.6 at 1 % — about 2× for a 10× lower rate.',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const n = quick ? 20_000 : 100_000;
    const probes = strangers(quick ? 50_000 : 200_000, seed);
    const sized = [0.1, 0.01, 0.001].map((p) => {
      const filter = BloomFilter.forCapacity(n, p);
      for (const key of members(n, seed)) filter.add(key);
      return { p, bitsPerKey: filter.m / n, measured: measuredFpr(filter, probes) };
    });
    const ratio = (sized[1]!.bitsPerKey as number) / (sized[0]!.bitsPerKey as number);
    return {
      observed: ratio > 5 ? 'holds' : 'fails',
      summary: `Sized for 10% a filter needs ${sized[0]!.bitsPerKey.toFixed(2)} bits/key, for 1% ${sized[1]!.bitsPerKey.toFixed(2)}: ${ratio.toFixed(2)}× the memory (measured rates ${(sized[0]!.measured * 100).toFixed(1)}% and ${(sized[1]!.measured * 100).toFixed(2)}%).`,
      measurements: {
        memoryRatio: ratio,
        bitsPerKeyAt10Percent: sized[0]!.bitsPerKey,
        bitsPerKeyAt1Percent: sized[1]!.bitsPerKey,
      },
      tables: [
        {
          title: 'Memory per key by target rate',
          columns: ['target rate', 'bits per key', 'measured rate'],
          rows: sized.map((s) => [s.p, Number(s.bitsPerKey.toFixed(2)), Number(s.measured.toFixed(5))]),
        },
      ],
    };
  },
};

export const twoMillionUrls: Scenario = {
  id: 'two-million-urls-memory',
  title: 'Two million URLs at 1 % fit in about 2.4 MB',
  claim: 'A Bloom filter for 2 M URLs at < 1 % FPR needs ~300 MB.',
  expected: 'fails',
  corrected: '2,000,000 × 9.6 bits ≈ 2.4 MB; 300 MB is what storing the URLs themselves costs.',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const n = quick ? 200_000 : 2_000_000;
    const filter = BloomFilter.forCapacity(2_000_000, 0.01);
    // Quick runs fill a tenth of the keys into a tenth-size filter: same bits per key, same rate.
    const used = quick ? BloomFilter.forCapacity(n, 0.01) : filter;
    for (let i = 0; i < n; i++) used.add(`https://example.org/${seed}/page/${i}`);
    const fpr = measuredFpr(used, strangers(quick ? 50_000 : 200_000, seed));
    const megabytes = filter.bytes / 1e6;
    return {
      observed: megabytes < 3 && fpr < 0.0125 ? 'fails' : 'holds',
      summary: `Sized for 2,000,000 URLs at 1%: ${megabytes.toFixed(2)} MB (k = ${filter.k}); filled with ${n.toLocaleString('en-US')} URLs at that density the measured rate was ${(fpr * 100).toFixed(2)}%.`,
      measurements: { megabytes, measuredFpr: fpr, hashFunctions: filter.k },
    };
  },
};

export const countingDeletes: Scenario = {
  id: 'counting-filter-deletes',
  title: 'Deletes: counting filters at ~4× memory, cuckoo filters with two-bucket lookups',
  claim:
    'A counting Bloom filter supports deletes at ~4× memory; a cuckoo filter supports deletes with better locality; bad deletes in a counting filter can cause false negatives.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const n = quick ? 10_000 : 50_000;
    const m = n * 10;
    const plain = new BloomFilter(m, 7);
    const counting = new CountingBloomFilter(m, 7);
    const keys = members(n, seed);
    for (const key of keys) {
      plain.add(key);
      counting.add(key);
    }
    const half = keys.slice(0, n / 2);
    const kept = keys.slice(n / 2);
    for (const key of half) counting.remove(key);
    const goneAfterRemove = half.filter((key) => !counting.mightContain(key)).length / half.length;
    const keptIntact = kept.every((key) => counting.mightContain(key));
    // Delete keys that were never added: their counters belong to other keys.
    for (const key of strangers(n / 2, seed)) counting.remove(key);
    const falseNegatives = kept.filter((key) => !counting.mightContain(key)).length;
    const memoryRatio = counting.bytes / plain.bytes;
    // The cuckoo filter: the same keys at ~95% load, 12-bit fingerprints, 4 slots per bucket.
    // Buckets come in powers of two: the smallest count that holds every key at ≤ 95% load.
    const buckets = 2 ** Math.ceil(Math.log2(n / 4 / 0.95));
    const rng = new Rng(seed).fork('cuckoo');
    const cuckoo = new CuckooFilter(buckets, 4, 12, 500, () => rng.next());
    let placed = 0;
    for (const key of keys) if (cuckoo.add(key)) placed++;
    const cuckooFpr = measuredFpr(cuckoo, strangers(50_000, seed + 1));
    for (const key of half) cuckoo.remove(key);
    const cuckooKeptIntact = kept.every((key) => cuckoo.mightContain(key));
    const cuckooGone = half.filter((key) => !cuckoo.mightContain(key)).length / half.length;
    cuckoo.bucketsRead = 0;
    for (const key of strangers(10_000, seed + 2)) cuckoo.mightContain(key);
    const bucketsPerLookup = cuckoo.bucketsRead / 10_000;
    const cuckooBitsPerKey = (cuckoo.bytes * 8) / placed;
    return {
      observed:
        keptIntact &&
        goneAfterRemove > 0.9 &&
        falseNegatives > 0 &&
        Math.abs(memoryRatio - 4) < 0.2 &&
        cuckooKeptIntact &&
        cuckooGone > 0.95 &&
        bucketsPerLookup <= 2
          ? 'holds'
          : 'fails',
      summary:
        `4-bit counters cost ${memoryRatio.toFixed(1)}× the bits; removing half the keys cleared ${(goneAfterRemove * 100).toFixed(1)}% of them and kept every other key; then deleting ${(n / 2).toLocaleString('en-US')} keys never added made ${falseNegatives} present keys test absent. ` +
        `A cuckoo filter held the same keys at ${((placed / (buckets * 4)) * 100).toFixed(0)}% load in ${cuckooBitsPerKey.toFixed(1)} bits per key with a ${(cuckooFpr * 100).toFixed(2)}% false-positive rate (bound ${(cuckoo.predictedFalsePositiveRate() * 100).toFixed(2)}%), deleted half of them cleanly, and read ${bucketsPerLookup.toFixed(2)} buckets per lookup where the Bloom filter reads ${plain.k} scattered bits.`,
      measurements: {
        memoryRatio,
        removedFound: 1 - goneAfterRemove,
        falseNegativesAfterBadDeletes: falseNegatives,
        cuckooBitsPerKey,
        cuckooFpr,
        cuckooBucketsPerLookup: bucketsPerLookup,
        cuckooDeletedGone: cuckooGone,
      },
    };
  },
};

export const bloomScenarios: readonly Scenario[] = [
  fprMatchesFormula,
  tenfoldMemoryMyth,
  twoMillionUrls,
  countingDeletes,
];
