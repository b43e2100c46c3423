/** The MinHash claim of CLAIMS.md K1: error ≈ 1/√k, measured over many set pairs. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { estimateJaccard, exactJaccard, signature } from './minhash';

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
