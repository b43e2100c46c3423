/**
 * Valid histories of a shared (queue-style) consumer from a seed, as a correct broker and correct
 * workers would produce them: keyed sends to one topic (some failed, some unknown and written or
 * not), workers whose fetches are invoked and complete interleaved, each message handed to one worker
 * and handed again (with its delivery count) after a nak, a lost ack or a crashed worker, acks
 * confirmed or not, terms; with `ordered`, at most one message unsettled at a time (JetStream's
 * max_ack_pending=1). Ends with the workers draining the consumer and one plain read of the whole topic.
 */
import { Rng } from '@dslab/sim';
import { LogRecorder } from './recorder';
import type { LogHistory, ReadRecord, SharedConsumer } from './types';

export interface SharedGenerateOptions {
  readonly seed: number;
  readonly sends: number;
  readonly workers?: number;
  readonly keys?: number;
  /** Largest batch a fetch returns. */
  readonly maxBatch?: number;
  readonly ordered?: boolean;
  /** Record the broker's delivery count on each delivery (true by default). */
  readonly counts?: boolean;
  readonly topic?: string;
  readonly consumer?: string;
}

const NEW = 0;
const PENDING = 1;
const REDELIVER = 2;
const DONE = 3;

interface Worker {
  readonly id: string;
  /** The history's size when its fetch was invoked, or -1 when idle. */
  invoked: number;
  /** Offsets it holds, delivered and not yet settled. */
  holding: number[];
}

export function generateSharedLogHistory(options: SharedGenerateOptions): LogHistory {
  const rng = new Rng(options.seed);
  const topic = options.topic ?? 's';
  const keys = options.keys ?? 6;
  const maxBatch = options.ordered ? 1 : (options.maxBatch ?? 5);
  const counts = options.counts ?? true;
  const consumer: SharedConsumer = {
    kind: 'shared',
    name: options.consumer ?? 'queue',
    ...(options.ordered ? { ordered: true } : {}),
  };
  const recorder = new LogRecorder();
  const log: { key: string | null; value: string }[] = [];
  const state: number[] = [];
  const deliveries: number[] = [];
  const redeliver: number[] = [];
  let redeliverHead = 0;
  let next = 0;
  let pending = 0;
  const workers: Worker[] = Array.from({ length: options.workers ?? 3 }, (_, i) => ({
    id: `w${i}`,
    invoked: -1,
    holding: [],
  }));

  const complete = (worker: Worker): void => {
    const records: ReadRecord[] = [];
    while (records.length < maxBatch && !(options.ordered && pending > 0)) {
      let offset: number;
      if (redeliverHead < redeliver.length) offset = redeliver[redeliverHead++] as number;
      else if (next < log.length) offset = next++;
      else break;
      state[offset] = PENDING;
      pending++;
      deliveries[offset] = (deliveries[offset] as number) + 1;
      const stored = log[offset] as { key: string | null; value: string };
      records.push({
        offset,
        key: stored.key,
        value: stored.value,
        ...(counts ? { delivery: deliveries[offset] as number } : {}),
      });
      worker.holding.push(offset);
    }
    if (records.length > 0)
      recorder.poll(worker.id, topic, 0, records, { consumer, invoked: worker.invoked });
    worker.invoked = -1;
  };

  /** Settles what the worker holds; `clean` acks every message with a confirmation (the drain). */
  const settle = (worker: Worker, clean: boolean): void => {
    for (const offset of worker.holding) {
      const value = (log[offset] as { value: string }).value;
      const roll = clean ? 0 : rng.next();
      pending--;
      let done = true;
      if (roll < 0.7) recorder.ack(worker.id, consumer.name, topic, value, 'ack', 'ok');
      else if (roll < 0.78) recorder.ack(worker.id, consumer.name, topic, value, 'ack', 'unknown');
      else if (roll < 0.84) {
        // An ack the broker never got: the message comes back after its ack wait.
        recorder.ack(worker.id, consumer.name, topic, value, 'ack', 'unknown');
        done = false;
      } else if (roll < 0.9) {
        recorder.ack(worker.id, consumer.name, topic, value, 'nak', rng.chance(0.5) ? 'ok' : 'unknown');
        done = false;
      } else if (roll < 0.93) recorder.ack(worker.id, consumer.name, topic, value, 'term', 'ok');
      else done = false; // the worker crashed holding it: redelivered after its ack wait
      state[offset] = done ? DONE : REDELIVER;
      if (!done) redeliver.push(offset);
    }
    worker.holding = [];
  };

  const step = (worker: Worker, clean: boolean): void => {
    if (worker.holding.length > 0) settle(worker, clean);
    else if (worker.invoked < 0) worker.invoked = recorder.size;
    else complete(worker);
  };

  for (let i = 0; i < options.sends; i++) {
    const key = rng.chance(0.1) ? null : `k${rng.int(keys)}`;
    const value = `s${i}`;
    const handle = recorder.send(`p${rng.int(2)}`, topic, key, value, 0);
    const roll = rng.next();
    if (roll < 0.04) recorder.complete(handle, 'fail');
    else if (roll < 0.1) {
      if (rng.chance(0.5)) {
        log.push({ key, value });
        state.push(NEW);
        deliveries.push(0);
      }
    } else {
      log.push({ key, value });
      state.push(NEW);
      deliveries.push(0);
      recorder.complete(handle, 'ok', 0, log.length - 1);
    }
    const moves = rng.int(3);
    for (let m = 0; m < moves; m++) step(workers[rng.int(workers.length)] as Worker, false);
  }
  // The drain: every worker fetches and acks (confirmed) until nothing is left unsettled.
  let guard = 4 * (log.length + 1) * (workers.length + 1);
  while ((next < log.length || redeliverHead < redeliver.length || pending > 0) && guard-- > 0)
    for (const worker of workers) step(worker, true);
  for (const worker of workers) if (worker.holding.length > 0) settle(worker, true);
  const records: ReadRecord[] = log.map((stored, offset) => ({ offset, ...stored }));
  recorder.poll('final-read', topic, 0, records, { reset: true });
  return recorder.history();
}
