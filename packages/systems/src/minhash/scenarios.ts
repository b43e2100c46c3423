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

export const minhashError: Scenario = {
  id: 'minhash-error-one-over-root-k',
  title: 'MinHash estimates Jaccard similarity with error ≈ 1/√k',
  claim: 'MinHash estimates Jaccard similarity with error ≈ 1/√k.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed);
    const pairs = quick ? 40 : 200;
    const rows: (string | number)[][] = [];
    let worstRatio = 0;
    for (const k of [16, 64, 256]) {
      let squared = 0;
      for (let p = 0; p < pairs; p++) {
        // Two sets of 500 items sharing a random fraction: Jaccard anywhere from ~0 to 1.
        const shared = rng.int(501);
        const a = new Set<string>();
        const b = new Set<string>();
        for (let i = 0; i < shared; i++) {
          a.add(`s${seed}:${p}:${i}`);
          b.add(`s${seed}:${p}:${i}`);
        }
        for (let i = shared; i < 500; i++) {
          a.add(`a${seed}:${p}:${i}`);
          b.add(`b${seed}:${p}:${i}`);
        }
        const error = estimateJaccard(signature(a, k), signature(b, k)) - exactJaccard(a, b);
        squared += error * error;
      }
      const rmsError = Math.sqrt(squared / pairs);
      const bound = 1 / Math.sqrt(k);
      worstRatio = Math.max(worstRatio, rmsError / bound);
      rows.push([k, Number(rmsError.toFixed(4)), Number(bound.toFixed(4))]);
    }
    return {
      observed: worstRatio <= 1 && worstRatio > 0.2 ? 'holds' : 'fails',
      summary: `RMS error of the Jaccard estimate stayed at ${(worstRatio * 100).toFixed(0)}% of 1/√k or less for k = 16, 64, 256 (the exact error is √(J(1−J)/k) ≤ 1/(2√k)).`,
      measurements: { worstRatioToOneOverRootK: worstRatio },
      tables: [{ title: `RMS error over ${pairs} set pairs`, columns: ['k', 'RMS error', '1/√k'], rows }],
    };
  },
};
