/** Eviction policies on request traces: a scan against LRU, LFU and W-TinyLFU; LFU's memory of yesterday. */
import { Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { createPolicy, type EvictionPolicy, type PolicyKind } from '../policies';
import { ZipfSampler } from '../zipf';
import { round } from './common';

const CAPACITY = 500;

/** Hit ratio over `trace` (filling on a miss), and over the reads of keys in `measured` only. */
function play(
  cache: EvictionPolicy<string, number>,
  trace: readonly string[],
  measured?: (key: string) => boolean,
) {
  let hits = 0;
  let n = 0;
  for (const key of trace) {
    const hit = cache.get(key) !== undefined;
    if (!hit) cache.set(key, 1);
    if (measured === undefined || measured(key)) {
      n++;
      if (hit) hits++;
    }
  }
  return n === 0 ? 0 : hits / n;
}

function zipfKeys(rng: Rng, sampler: ZipfSampler, prefix: string, length: number): string[] {
  return Array.from({ length }, () => `${prefix}${sampler.rank(rng.next())}`);
}

export const scanResistance: Scenario = {
  id: 'scan-resistance',
  title: 'A sequential scan flushes LRU; LFU and W-TinyLFU resist it; LFU without decay clings to yesterday',
  claim:
    'A large sequential scan flushes an LRU cache; LFU/ARC resist it; LFU without decay keeps yesterday’s hot items.',
  expected: 'holds',
  rows: ['F1'],
  run({ seed, quick }): ScenarioResult {
    const rng = new Rng(seed).fork('policies');
    const n = quick ? 10_000 : 100_000;
    const sampler = new ZipfSampler(2_000, 1);
    const kinds: PolicyKind[] = ['lru', 'lfu', 'lfu-decay', 'w-tinylfu'];
    // Part 1: a Zipf hot set, then a scan of 5×capacity distinct keys, then the hot set again.
    const before = zipfKeys(rng, sampler, 'h', n);
    const scan = Array.from({ length: CAPACITY * 5 }, (_, i) => `scan${i}`);
    const after = zipfKeys(rng, sampler, 'h', n / 10);
    // Part 2: yesterday's hot set A, then today's B (disjoint keys, same popularity).
    const yesterday = zipfKeys(rng, sampler, 'a', n);
    const today = zipfKeys(rng, sampler, 'b', n);
    const rows: (string | number)[][] = [];
    const m: Record<string, number> = {};
    for (const kind of kinds) {
      const cache = createPolicy<number>(kind, CAPACITY);
      const warm = play(cache, before);
      play(cache, scan);
      let survived = 0;
      for (let r = 0; r < 100; r++) if (cache.has(`h${r}`)) survived++;
      const hot = play(cache, after.slice(0, 500));
      const shifted = createPolicy<number>(kind, CAPACITY);
      play(shifted, yesterday);
      const todayHits = play(shifted, today);
      let kept = 0;
      for (let r = 0; r < 100; r++) if (shifted.has(`a${r}`)) kept++;
      m[`${kind}Before`] = warm;
      m[`${kind}AfterScan`] = hot;
      m[`${kind}HotKept`] = survived;
      m[`${kind}Today`] = todayHits;
      m[`${kind}YesterdayKept`] = kept;
      rows.push([kind, round(warm, 3), survived, round(hot, 3), round(todayHits, 3), kept]);
    }
    // Flushed: LRU keeps under 10 of the 100 hottest keys through the scan; resisted: LFU and
    // W-TinyLFU keep at least 90 of them. Clinging: LFU without decay still holds most of
    // yesterday's top 100 and hits less today than LFU with decay.
    const flushed = (m.lruHotKept as number) < 10;
    const resists = (['lfu', 'w-tinylfu'] as const).every((k) => (m[`${k}HotKept`] as number) >= 90);
    const clings =
      (m.lfuYesterdayKept as number) >= 50 && (m.lfuToday as number) < (m['lfu-decayToday'] as number);
    return {
      observed: flushed && resists && clings ? 'holds' : 'fails',
      summary:
        `Capacity ${CAPACITY}, Zipf(1) over 2,000 keys, a scan of ${scan.length} keys: of the 100 hottest keys LRU kept ` +
        `${m.lruHotKept}, LFU ${m.lfuHotKept}, W-TinyLFU ${m['w-tinylfuHotKept']} (hit ratio over the next 500 reads ` +
        `${round(m.lruAfterScan as number, 3)}, ${round(m.lfuAfterScan as number, 3)}, ${round(m['w-tinylfuAfterScan'] as number, 3)}). After the hot set moved, LFU without decay kept ` +
        `${m.lfuYesterdayKept} of yesterday's top 100 and hit ${round(m.lfuToday as number, 3)} today; with decay ` +
        `${m['lfu-decayYesterdayKept']} and ${round(m['lfu-decayToday'] as number, 3)}.`,
      measurements: m,
      tables: [
        {
          title: `Hit ratios, capacity ${CAPACITY}`,
          columns: [
            'policy',
            'warm',
            'first 2,000 reads after the scan',
            'today (hot set moved)',
            'yesterday’s top 100 still cached',
          ],
          rows,
        },
      ],
    };
  },
};
