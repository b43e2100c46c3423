/** The count-min claim of CLAIMS.md K1, measured on a Zipf-like stream. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { CountMinSketch } from './count-min';

export const countMinOverestimates: Scenario = {
  id: 'count-min-overestimates',
  title: 'Count-min never underestimates, and overestimates within ε·N with probability 1 − δ',
  claim: 'Count-min sketch never over- or under-estimates.',
  expected: 'fails',
  corrected:
    'It never underestimates; it overestimates by up to ε·N with probability 1 − δ (width ⌈e/ε⌉, depth ⌈ln 1/δ⌉).',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed);
    const epsilon = 0.001;
    const delta = 0.01;
    const sketch = CountMinSketch.forError(epsilon, delta);
    const truth = new Map<string, number>();
    const events = quick ? 200_000 : 2_000_000;
    const distinct = quick ? 50_000 : 200_000;
    for (let i = 0; i < events; i++) {
      // Half the events from a heavy head (rank ~ 1/u), half spread over a long tail of many more
      // items than the sketch has columns: the tail is what collides with everything.
      const rank = rng.chance(0.5)
        ? Math.min(distinct, Math.floor(1 / (rng.next() + 1 / distinct)))
        : rng.int(distinct);
      const item = `item-${rank}`;
      sketch.add(item);
      truth.set(item, (truth.get(item) ?? 0) + 1);
    }
    let under = 0;
    let over = 0;
    let beyondBound = 0;
    let maxOver = 0;
    for (const [item, count] of truth) {
      const estimate = sketch.estimate(item);
      if (estimate < count) under++;
      if (estimate > count) over++;
      if (estimate - count > epsilon * sketch.total) beyondBound++;
      maxOver = Math.max(maxOver, estimate - count);
    }
    const items = truth.size;
    return {
      observed:
        under === 0 && over === 0
          ? 'holds'
          : under === 0 && beyondBound / items <= delta
            ? 'fails'
            : 'partly',
      summary: `Over ${items.toLocaleString('en-US')} distinct items (${events.toLocaleString('en-US')} events, ${sketch.width}×${sketch.depth} counters): ${under} underestimates, ${((over / items) * 100).toFixed(1)}% overestimated, ${((beyondBound / items) * 100).toFixed(2)}% beyond ε·N = ${(epsilon * sketch.total).toFixed(0)} (δ = ${delta * 100}%); worst overestimate ${maxOver}.`,
      measurements: {
        underestimates: under,
        overestimatedFraction: over / items,
        beyondBoundFraction: beyondBound / items,
        worstOverestimate: maxOver,
        epsilonN: epsilon * sketch.total,
      },
    };
  },
};

export const countMinScenarios: readonly Scenario[] = [countMinOverestimates];
