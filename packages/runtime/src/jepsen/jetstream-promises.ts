/**
 * What NATS's documentation promises about a replicated JetStream stream, each beside the figure a
 * run measured. The promises are paraphrased from docs.nats.io (JetStream concepts: replication,
 * message deduplication, consumers and acknowledgements (AckAck, max_ack_pending, delivery counts);
 * the `sync_interval` server setting).
 */
import type { JetStreamReport } from './jetstream';

export interface JetStreamPromise {
  readonly promise: string;
  /** What the run measured for it, in one phrase. */
  measured(report: JetStreamReport): string;
  /** Whether the run contradicts the promise; undefined when the run cannot tell. */
  broken(report: JetStreamReport): boolean | undefined;
  /**
   * Kept by the consumer's replicated state (delivery counts, acks, its place in the stream), which a
   * consumer leader's death can roll back: measured, and on nats-server 2.9.10 broken now and then
   * under kill -9 (a 20 s run: 2 deliveries repeated with delivery count 1, 2 redelivered after a
   * confirmed ack), so a short run cannot promise a verdict either way.
   */
  readonly consumerState?: boolean;
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
      'an explicit-ack consumer delivers every message of its stream at least once to the workers sharing it; an unacknowledged one is redelivered after AckWait',
    measured: (r) =>
      `${r.undelivered} stream messages never delivered to the worker group after it drained the consumer; ` +
      `${r.redeliveries} redeliveries (allowed: at least once, not exactly once)`,
    broken: (r) => r.undelivered > 0,
  },
  {
    promise:
      'each delivery of a message carries a delivery count one higher than the last, so a second copy is always a counted redelivery',
    measured: (r) => `${r.duplicateDeliveries} messages handed out twice with the same delivery count`,
    broken: (r) => r.duplicateDeliveries > 0,
    consumerState: true,
  },
  {
    promise:
      'a double ack (AckAck) returns once the server has the ack, after which the message is not delivered again',
    measured: (r) =>
      `${r.redeliveredAfterAck} deliveries fetched after the server confirmed the message's ack ` +
      `(${r.acks.confirmed} of ${r.acks.sent} acks confirmed)`,
    broken: (r) => r.redeliveredAfterAck > 0,
    consumerState: true,
  },
  {
    promise:
      'with max_ack_pending 1 the consumer hands out one message at a time, in stream order (measured per key across the workers)',
    measured: (r) =>
      r.maxAckPending === 1
        ? `${r.deliveryOrderViolations} deliveries of a key after a later message of that key`
        : `not measured: max_ack_pending is ${r.maxAckPending}, which promises no order across redeliveries`,
    broken: (r) => (r.maxAckPending === 1 ? r.deliveryOrderViolations > 0 : undefined),
    consumerState: true,
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
