/** Experiments on id generation: each claim of catalog row C2, measured on ids the workers issued. */
import { applyFaultSchedule, randomFaultSchedule, Rng } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { hashShard, RangeShards } from '../sharding/strategies';
import { buildIdWorld, idParams, UNIX_MS_AT_SIM_ZERO, type IdCluster, type IdParams } from './cluster';
import { indexCost, type IndexCost } from './index-cost';
import type { LedgerEntry } from './ledger';
import { encodeSnowflake, MAX_SEQUENCE } from './snowflake';
import { schemes, type IdWorker, type Scheme } from './worker';

const MS_PER_YEAR = 365.25 * 86_400_000;
const timeOrderedSchemes: readonly Scheme[] = ['snowflake', 'ulid', 'uuidv7'];

function entriesOf(cluster: IdCluster, scheme: Scheme): readonly LedgerEntry[] {
  return cluster.ledger.entries.get(scheme) ?? [];
}

/** Runs a world until it issued `count` Snowflakes (the slowest scheme) and returns the first `count` ids of each. */
function collect(
  params: IdParams,
  seed: number,
  count: number,
): { cluster: IdCluster; ids: Map<Scheme, string[]> } {
  const cluster = buildIdWorld(params, seed, 'hash', { keep: true });
  cluster.world.start(); // runUntilCondition does not start the nodes itself
  const done = cluster.world.runUntilCondition(
    () => (cluster.ledger.issued.get('snowflake') ?? 0) >= count,
    3_600_000,
  );
  if (!done) throw new Error(`the workers issued fewer than ${count} Snowflakes in an hour`);
  const ids = new Map<Scheme, string[]>();
  for (const scheme of schemes)
    ids.set(
      scheme,
      entriesOf(cluster, scheme)
        .slice(0, count)
        .map((e) => e.id),
    );
  return { cluster, ids };
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------------------

export const snowflakeLimits: Scenario = {
  id: 'snowflake-limits',
  title: 'Snowflake: 4,096 ids per millisecond, ~69.7 years, and a clock step back',
  claim:
    'Snowflake (41-bit ms time, 10 bits of machine, 12-bit sequence): 4,096 IDs per ms per machine, ~69.7 years of range; ' +
    'sequence exhaustion waits for the next ms; a backwards clock step makes duplicates unless guarded.',
  expected: 'holds',
  rows: ['C2'],
  run({ seed }): ScenarioResult {
    // 1. One worker asked for 10,000 ids at one instant.
    const burst = 10_000;
    const one = buildIdWorld(
      idParams.parse({
        workers: 1,
        intervalMs: 0,
        clockSpreadMs: 0,
        driftSpreadPpm: 0,
        burst,
        burstAtMs: 100,
      }),
      seed,
      'hash',
      { keep: true },
    );
    one.world.runFor(200);
    const flakes = entriesOf(one, 'snowflake');
    const perMs = new Map<number, number>();
    for (const e of flakes) perMs.set(e.ms as number, (perMs.get(e.ms as number) ?? 0) + 1);
    const maxPerMs = Math.max(...perMs.values());
    const sequenceWaits = one.world.node<IdWorker>('w1').snapshot().waitsForSequence;
    const burstDuplicates = one.ledger.duplicates;

    // 2. The range: the largest millisecond the encoder accepts, found by probing it.
    let lo = 0;
    let hi = 2 ** 52;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      try {
        encodeSnowflake({ ms: mid, worker: 0, sequence: 0 });
        lo = mid;
      } catch {
        hi = mid - 1;
      }
    }
    const years = (lo + 1) / MS_PER_YEAR;

    // 3. A clock stepped back 50 ms while two workers issue ids: guarded, and the unguarded variant.
    const rollback = (mutant: IdParams['mutant']) => {
      const params = idParams.parse({
        workers: 2,
        intervalMs: 1,
        clockSpreadMs: 0,
        driftSpreadPpm: 0,
        ...(mutant ? { mutant } : {}),
      });
      const cluster = buildIdWorld(params, seed, 'hash', { invariants: mutant === undefined });
      cluster.world.at(500, 'w1 clock steps back 50 ms', () => cluster.world.clock('w1').jump(-50));
      cluster.world.runFor(1_000);
      const w1 = cluster.world.node<IdWorker>('w1').snapshot();
      return {
        duplicates: cluster.ledger.duplicates,
        clockWaits: w1.waitsForClock,
        longestWaitMs: w1.longestWaitMs,
      };
    };
    const guarded = rollback(undefined);
    const unguarded = rollback('snowflake-ignore-rollback');

    const holds =
      maxPerMs === MAX_SEQUENCE + 1 &&
      sequenceWaits > 0 &&
      burstDuplicates === 0 &&
      Math.abs(years - 69.7) < 0.05 && // the claim's one decimal
      guarded.duplicates === 0 &&
      guarded.clockWaits > 0 &&
      unguarded.duplicates > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `${burst.toLocaleString('en-US')} ids asked at once took ${perMs.size} milliseconds, at most ${maxPerMs} in one ` +
        `(${sequenceWaits} waits for the next ms, ${burstDuplicates} duplicates). The encoder accepts up to ${lo.toLocaleString('en-US')} ms: ` +
        `${years.toFixed(2)} years. A 50 ms step back: guarded, ${guarded.duplicates} duplicates and the worker waited ` +
        `${guarded.longestWaitMs.toFixed(1)} ms; unguarded, ${unguarded.duplicates} duplicates.`,
      measurements: {
        maxIdsPerMs: maxPerMs,
        millisecondsForBurst: perMs.size,
        sequenceWaits,
        burstDuplicates,
        rangeYears: years,
        guardedDuplicates: guarded.duplicates,
        guardedLongestWaitMs: guarded.longestWaitMs,
        unguardedDuplicates: unguarded.duplicates,
      },
      tables: [
        {
          title: 'Snowflakes per millisecond for a burst of 10,000',
          columns: ['millisecond (since the first)', 'ids'],
          rows: [...perMs.entries()].map(([ms, n]) => [ms - (flakes[0]?.ms as number), n]),
        },
        {
          title: 'A clock stepped back 50 ms',
          columns: ['generator', 'duplicates', 'waits for the clock', 'longest wait (ms)'],
          rows: [
            ['guarded (waits)', guarded.duplicates, guarded.clockWaits, round(guarded.longestWaitMs, 1)],
            ['unguarded', unguarded.duplicates, unguarded.clockWaits, round(unguarded.longestWaitMs, 1)],
          ],
        },
      ],
      traceHash: one.world.traceHash(),
    };
  },
};

