/** The MinHash claim of CLAIMS.md K1: error ≈ 1/√k, measured over many set pairs. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { estimateJaccard, exactJaccard, signature } from './minhash';
import { candidateProbability, lshCandidates } from './lsh';

export const lshSCurve: Scenario = {
  id: 'lsh-banding-s-curve',
  title: 'LSH banding turns similarity into a threshold',
  claim:
    'Banding MinHash signatures (b bands of r rows) makes a pair with Jaccard s a candidate with probability 1 − (1 − s^r)^b: an S-curve around (1/b)^(1/r).',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const bands = 20;
    const rows = 5;
    const pairsPerLevel = quick ? 60 : 300;
    const table: (number | string)[][] = [];
    let worst = 0;
    const rng = new Rng(seed);
    for (const target of [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9]) {
      // Pairs of sets with Jaccard exactly `target`: shared items over a union of 200.
      const shared = Math.round(200 * target);
      const signatures: Uint32Array[] = [];
      for (let p = 0; p < pairsPerLevel; p++) {
        const tag = `${target}:${p}:${rng.int(1e9)}`;
        const common = Array.from({ length: shared }, (_, i) => `${tag}:c${i}`);
        const onlyA = Array.from({ length: Math.floor((200 - shared) / 2) }, (_, i) => `${tag}:a${i}`);
        const onlyB = Array.from({ length: 200 - shared - onlyA.length }, (_, i) => `${tag}:b${i}`);
        signatures.push(
          signature([...common, ...onlyA], bands * rows),
          signature([...common, ...onlyB], bands * rows),
        );
      }
      const candidates = lshCandidates(signatures, bands, rows);
      let hits = 0;
      for (let p = 0; p < pairsPerLevel; p++) if (candidates.has(`${2 * p}:${2 * p + 1}`)) hits++;
      const measured = hits / pairsPerLevel;
      const predicted = candidateProbability(target, bands, rows);
      worst = Math.max(worst, Math.abs(measured - predicted));
      table.push([target, Number(measured.toFixed(3)), Number(predicted.toFixed(3))]);
    }
    const threshold = (1 / bands) ** (1 / rows);
    return {
      observed: worst < 0.12 ? 'holds' : 'fails',
      summary: `With ${bands} bands of ${rows} rows the measured candidate rate follows 1 − (1 − s^r)^b within ${(worst * 100).toFixed(1)} points at every similarity; the threshold is near s = ${threshold.toFixed(2)}.`,
      measurements: { worstGap: worst, threshold },
      tables: [
        {
          title: `Candidate pairs by Jaccard similarity (b = ${bands}, r = ${rows}, ${pairsPerLevel} pairs each)`,
          columns: ['Jaccard s', 'measured candidate rate', '1 − (1 − s^r)^b'],
          rows: table,
        },
      ],
    };
  },
};

type Signer = (items: Iterable<string>, k: number) => Uint32Array;

/** How many standard errors of its own sampling the measured error may sit from the theory. */
const Z = 3;

/**
 * The experiment behind `minhash-error-one-over-root-k`, with the signature function as a parameter
 * so a test can hand it a broken one. For each k it draws `pairs` pairs of 500-item sets sharing a
 * uniformly random number of items (Jaccard J from 0 to 1), and measures the mean squared error of the
 * estimate. The theory is the formula in minhash.ts: each of the k positions agrees with probability J,
 * so the estimate is Binomial(k, J)/k, with E[e²] = J(1 − J)/k and
 * Var[e²] = J(1 − J)·(1 + (2k − 6)·J(1 − J))/k³ (the binomial's fourth central moment). Summed over the
 * pairs actually drawn, that gives the expected MSE and the standard error of the measured one; the
 * verdict is that the measurement sits within Z of those standard errors at every k.
 */
