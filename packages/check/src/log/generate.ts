/**
 * Valid log histories from a seed, as a correct broker and correct clients would produce them, for
 * property tests and benchmarks of the checker: keyed sends (some failed, unknown or in aborted
 * transactions), a consumer group that reads each partition in batches, commits after processing and
 * is rebalanced now and then (re-reading from the committed offset), and a final drain.
 */
import { Rng } from '@dslab/sim';
import { LogRecorder } from './recorder';
import type { LogHistory, ReadRecord } from './types';

export interface LogGenerateOptions {
  readonly seed: number;
  readonly sends: number;
  readonly partitions?: number;
  readonly producers?: number;
  readonly keys?: number;
  readonly consumers?: number;
  /** Largest batch a poll returns. */
  readonly maxBatch?: number;
  readonly topic?: string;
}

interface Stored {
  readonly key: string | null;
  readonly value: string;
  readonly aborted: boolean;
}

export function generateLogHistory(options: LogGenerateOptions): LogHistory {
  const rng = new Rng(options.seed);
  const topic = options.topic ?? 't';
  const partitions = options.partitions ?? 3;
  const producers = options.producers ?? 3;
  const keys = options.keys ?? 8;
  const consumers = options.consumers ?? 2;
  const maxBatch = options.maxBatch ?? 5;
  const recorder = new LogRecorder();
  const logs: Stored[][] = Array.from({ length: partitions }, () => []);
  const committed = new Array<number>(partitions).fill(0);
  const position = new Array<number>(partitions).fill(0);
  const owner = Array.from({ length: partitions }, (_, p) => p % consumers);
  const fresh = new Array<boolean>(partitions).fill(true);

  const pollOnce = (p: number): void => {
    const log = logs[p] as Stored[];
    const from = position[p] as number;
    if (from >= log.length) return;
    const records: ReadRecord[] = [];
    let offset = from;
    for (; offset < log.length && records.length < maxBatch; offset++) {
      const stored = log[offset] as Stored;
      if (!stored.aborted) records.push({ offset, key: stored.key, value: stored.value });
    }
    position[p] = offset;
    recorder.poll(`c${owner[p]}`, topic, p, records, {
      group: 'g',
      isolation: 'read_committed',
      ...(fresh[p] ? { reset: true } : {}),
    });
    fresh[p] = false;
    // Commit after processing, not always at once (a rebalance re-delivers what was not committed).
    if (rng.chance(0.6)) {
      committed[p] = offset;
      recorder.commit('g', topic, p, offset, `c${owner[p]}`);
    }
  };

  for (let i = 0; i < options.sends; i++) {
    const producer = `p${rng.int(producers)}`;
    const key = rng.chance(0.1) ? null : `k${rng.int(keys)}`;
    const value = `v${i}`;
    const p = key === null ? rng.int(partitions) : keyPartition(key, partitions);
    const handle = recorder.send(producer, topic, key, value);
    const roll = rng.next();
    const log = logs[p] as Stored[];
    if (roll < 0.04) recorder.complete(handle, 'fail');
    else if (roll < 0.08) {
      // Unknown: written or not.
      if (rng.chance(0.5)) log.push({ key, value, aborted: false });
    } else if (roll < 0.1) {
      log.push({ key, value, aborted: true });
      recorder.complete(handle, 'aborted', p, log.length - 1);
    } else {
      log.push({ key, value, aborted: false });
      recorder.complete(handle, 'ok', p, log.length - 1);
    }
    if (rng.chance(0.3)) pollOnce(rng.int(partitions));
    if (rng.chance(0.01)) {
      // A rebalance: each partition may move, and its new owner starts from the committed offset.
      for (let q = 0; q < partitions; q++) {
        if (!rng.chance(0.5)) continue;
        owner[q] = rng.int(consumers);
        position[q] = committed[q] as number;
        fresh[q] = true;
      }
    }
  }
  // The final drain: every partition read to its end.
  for (let p = 0; p < partitions; p++) {
    let guard = (logs[p] as Stored[]).length + 1;
    while ((position[p] as number) < (logs[p] as Stored[]).length && guard-- > 0) pollOnce(p);
  }
  return recorder.history();
}

/** A cheap deterministic key → partition map (FNV-1a), enough for generated histories. */
function keyPartition(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}
