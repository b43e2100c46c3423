/**
 * What NATS's documentation promises about a replicated JetStream stream, each beside the figure a
 * run measured. The promises are paraphrased from docs.nats.io (JetStream concepts: replication,
 * message deduplication, consumers and acknowledgements; the `sync_interval` server setting).
 */
import type { JetStreamReport } from './jetstream';

export interface JetStreamPromise {
  readonly promise: string;
  /** What the run measured for it, in one phrase. */
  measured(report: JetStreamReport): string;
  /** Whether the run contradicts the promise; undefined when the run cannot tell. */
  broken(report: JetStreamReport): boolean | undefined;
}

export const jetstreamPromises: readonly JetStreamPromise[] = [
  {
    promise:
      'a publish is acknowledged once a quorum of the R3 stream stored it, so losing a minority loses no acknowledged message',
    measured: (r) => `${r.acknowledgedLost} of ${r.sends.ok} acknowledged publishes missing after healing`,
    broken: (r) => r.acknowledgedLost > 0,
  },
  {
    promise: 'publishes carrying the same Nats-Msg-Id within the duplicate window are stored once',
    measured: (r) => `${r.duplicatesStored} values stored twice`,
    broken: (r) => r.duplicatesStored > 0,
  },
  {
    promise:
      'an explicit-ack consumer delivers every message at least once; an unacknowledged one is redelivered after AckWait',
    measured: (r) =>
      `${r.duplicatesDelivered} redeliveries to the worker group (allowed: at least once, not exactly once)`,
    broken: () => false,
  },
  {
    promise:
      "a stream is a log in the order it stored messages (measured: whether one producer's publishes of a key, several in flight on one connection, kept the order it sent them)",
    measured: (r) => `${r.orderViolations} pairs of one producer's publishes of a key stored out of order`,
    broken: (r) => r.orderViolations > 0,
  },
  {
    promise:
      'file storage is fsynced every sync_interval (2 minutes by default), not per message: an OS crash or power loss, unlike a process kill, can lose acknowledged messages',
    measured: () =>
      'not measured: the nemesis kills processes, and the page cache keeps what they wrote (power loss is not simulated)',
    broken: () => undefined,
  },
];
