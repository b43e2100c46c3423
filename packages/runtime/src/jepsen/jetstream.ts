/**
 * A Jepsen-style test of NATS JetStream, judged by the log checker that judges dslab's own log: three
 * nats-server processes clustered on loopback behind fault proxies, one stream with three replicas,
 * producers publishing keyed messages (each with its value as `Nats-Msg-Id`, several in flight), a
 * group of workers sharing one durable pull consumer with explicit acks, the nemesis on the real
 * processes, then heal and a final read of the whole stream in order. Driven through the official
 * `@nats-io/jetstream` client.
 */
import {
  checkLog,
  LogRecorder,
  type LogCheckResult,
  type LogHistory,
  type ReadRecord,
  type SharedConsumer,
} from '@dslab/check';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  StorageType,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, NoRespondersError, type NatsConnection } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { NatsCluster, natsServerBinary } from '../real/nats-cluster';
import { Nemesis, type FaultWindow, type NemesisKind } from './nemesis';

export const JETSTREAM_STREAM = 'DSLAB';
const SUBJECT_PREFIX = 'dslab.';
const GROUP = 'workers';
/** Each worker's fetch: at most this many messages (and no more than max_ack_pending), waiting at most this long. */
const FETCH = { max_messages: 50, expires: 1_000 };
const PUBLISH_TIMEOUT_MS = 2_000;
/** How long a worker waits for the server to confirm an ack (`ackAck`) before calling its outcome unknown. */
const ACK_TIMEOUT_MS = 2_000;
/** Unacknowledged messages the durable consumer hands out before it waits (bounds each worker's batch). */
const MAX_ACK_PENDING = 1_000;
/**
 * After healing, the workers drain the consumer (nothing pending, nothing unacknowledged); the drain
 * fails after this long without the consumer's ack floor moving.
 */
const DRAIN_STALL_MS = 30_000;

export interface JetStreamTestOptions {
  readonly timeMs: number;
  /** One fault kind, or none for a baseline. */
  readonly nemesis: NemesisKind | 'none';
  readonly producers?: number;
  readonly workers?: number;
  readonly keys?: number;
  /** Publishes each producer keeps in flight (several in flight is what can reorder a key). */
  readonly inFlight?: number;
  /** How long a worker's message may stay unacknowledged before JetStream redelivers it. */
  readonly ackWaitMs?: number;
  /**
   * The consumer's max_ack_pending (1,000 by default). 1 makes JetStream hand out one message at a
   * time, in stream order: the history then declares the consumer ordered and per-key delivery
   * order is judged.
   */
  readonly maxAckPending?: number;
  readonly log?: (line: string) => void;
  readonly progress?: (fraction: number, operations: number) => void;
}

export interface JetStreamReport {
  readonly nemesis: NemesisKind | 'none';
  /** The shared consumer's max_ack_pending (1: one message at a time, in order). */
  readonly maxAckPending: number;
  readonly durationMs: number;
  readonly faults: readonly FaultWindow[];
  readonly sends: { readonly ok: number; readonly fail: number; readonly unknown: number };
  readonly okPerSecond: number;
  readonly publishLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Acknowledged publishes absent from the stream read back in full after healing. */
  readonly acknowledgedLost: number;
  /** One published value stored at two sequence numbers (Nats-Msg-Id did not deduplicate it). */
  readonly duplicatesStored: number;
  /** Deliveries to the worker group that were redeliveries with a reason (the broker's delivery count above 1). */
  readonly redeliveries: number;
  /** Stream messages the shared consumer never delivered to the worker group, though drained. */
  readonly undelivered: number;
  /** A message handed to the group twice with the same delivery count (no redelivery explains it). */
  readonly duplicateDeliveries: number;
  /** A message handed again after the server had confirmed its ack. */
  readonly redeliveredAfterAck: number;
  /** With max_ack_pending 1: a key's message delivered after a later one of that key. */
  readonly deliveryOrderViolations: number;
  /** Acks the server confirmed, of all the workers sent. */
  readonly acks: { readonly confirmed: number; readonly sent: number };
  /** A producer's two acknowledged publishes of one key stored in the other order. */
  readonly orderViolations: number;
  /** The stream's last sequence after healing, and how many messages the final read found. */
  readonly streamLastSeq: number;
  readonly finalRead: number;
  readonly check: LogCheckResult;
  readonly history: LogHistory;
}

