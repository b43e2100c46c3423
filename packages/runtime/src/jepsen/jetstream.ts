/**
 * A Jepsen-style test of NATS JetStream, judged by the log checker that judges dslab's own log: three
 * nats-server processes clustered on loopback behind fault proxies, one stream with three replicas,
 * producers publishing keyed messages (each with its value as `Nats-Msg-Id`, several in flight), a
 * group of workers sharing one durable pull consumer with explicit acks, the nemesis on the real
 * processes, then heal and a final read of the whole stream in order. Driven through the official
 * `@nats-io/jetstream` client.
 */
import { checkLog, LogRecorder, type LogCheckResult, type LogHistory, type ReadRecord } from '@dslab/check';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  StorageType,
  type Consumer,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, NoRespondersError, type NatsConnection } from '@nats-io/transport-node';
import { existsSync } from 'node:fs';
import { NatsCluster, natsServerBinary } from '../real/nats-cluster';
import { Nemesis, type FaultWindow, type NemesisKind } from './nemesis';

export const JETSTREAM_STREAM = 'DSLAB';
const SUBJECT_PREFIX = 'dslab.';
const GROUP = 'workers';
/** Each worker's fetch: at most this many messages, waiting at most this long. */
const FETCH = { max_messages: 50, expires: 1_000 };
const PUBLISH_TIMEOUT_MS = 2_000;
/** Unacknowledged messages the durable consumer hands out before it waits (bounds each worker's batch). */
const MAX_ACK_PENDING = 1_000;

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
  readonly log?: (line: string) => void;
  readonly progress?: (fraction: number, operations: number) => void;
}

export interface JetStreamReport {
  readonly nemesis: NemesisKind | 'none';
  readonly durationMs: number;
  readonly faults: readonly FaultWindow[];
  readonly sends: { readonly ok: number; readonly fail: number; readonly unknown: number };
  readonly okPerSecond: number;
  readonly publishLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Acknowledged publishes absent from the stream read back in full after healing. */
  readonly acknowledgedLost: number;
  /** One published value stored at two sequence numbers (Nats-Msg-Id did not deduplicate it). */
  readonly duplicatesStored: number;
  /** Messages the worker group was handed again after it had already been handed them. */
  readonly duplicatesDelivered: number;
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
  stopped: boolean;
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

/** One worker: fetch a batch, record it as processed, then acknowledge each message (at least once). */
async function work(run: Run, js: JetStreamClient, id: string) {
  // Looked up once (an API request), and again only after a failure: a fault may have moved it.
  let consumer: Consumer | undefined;
  while (!run.stopped && Date.now() < run.until) {
    try {
      consumer ??= await js.consumers.get(JETSTREAM_STREAM, GROUP);
      const batch = await consumer.fetch(FETCH);
      const messages: JsMsg[] = [];
      for await (const m of batch) messages.push(m);
      if (messages.length === 0) continue;
      // The workers share the group's one consumer, which hands each message to any of them in no
      // promised order: every message is recorded as a read of its own (reset), so skips and steps back
      // between them are not findings, while redelivery is still judged across the group.
      for (const m of messages)
        run.recorder.poll(id, JETSTREAM_STREAM, 0, [toRecord(m)], { group: GROUP, reset: true });
      for (const m of messages) m.ack();
    } catch {
      consumer = undefined;
      await sleep(100);
    }
  }
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
  const cluster = await NatsCluster.start({ nodes: 3, ...(options.log ? { log: options.log } : {}) });
  const connections: NatsConnection[] = [];
  try {
    const admin = await connectTo(cluster.servers, 'dslab-admin');
    connections.push(admin);
    const jsm = await jetstreamManager(admin);
    await jsm.streams.add({
      name: JETSTREAM_STREAM,
      subjects: [`${SUBJECT_PREFIX}>`],
      num_replicas: 3,
      storage: StorageType.File,
      duplicate_window: nanos(120_000),
    });
    await jsm.consumers.add(JETSTREAM_STREAM, {
      durable_name: GROUP,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackWaitMs ?? 3_000),
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: MAX_ACK_PENDING,
    });
    const started = Date.now();
    const run: Run = {
      recorder: new LogRecorder(),
      latencies: [],
      until: started + options.timeMs,
      stopped: false,
    };
    const clients: Promise<void>[] = [];
    for (let i = 0; i < producers; i++) {
      const nc = await connectTo(cluster.servers, `producer-${i}`);
      connections.push(nc);
      clients.push(produce(run, jetstream(nc), `p${i}`, keys, inFlight));
    }
    for (let i = 0; i < workers; i++) {
      const nc = await connectTo(cluster.servers, `worker-${i}`);
      connections.push(nc);
      clients.push(work(run, jetstream(nc), `w${i}`));
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

    // After healing: wait for the cluster, then read the stream back whole.
    await cluster.waitReady(30_000);
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
      duplicatesDelivered: check.stats.redelivered,
      orderViolations: check.counts.order,
      streamLastSeq: lastSeq,
      finalRead,
      check,
      history,
    };
  } finally {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await cluster.stop();
  }
}