export function minhashErrorExperiment(seed: number, pairs: number, sign: Signer = signature) {
  const rng = new Rng(seed);
  const rows: (string | number)[][] = [];
  let worstZ = 0;
  let theoreticalRatio = 0;
  const measuredRatios: number[] = [];
  for (const k of [16, 64, 256]) {
    let squared = 0;
    let expected = 0;
    let variance = 0;
    for (let p = 0; p < pairs; p++) {
      const shared = rng.int(501);
      const a = new Set<string>();
      const b = new Set<string>();
      for (let i = 0; i < shared; i++) {
        a.add(`s${seed}:${k}:${p}:${i}`);
        b.add(`s${seed}:${k}:${p}:${i}`);
      }
      for (let i = shared; i < 500; i++) {
        a.add(`a${seed}:${k}:${p}:${i}`);
        b.add(`b${seed}:${k}:${p}:${i}`);
      }
      const jaccard = exactJaccard(a, b);
      const error = estimateJaccard(sign(a, k), sign(b, k)) - jaccard;
      squared += error * error;
      const jq = jaccard * (1 - jaccard);
      expected += jq / k;
      variance += (jq * (1 + (2 * k - 6) * jq)) / k ** 3;
    }
    const mse = squared / pairs;
    const expectedMse = expected / pairs;
    const standardError = Math.sqrt(variance) / pairs;
    const z = (mse - expectedMse) / standardError;
    worstZ = Math.max(worstZ, Math.abs(z));
    const rms = Math.sqrt(mse);
    const theory = Math.sqrt(expectedMse);
    // RMS = √MSE: the accepted MSE band expectedMse ± Z·SE, as an RMS band.
    const low = Math.sqrt(Math.max(0, expectedMse - Z * standardError));
    const high = Math.sqrt(expectedMse + Z * standardError);
    theoreticalRatio = Math.max(theoreticalRatio, theory * Math.sqrt(k));
    measuredRatios.push(rms * Math.sqrt(k));
    rows.push([
      k,
      Number(rms.toFixed(4)),
      Number(theory.toFixed(4)),
      `${low.toFixed(4)}–${high.toFixed(4)}`,
      Number((1 / Math.sqrt(k)).toFixed(4)),
      Number((rms * Math.sqrt(k)).toFixed(3)),
      Number(z.toFixed(2)),
    ]);
  }
  return {
    verdict: worstZ <= Z ? ('holds' as const) : ('fails' as const),
    worstZ,
    theoreticalRatio,
    measuredRatios,
    rows,
  };
}

export const minhashError: Scenario = {
  id: 'minhash-error-one-over-root-k',
  title: 'MinHash estimates Jaccard similarity with error ≈ 1/√k',
  claim: 'MinHash estimates Jaccard similarity with error ≈ 1/√k.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const pairs = quick ? 100 : 500;
    const run = minhashErrorExperiment(seed, pairs);
    const ratios = run.measuredRatios.map((r) => r.toFixed(2)).join(', ');
    return {
      observed: run.verdict,
      summary:
        `The error falls as 1/√k with the constant the binomial formula gives: RMS·√k measured ${ratios} for k = 16, 64, 256, against √E[J(1−J)] = ${run.theoreticalRatio.toFixed(2)} for the pairs drawn (at most 1/2, at J = 1/2). ` +
        `Every k within ${run.worstZ.toFixed(1)} standard errors of the sampling of ${pairs} pairs (tolerance ${Z}).`,
      measurements: {
        theoreticalRatioToOneOverRootK: run.theoreticalRatio,
        worstMeasuredRatioToOneOverRootK: Math.max(...run.measuredRatios),
        worstAbsoluteZ: run.worstZ,
      },
      tables: [
        {
          title: `Error of the Jaccard estimate over ${pairs} set pairs per k (J spread over 0–1)`,
          columns: [
            'k',
            'RMS error',
            'theory √(E[J(1−J)]/k)',
            `accepted (±${Z} standard errors)`,
            '1/√k',
            'RMS·√k',
            'z',
          ],
          rows: run.rows,
        },
      ],
    };
  },
};