/** Why JetStream cannot be tested here, or undefined. */
export function jetstreamMissing(): string | undefined {
  return existsSync(natsServerBinary)
    ? undefined
    : `nats-server is not installed (${natsServerBinary} is missing; apt-get install nats-server, or run npm test as root)`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers a JetStream cluster gives while it is still settling after a start or a heal. */
const settling = /no suitable peers|timeout/i;

/** Runs `request` until it succeeds, retrying only while the cluster answers that it is settling. */
async function retryWhileSettling<T>(request: () => Promise<T>, maxMs = 45_000): Promise<T> {
  const until = Date.now() + maxMs;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if (!settling.test((error as Error).message) || Date.now() > until) throw error;
      await sleep(250);
    }
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** A refusal the server (or the absence of any stream listener) gave: the message was not stored. */
function definitelyRefused(error: unknown): boolean {
  return error instanceof NoRespondersError || error instanceof JetStreamApiError;
}

async function connectTo(servers: readonly string[], name: string): Promise<NatsConnection> {
  return connect({
    servers: [...servers],
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 5_000,
    pingInterval: 2_000,
  });
}

interface Run {
  readonly recorder: LogRecorder;
  readonly latencies: number[];
  readonly until: number;
  /** Producers stop at `until` or when this is set. */
  stopped: boolean;
  /** Workers keep fetching (through the drain) until this is set. */
  drained: boolean;
  readonly consumer: SharedConsumer;
  readonly fetch: { readonly max_messages: number; readonly expires: number };
}

async function produce(run: Run, js: JetStreamClient, id: string, keys: number, inFlight: number) {
  let n = 0;
  const one = async (): Promise<void> => {
    const key = `k${Math.floor(Math.random() * keys)}`;
    const value = `${id}-${n++}`;
    const handle = run.recorder.send(id, JETSTREAM_STREAM, key, value, 0);
    const started = performance.now();
    try {
      const ack = await js.publish(SUBJECT_PREFIX + key, value, {
        msgID: value,
        timeout: PUBLISH_TIMEOUT_MS,
      });
      run.latencies.push(performance.now() - started);
      run.recorder.complete(handle, 'ok', 0, ack.seq);
    } catch (error) {
      run.recorder.complete(handle, definitelyRefused(error) ? 'fail' : 'unknown');
      await sleep(50); // an election or a reconnect is under way: do not spin
    }
  };
  const lanes = Array.from({ length: inFlight }, async () => {
    while (!run.stopped && Date.now() < run.until) await one();
  });
  await Promise.all(lanes);
}

function toRecord(m: JsMsg): ReadRecord {
  return { offset: m.seq, key: m.subject.slice(SUBJECT_PREFIX.length), value: m.string() };
}

/**
 * One worker of the shared consumer: fetch a batch, record it as a poll of the consumer (placed where
 * the fetch was invoked, with each message's delivery count), then ack each message with a
 * confirmation from the server (at least once), recording each ack's outcome.
 */
async function work(run: Run, js: JetStreamClient, id: string) {
  // Looked up once (an API request), and again only after a failure: a fault may have moved it.
  let consumer: Consumer | undefined;
  while (!run.drained) {
    const messages: JsMsg[] = [];
    let invoked = run.recorder.size;
    try {
      consumer ??= await js.consumers.get(JETSTREAM_STREAM, GROUP);
      invoked = run.recorder.size;
      const batch = await consumer.fetch(run.fetch);
      for await (const m of batch) messages.push(m);
    } catch {
      consumer = undefined;
      if (messages.length === 0) {
        await sleep(100);
        continue;
      }
      // The fetch broke after handing over some messages: they are this worker's, processed below.
    }
    if (messages.length === 0) continue;
    run.recorder.poll(
      id,
      JETSTREAM_STREAM,
      0,
      messages.map((m) => ({ ...toRecord(m), delivery: m.info.deliveryCount })),
      { consumer: run.consumer, invoked },
    );
    await Promise.all(
      messages.map(async (m) => {
        let outcome: 'ok' | 'unknown' = 'unknown';
        try {
          if (await m.ackAck({ timeout: ACK_TIMEOUT_MS })) outcome = 'ok';
        } catch {
          // No confirmation in time (or the connection broke): the ack may or may not have landed.
        }
        run.recorder.ack(id, GROUP, JETSTREAM_STREAM, m.string(), 'ack', outcome);
      }),
    );
  }
}

/**
 * Waits until the consumer has delivered the whole stream and has every delivery acknowledged, twice in
 * a row: right after healing, a server that was cut off may still answer as the consumer's leader with
 * its stale state (nothing pending), so the stream's last sequence (at least the highest sequence a
 * publish was acknowledged at) must be under its ack floor too.
 */
async function drain(jsm: JetStreamManager, highestAcked: number, stallMs: number): Promise<void> {
  // Gives up only after `stallMs` without the ack floor moving (one message at a time drains slowly).
  let until = Date.now() + stallMs;
  let floor = -1;
  let last = 'no answer';
  let settled = 0;
  while (Date.now() < until) {
    try {
      const stream = await jsm.streams.info(JETSTREAM_STREAM);
      const info = await jsm.consumers.info(JETSTREAM_STREAM, GROUP);
      const done =
        stream.state.last_seq >= highestAcked &&
        info.num_pending === 0 &&
        info.num_ack_pending === 0 &&
        info.delivered.stream_seq >= stream.state.last_seq &&
        info.ack_floor.stream_seq >= stream.state.last_seq;
      settled = done ? settled + 1 : 0;
      if (settled >= 2) return;
      if (info.ack_floor.stream_seq > floor) {
        floor = info.ack_floor.stream_seq;
        until = Date.now() + stallMs;
      }
      last =
        `${info.num_pending} pending, ${info.num_ack_pending} unacknowledged, ack floor ` +
        `${info.ack_floor.stream_seq} of ${stream.state.last_seq}`;
    } catch (error) {
      settled = 0;
      last = String(error); // the stream's or the consumer's group may still be electing
    }
    await sleep(500);
  }
  throw new Error(
    `the workers did not drain the consumer (no progress in ${stallMs} ms; ${last}): undelivered messages cannot be judged`,
  );
}

/** Reads the whole stream from sequence 1 in order (an ordered consumer) up to its last sequence. */
async function readAll(recorder: LogRecorder, js: JetStreamClient, lastSeq: number, maxMs: number) {
  let read = 0;
  let highest = 0;
  const until = Date.now() + maxMs;
  const consumer = await js.consumers.get(JETSTREAM_STREAM, { deliver_policy: DeliverPolicy.All });
  while (highest < lastSeq && Date.now() < until) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
    const records: ReadRecord[] = [];
    for await (const m of batch) {
      records.push(toRecord(m));
      if (m.seq > highest) highest = m.seq;
    }
    if (records.length > 0) recorder.poll('final-read', JETSTREAM_STREAM, 0, records);
    read += records.length;
  }
  if (highest < lastSeq)
    throw new Error(
      `the final read reached sequence ${highest} of ${lastSeq} in ${maxMs} ms: lost writes cannot be judged`,
    );
  return read;
}