// ---------------------------------------------------------------------------------------------------

/** Distinct leaves a window of `window` inserts reaches if each lands on one of `leaves` at random. */
function randomLeavesPerWindow(leaves: number, window: number): number {
  return leaves * (1 - (1 - 1 / leaves) ** window);
}

export const indexLocality: Scenario = {
  id: 'uuidv4-scatters-index',
  title: 'What each id does to a B+tree index: append or scatter',
  claim:
    'UUIDv4 keys scatter inserts across a B-tree index (bigger index, more page writes); UUIDv7/ULID keys append.',
  expected: 'partly',
  corrected:
    'UUIDv4 keys do scatter: every insert writes a random leaf, so once the index outgrows the cache nearly every ' +
    'insert costs a page write, against about one per filled leaf for Snowflake, ULID and UUIDv7. The time-ordered ' +
    'index is not smaller for it, though: ids from several workers whose clocks differ by milliseconds arrive slightly ' +
    'out of order, so most splits fall just behind the rightmost leaf and halve it, even with PostgreSQL’s packed ' +
    'rightmost split (and textbook half splits leave every appended leaf half empty). Time-ordered ids buy fewer ' +
    'page writes, not a smaller index.',
  rows: ['C2', 'E1'],
  run({ seed, quick }): ScenarioResult {
    const count = quick ? 20_000 : 100_000;
    const { cluster, ids } = collect(
      idParams.parse({ workers: 4, intervalMs: 2, clockSpreadMs: 20, driftSpreadPpm: 50 }),
      seed,
      count,
    );
    // The engines people run split the rightmost leaf unevenly (PostgreSQL keeps 90% on the left, InnoDB
    // 15/16), so appends pack their pages; the textbook halving is measured beside it as the caveat.
    const options = {
      fanout: 128,
      bufferPages: 32,
      window: 1_000,
      splitRule: 'rightmost-fillfactor' as const,
    };
    const costs = new Map<Scheme, IndexCost>();
    for (const scheme of schemes) costs.set(scheme, indexCost(ids.get(scheme) as string[], options));
    const halved = indexCost(ids.get('uuidv7') as string[], { ...options, splitRule: 'half' });
    const v4 = costs.get('uuidv4') as IndexCost;
    const ordered = timeOrderedSchemes.map((s) => costs.get(s) as IndexCost);
    // Scatter: v4 reaches at least half the leaves random placement would; appends stay near one leaf per leaf filled.
    const scatters = v4.leavesPerWindow >= 0.5 * randomLeavesPerWindow(v4.leaves, options.window);
    const appends = ordered.every(
      (c) => c.leavesPerWindow <= 2 * (options.window / ((options.fanout - 1) * c.leafFill)),
    );
    const moreWrites = ordered.every((c) => v4.pageWritesPerInsert > c.pageWritesPerInsert);
    const bigger = ordered.every((c) => v4.leaves > c.leaves);
    const observed = scatters && appends && moreWrites ? (bigger ? 'holds' : 'partly') : 'fails';
    const snow = costs.get('snowflake') as IndexCost;
    const v7 = costs.get('uuidv7') as IndexCost;
    return {
      observed,
      summary:
        `${count.toLocaleString('en-US')} ids of each scheme into a fan-out ${options.fanout} B+tree with a ${options.bufferPages}-page buffer: ` +
        `UUIDv4 wrote ${round(v4.pageWritesPerInsert, 3)} pages per insert and touched ${v4.leavesPerWindow.toFixed(0)} leaves per ` +
        `${options.window} inserts; UUIDv7 ${round(v7.pageWritesPerInsert, 3)} and ${v7.leavesPerWindow.toFixed(1)}, Snowflake ` +
        `${round(snow.pageWritesPerInsert, 3)} and ${snow.leavesPerWindow.toFixed(1)}. But UUIDv4's leaves ended ${pct(v4.leafFill)} full ` +
        `(${v4.leaves} leaves) against UUIDv7's ${pct(v7.leafFill)} (${v7.leaves}) with PostgreSQL's rightmost split; ` +
        `a textbook half-and-half split would leave UUIDv7's leaves ${pct(halved.leafFill)} full (${halved.leaves} leaves).`,
      measurements: Object.fromEntries([
        ['uuidv7LeafFillWithHalfSplits', halved.leafFill],
        ...schemes.flatMap((s) => {
          const c = costs.get(s) as IndexCost;
          return [
            [`${s}PageWritesPerInsert`, c.pageWritesPerInsert],
            [`${s}SplitsPerInsert`, c.splitsPerInsert],
            [`${s}LeafFill`, c.leafFill],
            [`${s}Leaves`, c.leaves],
            [`${s}LeavesPerWindow`, c.leavesPerWindow],
          ];
        }),
      ]),
      tables: [
        {
          title: `${count.toLocaleString('en-US')} inserts per scheme (fan-out ${options.fanout}, ${options.bufferPages}-page LRU buffer)`,
          columns: [
            'scheme',
            'splits per insert',
            'leaf fill',
            'leaves',
            'height',
            `leaves written per ${options.window} inserts`,
            'page writes per insert',
            'page reads per insert',
          ],
          rows: schemes.map((s) => {
            const c = costs.get(s) as IndexCost;
            return [
              s,
              round(c.splitsPerInsert, 5),
              round(c.leafFill, 3),
              c.leaves,
              c.height,
              round(c.leavesPerWindow, 1),
              round(c.pageWritesPerInsert, 4),
              round(c.pageReads / c.inserts, 4),
            ];
          }),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

// ---------------------------------------------------------------------------------------------------

export const snowflakeSharding: Scenario = {
  id: 'snowflake-sharding',
  title: 'Snowflake ids under range and hash sharding',
  claim: 'Snowflake IDs have good sharding properties.',
  expected: 'partly',
  corrected:
    'Under range sharding every new Snowflake lands on the newest shard (they sort by time); only hash sharding spreads ' +
    'them — at the price of scatter-gather for time-range queries, which range sharding answers from one shard.',
  rows: ['C2', 'D2'],
  run({ seed, quick }): ScenarioResult {
    const count = quick ? 20_000 : 100_000;
    const { cluster, ids } = collect(
      idParams.parse({ workers: 4, intervalMs: 2, clockSpreadMs: 20, driftSpreadPpm: 50 }),
      seed,
      count,
    );
    const flakes = ids.get('snowflake') as string[];
    const shards = 8;
    // The table so far (the first 80%) split into equal ranges, as a range-sharded store balances it; then new inserts.
    const history = flakes.slice(0, Math.floor(count * 0.8));
    const fresh = flakes.slice(history.length);
    const sorted = [...history].sort();
    const splits = Array.from(
      { length: shards - 1 },
      (_, i) => sorted[Math.floor(((i + 1) * sorted.length) / shards)] as string,
    );
    const ranges = new RangeShards(splits);
    const rangeCounts = new Array<number>(shards).fill(0);
    const hashCounts = new Array<number>(shards).fill(0);
    for (const id of fresh) {
      rangeCounts[ranges.shardOf(id)]!++;
      hashCounts[hashShard(id, shards)]!++;
    }
    const rangeBusiest = Math.max(...rangeCounts) / fresh.length;
    const lastShard = (rangeCounts[shards - 1] as number) / fresh.length;
    const hashBusiest = Math.max(...hashCounts) / fresh.length;
    const even = 1 / shards;
    // The busiest of 8 hash shards is within 4 binomial standard errors of an even share when hashing spreads.
    const hashSpreads = hashBusiest <= even + 4 * Math.sqrt((even * (1 - even)) / fresh.length);
    // A time-range query over the newest fifth of the new ids: how many shards hold them.
    const recent = [...fresh].sort().slice(-Math.floor(fresh.length / 5));
    const rangeScanShards = new Set(recent.map((id) => ranges.shardOf(id))).size;
    const hashScanShards = new Set(recent.map((id) => hashShard(id, shards))).size;
    const allOnNewest = lastShard >= 0.99; // "every insert", to within 1%
    return {
      observed: allOnNewest && hashSpreads ? 'partly' : allOnNewest ? 'fails' : 'holds',
      summary:
        `Of ${fresh.length.toLocaleString('en-US')} new Snowflakes, the newest of ${shards} range shards took ${pct(lastShard)}; ` +
        `the busiest hash shard took ${pct(hashBusiest)} (even: ${pct(even)}). The most recent ${recent.length.toLocaleString('en-US')} ids ` +
        `sit on ${rangeScanShards} range shard(s) and on ${hashScanShards} hash shards.`,
      measurements: {
        rangeNewestShare: lastShard,
        rangeBusiestShare: rangeBusiest,
        hashBusiestShare: hashBusiest,
        rangeScanShards,
        hashScanShards,
      },
      tables: [
        {
          title: 'New inserts per shard',
          columns: ['shard', 'range', 'hash'],
          rows: rangeCounts.map((c, i) => [i, c, hashCounts[i] as number]),
        },
      ],
      traceHash: cluster.world.traceHash(),
    };
  },
};

// ---------------------------------------------------------------------------------------------------

const GAPS_MS = [1, 10, 100, 1_000] as const;

interface OrderFigures {
  readonly ids: number;
  readonly duplicates: number;
  /** Consecutive ids of one worker that did not increase. */
  readonly perWorkerDecreases: number;
  readonly perWorkerPairs: number;
  /** Per gap: of pairs (an id, the next id from another worker at least `gap` ms of true time later), the share sorting backwards. */
  readonly invertedAtGap: readonly number[];
  /** The longest true-time gap by which a later id sorted before an earlier one (ms). */
  readonly largestInvertedGapMs: number;
}

function orderFigures(entries: readonly LedgerEntry[]): OrderFigures {
  const seen = new Set<string>();
  let duplicates = 0;
  const lastOf = new Map<string, string>();
  let perWorkerDecreases = 0;
  let perWorkerPairs = 0;
  // Running maxima of the ids in true-time order: the earliest earlier id above x is the first record above x.
  const records: LedgerEntry[] = [];
  let largestInvertedGapMs = 0;
  for (const e of entries) {
    if (seen.has(e.id)) duplicates++;
    seen.add(e.id);
    const last = lastOf.get(e.node);
    if (last !== undefined) {
      perWorkerPairs++;
      if (e.id <= last) perWorkerDecreases++;
    }
    lastOf.set(e.node, e.id);
    let lo = 0;
    let hi = records.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((records[mid] as LedgerEntry).id > e.id) hi = mid;
      else lo = mid + 1;
    }
    if (lo < records.length)
      largestInvertedGapMs = Math.max(largestInvertedGapMs, e.t - (records[lo] as LedgerEntry).t);
    if (records.length === 0 || e.id > (records[records.length - 1] as LedgerEntry).id) records.push(e);
  }
  const invertedAtGap = GAPS_MS.map((gap) => {
    let pairs = 0;
    let inverted = 0;
    let j = 0;
    for (const e of entries) {
      // Entries are in true-time order: the first one at least `gap` later, then on to another worker's.
      while (j < entries.length && (entries[j] as LedgerEntry).t < e.t + gap) j++;
      let k = j;
      while (k < entries.length && (entries[k] as LedgerEntry).node === e.node) k++;
      const later = entries[k];
      if (later === undefined) break;
      pairs++;
      if (later.id < e.id) inverted++;
    }
    return pairs > 0 ? inverted / pairs : 0;
  });
  return {
    ids: entries.length,
    duplicates,
    perWorkerDecreases,
    perWorkerPairs,
    invertedAtGap,
    largestInvertedGapMs,
  };
}

/** The workers' clocks as the ids saw them: the spread of (millisecond carried − true time) over all Snowflakes. */
function clockSpreadMs(entries: readonly LedgerEntry[]): number {
  let min = Infinity;
  let max = -Infinity;
  for (const e of entries) {
    const error = (e.ms as number) - (e.t + UNIX_MS_AT_SIM_ZERO);
    min = Math.min(min, error);
    max = Math.max(max, error);
  }
  return max - min;
}

export const orderUnderClockFaults: Scenario = {
  id: 'order-under-clock-faults',
  title: 'Unique always, time-ordered only per worker: ids under clock faults',
  claim: 'Time-ordered ids (Snowflake, ULID, UUIDv7) are unique and sort in the order they were created.',
  expected: 'partly',
  corrected:
    'With the rollback and restart guards they stay unique and strictly increase per worker, whatever the clocks do; ' +
    'across workers they sort by each worker’s clock, so ids created less than the workers’ clock spread apart can ' +
    'come out in either order. UUIDv4 has no time order at all.',
  rows: ['C2'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 4_000 : 20_000;
    const conditions = [
      { name: 'clocks within ±5 ms, no faults', spread: 5, drift: 20, faults: false },
      { name: 'random offsets, drifts and jumps', spread: 20, drift: 50, faults: true },
    ];
    const rows: (string | number)[][] = [];
    const measurements: Record<string, number> = {};
    let unique = true;
    let perWorker = true;
    let crossInverted = false;
    let hash = '';
    for (const condition of conditions) {
      const params = idParams.parse({
        workers: 4,
        intervalMs: 2,
        clockSpreadMs: condition.spread,
        driftSpreadPpm: condition.drift,
        durationMs,
      });
      const cluster = buildIdWorld(params, seed, 'hash', { keep: true, invariants: false });
      if (condition.faults)
        applyFaultSchedule(
          cluster.world,
          randomFaultSchedule(new Rng(seed).fork('clock faults'), cluster.workers, {
            startMs: 200,
            endMs: durationMs - 200,
            meanIntervalMs: 200,
            maxDurationMs: 1_000,
            families: ['clock'],
          }),
        );
      cluster.world.runFor(durationMs);
      hash += cluster.world.traceHash();
      const spread = clockSpreadMs(entriesOf(cluster, 'snowflake'));
      const key = condition.faults ? 'faults' : 'synced';
      measurements[`${key}ClockSpreadMs`] = spread;
      for (const scheme of schemes) {
        const f = orderFigures(entriesOf(cluster, scheme));
        const ordered = timeOrderedSchemes.includes(scheme);
        if (f.duplicates > 0) unique = false;
        if (ordered && f.perWorkerDecreases > 0) perWorker = false;
        if (ordered && (f.invertedAtGap[0] as number) > 0) crossInverted = true;
        measurements[`${key}${scheme}Duplicates`] = f.duplicates;
        measurements[`${key}${scheme}InvertedAt1Ms`] = f.invertedAtGap[0] as number;
        measurements[`${key}${scheme}LargestInvertedGapMs`] = f.largestInvertedGapMs;
        rows.push([
          condition.name,
          round(spread, 1),
          scheme,
          f.ids,
          f.duplicates,
          `${f.perWorkerDecreases} of ${f.perWorkerPairs}`,
          ...f.invertedAtGap.map((x) => round(x, 3)),
          round(f.largestInvertedGapMs, 1),
        ]);
      }
    }
    const observed = !unique || !perWorker ? 'fails' : crossInverted ? 'partly' : 'holds';
    const at = (key: string, scheme: Scheme, what: string) =>
      measurements[`${key}${scheme}${what}`] as number;
    return {
      observed,
      summary:
        `No duplicates and no time-ordered id below its worker's previous one, in either run. Across workers, Snowflakes ` +
        `1 ms apart sort backwards ${pct(at('synced', 'snowflake', 'InvertedAt1Ms'))} of the time with clocks ` +
        `${(measurements.syncedClockSpreadMs as number).toFixed(0)} ms apart, and ${pct(at('faults', 'snowflake', 'InvertedAt1Ms'))} ` +
        `under clock faults (clocks ${(measurements.faultsClockSpreadMs as number).toFixed(0)} ms apart), by up to ` +
        `${at('faults', 'snowflake', 'LargestInvertedGapMs').toFixed(0)} ms of true time. UUIDv4: ${pct(at('synced', 'uuidv4', 'InvertedAt1Ms'))}.`,
      measurements,
      tables: [
        {
          title:
            'Ids from 4 workers: uniqueness, order per worker, and order across workers by true-time gap',
          columns: [
            'clocks',
            'clock spread (ms)',
            'scheme',
            'ids',
            'duplicates',
            'per-worker decreases',
            ...GAPS_MS.map((g) => `inverted, ≥ ${g} ms apart`),
            'largest inverted gap (ms)',
          ],
          rows,
        },
      ],
      traceHash: hash.slice(0, 16),
    };
  },
};

// ---------------------------------------------------------------------------------------------------

export const ulidMonotonic: Scenario = {
  id: 'ulid-monotonic',
  title: 'Monotonic ULIDs within one millisecond',
  claim: 'ULIDs generated within the same millisecond still sort in the order they were generated.',
  expected: 'partly',
  corrected:
    'Only in the spec’s monotonic mode (the last randomness plus one); the plain mode draws fresh randomness, so ids ' +
    'of one millisecond come out in random order. UUIDv7 needs the same care (a counter in rand_a, RFC 9562 §6.2).',
  rows: ['C2'],
  run({ seed }): ScenarioResult {
    const burst = 2_000;
    const run = (mutant: IdParams['mutant']) => {
      const cluster = buildIdWorld(
        idParams.parse({
          workers: 1,
          intervalMs: 0,
          clockSpreadMs: 0,
          driftSpreadPpm: 0,
          burst,
          burstAtMs: 100,
          ...(mutant ? { mutant } : {}),
        }),
        seed,
        'hash',
        { keep: true, invariants: false },
      );
      cluster.world.runFor(150);
      const figures = (scheme: Scheme) => {
        const entries = entriesOf(cluster, scheme);
        let increasing = 0;
        for (let i = 1; i < entries.length; i++)
          if ((entries[i] as LedgerEntry).id > (entries[i - 1] as LedgerEntry).id) increasing++;
        return {
          increasing: increasing / (entries.length - 1),
          milliseconds: new Set(entries.map((e) => e.ms)).size,
        };
      };
      return { ulid: figures('ulid'), uuidv7: figures('uuidv7'), hash: cluster.world.traceHash() };
    };
    const monotonic = run(undefined);
    const plain = run('ulid-not-monotonic');
    const holdsMonotonic = monotonic.ulid.increasing === 1 && monotonic.ulid.milliseconds === 1;
    const observed = holdsMonotonic ? (plain.ulid.increasing < 1 ? 'partly' : 'holds') : 'fails';
    return {
      observed,
      summary:
        `${burst.toLocaleString('en-US')} ULIDs in one millisecond: monotonic mode, ${pct(monotonic.ulid.increasing)} of consecutive ids ` +
        `increase (all in ${monotonic.ulid.milliseconds} ms); plain mode, ${pct(plain.ulid.increasing)}. ` +
        `UUIDv7 with its counter: ${pct(monotonic.uuidv7.increasing)} over ${monotonic.uuidv7.milliseconds} ms.`,
      measurements: {
        monotonicIncreasing: monotonic.ulid.increasing,
        monotonicMilliseconds: monotonic.ulid.milliseconds,
        plainIncreasing: plain.ulid.increasing,
        uuidv7Increasing: monotonic.uuidv7.increasing,
        uuidv7Milliseconds: monotonic.uuidv7.milliseconds,
      },
      tables: [
        {
          title: `${burst.toLocaleString('en-US')} ids asked in one millisecond`,
          columns: ['generator', 'consecutive ids increasing', 'milliseconds used'],
          rows: [
            ['ULID, monotonic', round(monotonic.ulid.increasing), monotonic.ulid.milliseconds],
            ['ULID, plain', round(plain.ulid.increasing), plain.ulid.milliseconds],
            ['UUIDv7, rand_a counter', round(monotonic.uuidv7.increasing), monotonic.uuidv7.milliseconds],
          ],
        },
      ],
      traceHash: monotonic.hash,
    };
  },
};

export const idScenarios: readonly Scenario[] = [
  snowflakeLimits,
  indexLocality,
  snowflakeSharding,
  orderUnderClockFaults,
  ulidMonotonic,
];
