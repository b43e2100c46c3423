import { readFileSync, existsSync } from 'node:fs';
import { Rng } from '@dslab/sim';
import { runRekey } from './rekey';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ScenarioResult } from '../contract';
import { shardingSystem, RangeShards, PreShardedCluster } from './index';
import { runDirectoryScenario, runGeoSharding, runTimeSuffix } from './scenarios';
import { eventStream, keySchemes, measureLoad, routerFor, type TimedEvent } from './time-keys';
import { DirectoryTable, after } from './directory';
import { directoryFinalState } from './directory-world';
import { buildDirectorySim, directoryParams, directorySimulation } from './directory-sim';

/** Quick runs at seed 3, each computed once and shared by the tests that read it. */
const quickRuns = new Map<string, Promise<ScenarioResult>>();
function quickRun(id: string): Promise<ScenarioResult> {
  let run = quickRuns.get(id);
  if (!run) {
    const scenario = shardingSystem.scenarios.find((s) => s.id === id)!;
    run = Promise.resolve(scenario.run({ seed: 3, quick: true }));
    quickRuns.set(id, run);
  }
  return run;
}

describe('sharding strategies (D2)', () => {
  it.each(shardingSystem.scenarios.map((s) => [s.id, s] as const))(
    '%s reproduces its expected verdict',
    async (_id, scenario) => {
      const result = await quickRun(scenario.id);
      expect(result.observed, result.summary).toBe(scenario.expected);
    },
  );

  it('salted keys cover ≈ 6.5 of 10 partitions, as 10·(1 − 0.9¹⁰) predicts', async () => {
    const result = await shardingSystem.scenarios
      .find((s) => s.id === 'random-suffix-distinct-partitions')!
      .run({ seed: 1, quick: true });
    expect(result.measurements.meanDistinctPartitions).toBeGreaterThan(6.3);
    expect(result.measurements.meanDistinctPartitions).toBeLessThan(6.7);
  });

  it('range shards: every key has exactly one shard, in split order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 10 }), fc.string(), (raw, key) => {
        const splits = [...raw].sort();
        const ranges = new RangeShards(splits);
        const shard = ranges.shardOf(key);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(ranges.count);
        if (shard > 0) expect(key >= splits[shard - 1]!).toBe(true);
        if (shard < splits.length) expect(key < splits[shard]!).toBe(true);
      }),
    );
    expect(() => new RangeShards(['b', 'a'])).toThrow(/strictly increasing/);
  });

  it('pre-sharding moves only whole logical shards and keeps them balanced', () => {
    const cluster = new PreShardedCluster(64, ['a', 'b']);
    expect(cluster.addNode('c')).toBe(21);
    const perNode = new Map<string, number>();
    for (const owner of cluster.assignment) perNode.set(owner, (perNode.get(owner) ?? 0) + 1);
    expect(Math.max(...perNode.values()) - Math.min(...perNode.values())).toBeLessThanOrEqual(1);
  });
});

describe('re-keying by dual write and backfill', () => {
  it('versions with tombstones always leave the new store equal to the old; a plain upsert does not', () => {
    let naiveStale = 0;
    for (let seed = 0; seed < 8; seed++) {
      const versioned = runRekey('versioned-with-tombstones', 2_000, new Rng(seed));
      expect(versioned.staleRows + versioned.resurrectedRows + versioned.missingRows).toBe(0);
      naiveStale += runRekey('overwrite', 2_000, new Rng(seed)).staleRows;
    }
    expect(naiveStale).toBeGreaterThan(0);
  });
});

