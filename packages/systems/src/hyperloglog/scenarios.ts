/** The HyperLogLog claims of CLAIMS.md K1, measured on streamed distinct items. */
import type { Scenario, ScenarioResult } from '../contract';
import { HyperLogLog } from './hyperloglog';
import { SparseHyperLogLog } from './sparse';

function relativeErrors(p: number, cardinality: number, trials: number, seed: number): number[] {
  const errors: number[] = [];
  for (let t = 0; t < trials; t++) {
    const sketch = new HyperLogLog(p);
    for (let i = 0; i < cardinality; i++) sketch.add(`item:${seed}:${t}:${i}`);
    errors.push(sketch.estimate() / cardinality - 1);
  }
  return errors;
}

const rms = (xs: readonly number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);

export const sparseSmallSets: Scenario = {
  id: 'hll-sparse-small-sets',
  title: 'The sparse form makes small sets nearly exact and small',
  claim:
    "HyperLogLog++'s sparse form (precision 25 pairs until they outgrow the registers) estimates small sets almost exactly, in a fraction of the 12 KB.",
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const trials = quick ? 30 : 200;
    const rows: (string | number)[][] = [];
    let worstSparse = 0;
    for (const n of [10, 100, 1_000, 3_000, 10_000]) {
      let sparseSq = 0;
      let denseSq = 0;
      let bytes = 0;
      let sparseAtEnd = 0;
      for (let t = 0; t < trials; t++) {
        const sparse = new SparseHyperLogLog(14);
        const dense = new HyperLogLog(14);
        for (let i = 0; i < n; i++) {
          const item = `s${seed}:t${t}:i${i}`;
          sparse.add(item);
          dense.add(item);
        }
        sparseSq += ((sparse.estimate() - n) / n) ** 2;
        denseSq += ((dense.estimate() - n) / n) ** 2;
        bytes += sparse.bytes;
        if (sparse.isSparse) sparseAtEnd++;
      }
      const sparseRms = Math.sqrt(sparseSq / trials);
      if (sparseAtEnd === trials) worstSparse = Math.max(worstSparse, sparseRms);
      rows.push([
        n,
        Number((sparseRms * 100).toFixed(3)),
        Number((Math.sqrt(denseSq / trials) * 100).toFixed(3)),
        Math.round(bytes / trials),
        sparseAtEnd === trials ? 'sparse' : sparseAtEnd === 0 ? 'dense' : 'mixed',
      ]);
    }
    return {
      observed: worstSparse < 0.002 ? 'holds' : 'fails',
      summary: `While sparse (up to ${new SparseHyperLogLog(14).limit.toLocaleString('en-US')} pairs at p = 14), the RMS error stayed at or below ${(worstSparse * 100).toFixed(3)}% against 0.81% for the dense registers; beyond that it converts and matches the dense sketch exactly.`,
      measurements: { worstSparseRmsError: worstSparse },
      tables: [
        {
          title: `RMS relative error over ${trials} sets per size (p = 14)`,
          columns: [
            'distinct items',
            'sparse form (%)',
            'dense registers (%)',
            'bytes used',
            'form at the end',
          ],
          rows,
        },
      ],
    };
  },
};