export async function runJetStreamTest(options: JetStreamTestOptions): Promise<JetStreamReport> {
  const missing = jetstreamMissing();
  if (missing !== undefined) throw new Error(missing);
  const producers = options.producers ?? 3;
  const workers = options.workers ?? 3;
  const keys = options.keys ?? 8;
  const inFlight = options.inFlight ?? 4;
  const maxAckPending = options.maxAckPending ?? MAX_ACK_PENDING;
  if (!(Number.isSafeInteger(maxAckPending) && maxAckPending >= 1))
    throw new Error(`maxAckPending must be a positive integer, got ${maxAckPending}`);
  const cluster = await NatsCluster.start({ nodes: 3, ...(options.log ? { log: options.log } : {}) });
  const connections: NatsConnection[] = [];
  let running: Run | undefined;
  try {
    const admin = await connectTo(cluster.servers, 'dslab-admin');
    connections.push(admin);
    const jsm = await jetstreamManager(admin);
    // The meta leader hears from every peer by now (NatsCluster.waitReady), but places a stream by the
    // servers' periodic statistics, which can come later: until then an R3 stream is refused with "no
    // suitable peers for placement". The consumer then waits for the new stream's own leader, which on
    // a loaded machine outlasted the client's 5 s request timeout. Both requests are idempotent (the
    // same name and configuration), so each is retried on those two answers alone, for up to 45 s.
    await retryWhileSettling(() =>
      jsm.streams.add({
        name: JETSTREAM_STREAM,
        subjects: [`${SUBJECT_PREFIX}>`],
        num_replicas: 3,
        storage: StorageType.File,
        duplicate_window: nanos(120_000),
      }),
    );
    await retryWhileSettling(() =>
      jsm.consumers.add(JETSTREAM_STREAM, {
        durable_name: GROUP,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(options.ackWaitMs ?? 3_000),
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: maxAckPending,
      }),
    );
    const started = Date.now();
    const run: Run = {
      recorder: new LogRecorder(),
      latencies: [],
      until: started + options.timeMs,
      stopped: false,
      drained: false,
      consumer: { kind: 'shared', name: GROUP, ...(maxAckPending === 1 ? { ordered: true } : {}) },
      fetch: { ...FETCH, max_messages: Math.min(FETCH.max_messages, maxAckPending) },
    };
    running = run;
    const clients: Promise<void>[] = [];
    const workerRuns: Promise<void>[] = [];
    for (let i = 0; i < producers; i++) {
      const nc = await connectTo(cluster.servers, `producer-${i}`);
      connections.push(nc);
      clients.push(produce(run, jetstream(nc), `p${i}`, keys, inFlight));
    }
    for (let i = 0; i < workers; i++) {
      const nc = await connectTo(cluster.servers, `worker-${i}`);
      connections.push(nc);
      workerRuns.push(work(run, jetstream(nc), `w${i}`));
    }
    const nemesis = new Nemesis(
      cluster,
      options.nemesis === 'none' ? [] : [options.nemesis],
      () => Date.now() - started,
    );
    const faults = nemesis.run();
    const ticker = setInterval(
      () => options.progress?.(Math.min(1, (Date.now() - started) / options.timeMs), run.recorder.size),
      1_000,
    );
    await sleep(options.timeMs);
    nemesis.stop();
    await faults;
    nemesis.healAll();
    run.stopped = true;
    clearInterval(ticker);
    await Promise.all(clients);
    const durationMs = Date.now() - started;

    // After healing: wait for the cluster, let the workers drain the consumer, then read the stream
    // back whole.
    await cluster.waitReady(30_000);
    try {
      let highestAcked = 0;
      for (const op of run.recorder.history())
        if (op.type === 'send' && op.offset !== undefined && op.offset > highestAcked)
          highestAcked = op.offset;
      await drain(jsm, highestAcked, DRAIN_STALL_MS + (options.ackWaitMs ?? 3_000));
    } finally {
      run.drained = true;
      await Promise.all(workerRuns);
    }
    const js = jetstream(admin, { timeout: 5_000 });
    let lastSeq = 0;
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        lastSeq = (await jsm.streams.info(JETSTREAM_STREAM)).state.last_seq;
        break;
      } catch {
        await sleep(500); // the stream's own group may still be electing
      }
    }
    const finalRead = await readAll(run.recorder, js, lastSeq, 30_000);
    const history = run.recorder.history();
    const check = checkLog(history, { drained: true });
    const latencies = run.latencies.sort((a, b) => a - b);
    const round = (ms: number) => Number(ms.toFixed(2));
    return {
      nemesis: options.nemesis,
      maxAckPending,
      durationMs,
      faults: nemesis.windows,
      sends: { ok: check.stats.sends.ok, fail: check.stats.sends.fail, unknown: check.stats.sends.unknown },
      okPerSecond: Math.round(check.stats.sends.ok / (durationMs / 1000)),
      publishLatencyMs: {
        p50: round(percentile(latencies, 0.5)),
        p99: round(percentile(latencies, 0.99)),
        max: round(latencies[latencies.length - 1] ?? 0),
      },
      acknowledgedLost: check.counts.lost,
      duplicatesStored: check.counts.duplicate,
      redeliveries: check.stats.shared.redeliveries,
      undelivered: check.counts.undelivered,
      duplicateDeliveries: check.counts['duplicate-delivery'],
      redeliveredAfterAck: check.counts['redelivered-after-ack'],
      deliveryOrderViolations: check.counts['delivery-order'],
      acks: { confirmed: check.stats.shared.confirmed, sent: check.stats.shared.acks },
      orderViolations: check.counts.order,
      streamLastSeq: lastSeq,
      finalRead,
      check,
      history,
    };
  } finally {
    if (running) {
      // A run that failed part-way must not leave clients working against a closed cluster.
      running.stopped = true;
      running.drained = true;
    }
    for (const nc of connections) await nc.close().catch(() => undefined);
    await cluster.stop();
  }
}