describe('time-based suffix, routed (issue #14 item 5)', () => {
  const minute = 60_000;
  const event = (ms: number, seq: number): TimedEvent => ({ ms, device: 'd', seq });

  it('measureLoad counts where the router put each write, window by window', () => {
    // Minute 0: shards 0,1,0,1 → busiest 1/2; minute 1: shard 2 three times → 1; hour 0 overall: 3/7.
    const events = [0, 1, 2, 3]
      .map((i) => event(i * 1_000, i))
      .concat([4, 5, 6].map((i) => event(minute + i, i)));
    const load = measureLoad(events, (e) => (e.ms >= minute ? 2 : e.seq % 2), 4, minute);
    expect(load.windows).toBe(2);
    expect(load.meanWindowBusiest).toBeCloseTo(0.75, 10);
    expect(load.lowestWindowBusiest).toBeCloseTo(0.5, 10);
    expect(load.perShard).toEqual([2, 2, 3, 0]);
    expect(load.runBusiest).toBeCloseTo(3 / 7, 10);
    expect(load.shardsUsed).toBe(3);
    expect(load.perHour).toEqual([{ hour: 0, shard: 2, share: 3 / 7 }]);
  });

  it('range sharding split on yesterday sends every write of today to the last range; hashing the event id spreads them', () => {
    const rng = new Rng(5);
    const day = 86_400_000;
    const yesterday = eventStream(rng, 0, day, 5_000, 50);
    const today = eventStream(rng, day, 3_600_000, 5_000, 50);
    const range = measureLoad(
      today,
      routerFor(keySchemes.rangeOnTime, 10, yesterday, () => 0),
      10,
      minute,
    );
    const hash = measureLoad(
      today,
      routerFor(keySchemes.hashOnEventId, 10, yesterday, () => 0),
      10,
      minute,
    );
    expect(range.perShard[9]).toBe(today.length);
    expect(hash.shardsUsed).toBe(10);
    expect(hash.runBusiest).toBeLessThan(0.15);
  });

  it('the verdict follows where the router put the writes: hour % 4 fails, a random suffix relieves', async () => {
    const timeSuffix = await quickRun('time-suffix-moves-the-hotspot');
    expect(timeSuffix.observed).toBe('fails');
    // Measured, not assumed: every minute's writes sat on one shard, yet over the run 2–4 shards shared them.
    expect(timeSuffix.measurements.busiestPerMinuteTimeSuffix).toBe(1);
    expect(timeSuffix.measurements.shardsUsedTimeSuffix).toBeGreaterThan(1);
    expect(timeSuffix.measurements.busiestOverRunTimeSuffix).toBeLessThan(0.75);
    expect(timeSuffix.measurements.busiestPerMinuteEventIdHash).toBeLessThan(0.3);
    const random = runTimeSuffix(3, true, keySchemes.hashOnDateRandomSuffix);
    expect(random.observed).toBe('holds');
  });
});

describe('geo sharding in a simulated network (issue #14 item 5)', () => {
  it('latencies are measured in the World: they change with the seed and separate local from remote owners', async () => {
    const a = await quickRun('geo-sharding-latency');
    const b = runGeoSharding(2, true);
    expect(a.traceHash).toBeDefined();
    expect(a.traceHash).not.toBe(b.traceHash);
    expect(a.measurements.remoteP50Ms).not.toBe(b.measurements.remoteP50Ms);
    expect(a.measurements.errors).toBe(0);
    expect(a.measurements.unanswered).toBe(0);
    // The link model gives 0.3 ms one way inside a region and 38–110 ms between regions (median).
    expect(a.measurements.localP50Ms).toBeLessThan(5);
    expect(a.measurements.remoteP50Ms).toBeGreaterThan(76);
    expect(a.measurements.remoteP50Ms).toBeLessThan(225);
    expect(a.measurements.fanoutP50Ms).toBeGreaterThan(a.measurements.remoteP50Ms!);
    // 3% travellers + 1% fan-out queries put the remote cost in the overall p99.
    expect(a.measurements.allP99Ms).toBeGreaterThan(2 * a.measurements.localP99Ms!);
  });

  it('the verdict follows the measurement: with nobody away from home and no cross-region query, every request is local', () => {
    const home = runGeoSharding(3, true, { awayShare: 0, fanoutShare: 0 });
    expect(home.measurements.remoteRequests).toBe(0);
    expect(home.observed).toBe('holds');
  });
});