export const hllErrorAndMerge: Scenario = {
  id: 'hll-12kb-0.81-percent',
  title: 'HyperLogLog: ~12 KB and ~0.81 % standard error at any cardinality; merge is the union',
  claim:
    'HyperLogLog: ~12 KB and ~0.81 % standard error at p = 14, at any cardinality; merging gives the union.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const rows: (string | number)[][] = [];
    let worst = 0;
    const plan: [number, number][] = quick
      ? [
          [100, 10],
          [10_000, 10],
          [100_000, 5],
        ]
      : [
          [10, 40],
          [1_000, 40],
          [10_000, 30],
          [100_000, 20],
          [1_000_000, 8],
          [10_000_000, 2],
          // 10⁸ items streamed through one sketch (never stored): about half a minute.
          [100_000_000, 1],
        ];
    for (const [cardinality, trials] of plan) {
      const errors = relativeErrors(14, cardinality, trials, seed);
      const error = rms(errors);
      worst = Math.max(worst, error);
      rows.push([cardinality, trials, Number((error * 100).toFixed(3))]);
    }
    const a = new HyperLogLog(14);
    const b = new HyperLogLog(14);
    const union = new HyperLogLog(14);
    for (let i = 0; i < 50_000; i++) {
      const item = `u:${seed}:${i}`;
      (i % 3 === 0 ? a : b).add(item);
      if (i % 5 === 0) a.add(item); // overlap
      union.add(item);
    }
    const merged = a.merge(b);
    const identical = merged.registers.every((r, i) => r === union.registers[i]);
    // The memory half of the claim, measured: the bytes the registers of a sketch that has counted
    // millions of items actually occupy. "~12 KB" is Redis's figure for its dense form (16,384 6-bit
    // registers in 12,288 bytes plus a 16-byte header): the registers alone must fit in 12 KiB.
    const registerBytes = union.bytes;
    const twelveKilobytes = 12 * 1024;
    // The error half: the claim says ~0.81 % at any cardinality. The RMS of t trials is σ·√(χ²_t / t)
    // for a correct sketch; the rows with a single trial (the largest sizes of the full run) are the
    // loosest: one estimate beyond 3σ happens in 0.27 % of runs, so 3σ is the tolerance.
    const sigma = union.standardError;
    const errorBound = 3 * sigma;
    const holds = worst < errorBound && identical && registerBytes <= twelveKilobytes;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `At p = 14 the registers of the sketch took ${registerBytes.toLocaleString('en-US')} bytes (16,384 registers of 6 bits, measured as the bytes of the packed array; one byte per register would be 16,384) with standard error ${(sigma * 100).toFixed(2)}%; the RMS relative error stayed ≤ ${(worst * 100).toFixed(2)}% (tolerance 3σ = ${(errorBound * 100).toFixed(2)}%) from ${plan[0]![0].toLocaleString('en-US')} to ${plan[plan.length - 1]![0].toLocaleString('en-US')} distinct items; merging two sketches gave register-for-register the sketch of the union: ${identical}.`,
      measurements: {
        worstRmsError: worst,
        errorTolerance: errorBound,
        packedBytes: registerBytes,
        registerBytesMeasured: registerBytes,
        mergeEqualsUnion: identical ? 1 : 0,
      },
      tables: [
        { title: 'RMS relative error at p = 14', columns: ['distinct items', 'trials', 'error %'], rows },
      ],
    };
  },
};

export const hllUnderOnePercent: Scenario = {
  id: 'hll-under-one-percent',
  title: '“Under 1 % error” is one standard deviation, not a bound',
  claim: 'HyperLogLog has < 1 % error.',
  expected: 'partly',
  corrected:
    '0.81 % is one standard deviation at p = 14: about 5 % of estimates are off by more than 1.6 % (two standard errors).',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    // The 1.04/√m figure is asymptotic (n ≫ m). The quick run uses p = 10 (σ = 3.25 %) so that
    // n ≫ m is affordable; the full run uses p = 14 (σ = 0.81 %) with a million items per sketch.
    const p = quick ? 10 : 14;
    const trials = quick ? 100 : 100;
    const n = quick ? 50_000 : 1_000_000;
    const sigma = 1.04 / Math.sqrt(2 ** p);
    const errors = relativeErrors(p, n, trials, seed);
    const overOneSigma = errors.filter((e) => Math.abs(e) > sigma).length / trials;
    const overTwoSigma = errors.filter((e) => Math.abs(e) > 2 * sigma).length / trials;
    return {
      // Most estimates are within the quoted error, a large minority are not: it is a spread, not a bound.
      observed: overOneSigma === 0 ? 'holds' : overOneSigma > 0.15 && overOneSigma < 0.5 ? 'partly' : 'fails',
      summary: `At p = ${p} (standard error ${(sigma * 100).toFixed(2)}%), ${trials} sketches of ${n.toLocaleString('en-US')} items: ${(overOneSigma * 100).toFixed(0)}% of estimates were off by more than one standard error (~32% expected) and ${(overTwoSigma * 100).toFixed(0)}% by more than two (~5% expected).`,
      measurements: {
        precision: p,
        standardError: sigma,
        fractionOverOneSigma: overOneSigma,
        fractionOverTwoSigma: overTwoSigma,
        rmsError: rms(errors),
      },
    };
  },
};

export const hyperloglogScenarios: readonly Scenario[] = [
  hllErrorAndMerge,
  hllUnderOnePercent,
  sparseSmallSets,
];
