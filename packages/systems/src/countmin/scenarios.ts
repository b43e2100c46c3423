/** The count-min claim of CLAIMS.md K1, measured on a Zipf-like stream. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { TopK } from './top-k';
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

/** Draws from a Zipf(s) distribution over n items by inverse CDF (binary search). */
function zipfSampler(n: number, s: number, rng: Rng): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1) ** s;
  return () => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export const topKHeavyHitters: Scenario = {
  id: 'top-k-heavy-hitters',
  title: 'A count-min sketch and a small heap find the heavy hitters',
  claim:
    'A count-min sketch with a K-item heap finds the top K items of a skewed stream in fixed memory, counts a little high.',
  expected: 'holds',
  rows: ['K1'],
  run({ seed, quick }): ScenarioResult {
    const events = quick ? 200_000 : 2_000_000;
    const items = 50_000;
    const k = 20;
    const rng = new Rng(seed);
    const draw = zipfSampler(items, 1.1, rng);
    const topk = new TopK(k, 0.0005, 0.01);
    const truth = new Map<string, number>();
    for (let i = 0; i < events; i++) {
      const item = `item${draw()}`;
      topk.add(item);
      truth.set(item, (truth.get(item) ?? 0) + 1);
    }
    const ranked = [...truth].sort((a, b) => b[1] - a[1]);
    const trueTop = ranked.slice(0, k).map(([item]) => item);
    const found = topk.top();
    const recall = found.filter((f) => trueTop.includes(f.item)).length / k;
    const overestimates = found.map((f) => f.count - (truth.get(f.item) ?? 0));
    const maxOver = Math.max(...overestimates);
    const bound = 0.0005 * events;
    // What the sketch promises: estimates are never low and (with probability 1 − δ each) at most εN
    // high, so an item outside the top K can only displace one whose true count is within εN of its
    // own. Every top-K item that beats the (K + 1)-th true count by more than εN must be found; the
    // ones closer than that may trade places with their neighbours.
    const boundary = ranked[k]?.[1] ?? 0;
    const mustFind = ranked.slice(0, k).filter(([, count]) => count - boundary > bound);
    const missed = mustFind.filter(([item]) => !found.some((f) => f.item === item)).length;
    return {
      observed: missed === 0 && Math.min(...overestimates) >= 0 && maxOver <= bound ? 'holds' : 'fails',
      summary: `${events.toLocaleString('en-US')} events over ${items.toLocaleString('en-US')} items (Zipf 1.1): ${Math.round(recall * k)} of the true top ${k} found with a ${topk.sketch.width}×${topk.sketch.depth} sketch and a ${k}-item heap — ${mustFind.length - missed} of the ${mustFind.length} whose count beats the item ranked ${k + 1} by more than εN = ${bound} (the ones it must find); counts high by at most ${maxOver}.`,
      measurements: {
        recall,
        mustFind: mustFind.length,
        missed,
        maxOverestimate: maxOver,
        bound,
        sketchCounters: topk.sketch.width * topk.sketch.depth,
      },
      tables: [
        {
          title: 'The top 10 as the sketch sees them',
          columns: ['item', 'estimate', 'true count'],
          rows: found.slice(0, 10).map((f) => [f.item, f.count, truth.get(f.item) ?? 0]),
        },
      ],
    };
  },
};

export const countMinScenarios: readonly Scenario[] = [countMinOverestimates, topKHeavyHitters];