describe('directory sharding as a service (issue #14 item 5)', () => {
  it('the table moves a range or a single key, splits around it and versions the change', () => {
    const table = new DirectoryTable(0);
    table.assign('b', 'd', 1);
    expect(table.lookup('a').shard).toBe(0);
    expect(table.lookup('b').shard).toBe(1);
    expect(table.lookup('c').shard).toBe(1);
    expect(table.lookup('d').shard).toBe(0);
    const v = table.assign('c', after('c'), 2);
    expect(v).toBe(2);
    expect(table.lookup('c')).toEqual({ start: 'c', end: 'c\u0000', shard: 2, version: 2 });
    expect(table.lookup('ca')).toEqual({ start: 'c\u0000', end: 'd', shard: 1, version: 1 });
    expect(table.lookup('bz')).toEqual({ start: 'b', end: 'c', shard: 1, version: 1 });
    expect([...table.ownersOf('b', 'd')].sort()).toEqual([1, 2]);
  });

  it('the table agrees with a key-by-key model under any sequence of moves', () => {
    const letters = 'abcdefgh'.split('');
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 7 }),
            fc.integer({ min: 1, max: 8 }),
            fc.integer({ min: 0, max: 4 }),
          ),
          {
            maxLength: 20,
          },
        ),
        (moves) => {
          const table = new DirectoryTable(0);
          const model = new Map(letters.map((l) => [l, 0]));
          for (const [from, length, shard] of moves) {
            const start = letters[from]!;
            const end = letters[from + length] ?? '';
            table.assign(start, end, shard);
            for (const l of letters) if (l >= start && (end === '' || l < end)) model.set(l, shard);
          }
          for (const l of letters) expect(table.lookup(l).shard).toBe(model.get(l));
          expect(table.version).toBe(moves.length);
        },
      ),
    );
  });

  it('a run moves exactly the whale (and the one hot key), redirects stale caches and loses nothing', async () => {
    const { measurements: m, observed } = await quickRun('directory-moves-one-tenant');
    expect(observed).toBe('holds');
    expect(m.rowsTransferred).toBe(m.whaleRows! + 1);
    expect(m.movedRows).toBe(m.whaleRows! + 1);
    expect(m.movedOtherTenantRows).toBe(0);
    expect(m.tableVersionsAdded).toBe(2);
    // Every client that had cached the whale's or the hot key's entry was redirected at least once.
    expect(m.staleRedirects).toBeGreaterThan(0);
    expect(m.directoryLookups).toBeGreaterThan(0);
    expect(m.directoryLookups).toBeLessThan(m.requests!);
    expect(m.lostWrites).toBe(0);
    expect(m.staleReads).toBe(0);
    expect(m.busiestAfter).toBeLessThan(m.busiestBefore!);
  });

  it('a source that keeps serving the range while it copies it loses writes, and the verdict says so', () => {
    const { measurements: m, observed } = runDirectoryScenario(3, true, 'no-freeze');
    expect(m.lostWrites! + m.staleReads!).toBeGreaterThan(0);
    expect(observed).toBe('fails');
  });
});

describe('the directory service on the system kit', () => {
  it('a free run moves the whale and the hot key, and the servers end as the directory says', () => {
    const params = directoryParams.parse({});
    const w = buildDirectorySim(params, 1, 'hash');
    w.world.runFor(params.durationMs);
    const directory = w.directory();
    expect(directory.moves.map((m) => m.doneAt !== undefined)).toEqual([true, true]);
    // The whale's rows and the hot key, and nothing else, were copied.
    const whaleRows = params.rowsPerTenant * params.whaleFactor;
    expect(w.servers().reduce((sum, server) => sum + server.rowsReceived, 0)).toBe(whaleRows + 1);
    expect(w.servers()[params.shards]!.rows.size).toBe(whaleRows);
    const state = directoryFinalState(w);
    expect(state.unheldKeys + state.doublyHeldKeys + state.misplacedKeys).toBe(0);
    expect(w.counters.staleReads).toBe(0);
    expect(directorySimulation.metrics(w).requests).toBeGreaterThan(500);
  });

  it('rejects a move scheduled after the faults end, and an unknown mutant', () => {
    const params = directoryParams.parse({ moveAtMs: 2_000 });
    expect(() => buildDirectorySim(params, 1, 'hash')).toThrow(/moveAtMs \(2000\) must come before/);
    expect(() => directoryParams.parse({ mutant: 'no-such' })).toThrow();
  });
});

describe('README (issue #14 item 8)', () => {
  const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');

  it('lists every scenario with its expected verdict, and nothing else', () => {
    const rows = [...readme.matchAll(/^\| ([a-z0-9-]+) +\|.*\| (holds|fails|partly) +\|$/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(shardingSystem.scenarios.map((scenario) => [scenario.id, scenario.expected])),
    );
  });

  it('names only files that exist, and lists none that ships as left out', () => {
    for (const [, file] of readme.matchAll(/^\| `([a-z-]+\.ts)` +\|/gm)) {
      expect(existsSync(new URL(`./${file}`, import.meta.url)), file).toBe(true);
    }
    const at = readme.indexOf('Left out');
    expect(at).toBeGreaterThan(-1);
    const next = readme.indexOf('\n## ', at);
    const leftOut = readme.slice(at, next < 0 ? undefined : next);
    for (const shipped of ['directory and geo sharding', 'MOVED', 'slot migration', 'dual write']) {
      expect(leftOut).not.toContain(shipped);
    }
  });
});
