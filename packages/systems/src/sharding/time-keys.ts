/**
 * Time-ordered writes (events with timestamps) routed by the sharding code itself: a key scheme says how
 * a table keys an event, the router (hash sharding, or range sharding split on yesterday's keys) says
 * which shard takes it, and the load is counted from where each write actually landed, window by window.
 */
import type { Rng } from '@dslab/sim';
import { RangeShards, hashShard } from './strategies';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface TimedEvent {
  /** When it happened (ms since the epoch). */
  readonly ms: number;
  readonly device: string;
  readonly seq: number;
}

/** A Poisson stream of `count` events on average from `devices` devices over [startMs, startMs + durationMs). */
export function eventStream(
  rng: Rng,
  startMs: number,
  durationMs: number,
  count: number,
  devices: number,
): TimedEvent[] {
  const events: TimedEvent[] = [];
  const meanGap = durationMs / count;
  for (
    let t = startMs + rng.exponential(meanGap), seq = 0;
    t < startMs + durationMs;
    t += rng.exponential(meanGap)
  ) {
    events.push({ ms: Math.floor(t), device: `sensor-${rng.int(devices)}`, seq: seq++ });
  }
  return events;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const day = (ms: number) => Math.floor(ms / DAY_MS);
const hourOfDay = (ms: number) => Math.floor(ms / HOUR_MS) % 24;
const timeKey = (e: TimedEvent) => `${pad(e.ms, 15)}#${e.device}#${pad(e.seq, 8)}`;

/** How a table keys an event, and which routing the key goes through. */
export interface KeyScheme {
  readonly name: string;
  readonly routing: 'hash' | 'range';
  /** Hash routing: the partition key. Range routing: the full sort key. */
  key(event: TimedEvent, random: () => number): string;
}

export const keySchemes = {
  /** Range sharding on the timestamp: the sort key starts with the time. */
  rangeOnTime: { name: 'range on time', routing: 'range', key: timeKey },
  /** One partition per day ("events by date"): the hot partition the suffixes are meant to relieve. */
  hashOnDate: { name: 'hash on date', routing: 'hash', key: (e) => `events:${day(e.ms)}` },
  /** The claim: the date partition key with a time-based suffix, hour % 4. */
  hashOnDateHourSuffix: {
    name: 'hash on date#(hour % 4)',
    routing: 'hash',
    key: (e) => `events:${day(e.ms)}#${hourOfDay(e.ms) % 4}`,
  },
  /** The same idea under range sharding: a (hour % 4) bucket prefixed to the time key. */
  rangeOnHourBucket: {
    name: 'range on (hour % 4)#time',
    routing: 'range',
    key: (e) => `${hourOfDay(e.ms) % 4}#${timeKey(e)}`,
  },
  /** A random suffix 0–3 on the date partition key (reads must then scatter-gather the four). */
  hashOnDateRandomSuffix: {
    name: 'hash on date#(random 0–3)',
    routing: 'hash',
    key: (e, random) => `events:${day(e.ms)}#${Math.floor(random() * 4)}`,
  },
  /** Hash on the event's own id: spreads writes, turns every time-range read into scatter-gather. */
  hashOnEventId: { name: 'hash on event id', routing: 'hash', key: (e) => `${e.device}:${e.ms}:${e.seq}` },
} satisfies Record<string, KeyScheme>;

/**
 * The router a table keyed by `scheme` would use over `shards` shards. Range tables are split where
 * range-sharded stores split — at even quantiles of the data they already hold (`history`).
 */
export function routerFor(
  scheme: KeyScheme,
  shards: number,
  history: readonly TimedEvent[],
  random: () => number,
): (event: TimedEvent) => number {
  if (scheme.routing === 'hash') return (event) => hashShard(scheme.key(event, random), shards);
  const held = history.map((e) => scheme.key(e, random)).sort();
  const splits: string[] = [];
  for (let i = 1; i < shards; i++) {
    const split = held[Math.floor((i * held.length) / shards)] as string;
    if (split > (splits[splits.length - 1] ?? '')) splits.push(split);
  }
  const ranges = new RangeShards(splits);
  return (event) => ranges.shardOf(scheme.key(event, random));
}

export interface TimeLoad {
  /** Writes per shard over the whole run. */
  readonly perShard: readonly number[];
  /** Windows (with at least one write) the run was cut into. */
  readonly windows: number;
  /** The busiest shard's share of a window's writes, averaged over windows. */
  readonly meanWindowBusiest: number;
  /** The lowest busiest-shard share of any window: how good the best moment was. */
  readonly lowestWindowBusiest: number;
  /** The busiest shard's share of all the run's writes: what a daily dashboard shows. */
  readonly runBusiest: number;
  /** Shards that took at least one write. */
  readonly shardsUsed: number;
  /** Distinct shards that were the busiest of some window: how often the hotspot moved. */
  readonly hotShards: number;
  /** Per hour of the run: the busiest shard and its share of that hour's writes. */
  readonly perHour: readonly { readonly hour: number; readonly shard: number; readonly share: number }[];
}

const busiest = (counts: readonly number[]) => {
  let shard = 0;
  let total = 0;
  counts.forEach((c, i) => {
    total += c;
    if (c > (counts[shard] as number)) shard = i;
  });
  return { shard, share: total === 0 ? 0 : (counts[shard] as number) / total, total };
};

/** Routes every event and counts, per window and per hour, where the writes landed. */
export function measureLoad(
  events: readonly TimedEvent[],
  route: (event: TimedEvent) => number,
  shards: number,
  windowMs: number,
): TimeLoad {
  const perShard = new Array<number>(shards).fill(0);
  const windowShares: number[] = [];
  const hotShards = new Set<number>();
  const perHour: { hour: number; shard: number; share: number }[] = [];
  let window = new Array<number>(shards).fill(0);
  let hour = new Array<number>(shards).fill(0);
  let windowIndex = -1;
  let hourIndex = -1;
  const closeWindow = () => {
    const b = busiest(window);
    if (b.total > 0) {
      windowShares.push(b.share);
      hotShards.add(b.shard);
    }
    window = new Array<number>(shards).fill(0);
  };
  const closeHour = () => {
    const b = busiest(hour);
    if (b.total > 0) perHour.push({ hour: perHour.length, shard: b.shard, share: b.share });
    hour = new Array<number>(shards).fill(0);
  };
  for (const event of events) {
    const w = Math.floor(event.ms / windowMs);
    const h = Math.floor(event.ms / HOUR_MS);
    if (w !== windowIndex) {
      if (windowIndex >= 0) closeWindow();
      windowIndex = w;
    }
    if (h !== hourIndex) {
      if (hourIndex >= 0) closeHour();
      hourIndex = h;
    }
    const shard = route(event);
    perShard[shard]!++;
    window[shard]!++;
    hour[shard]!++;
  }
  closeWindow();
  closeHour();
  return {
    perShard,
    windows: windowShares.length,
    meanWindowBusiest: windowShares.reduce((a, b) => a + b, 0) / Math.max(1, windowShares.length),
    lowestWindowBusiest: windowShares.reduce((a, b) => Math.min(a, b), 1),
    runBusiest: busiest(perShard).share,
    shardsUsed: perShard.filter((c) => c > 0).length,
    hotShards: hotShards.size,
    perHour,
  };
}
