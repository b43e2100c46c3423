/** The deliberately broken variants of the saga system; each trips exactly one check (see index.ts). */
export const sagaMutants = [
  /** A refund that ignores its idempotency key: a redelivered refund pays out again. */
  'refund-not-idempotent',
  /** A cancel (release) with nothing to undo leaves no tombstone: a late reserve then holds stock forever. */
  'cancel-no-tombstone',
  /** The orchestrator syncs its log on a timer instead of before it sends: a crash forgets what it sent. */
  'persist-after-send',
  /** The orchestrator sends the charge without an idempotency key: a retry charges again. */
  'charge-without-key',
  /** The orchestrator gives up on any step that times out, even after the pivot, and compensates. */
  'compensate-after-pivot',
  /** Choreography: payment reacts to OrderCreated beside inventory instead of to StockReserved. */
  'payment-on-order-created',
  /** Inventory lets a reservation lapse after 40 ms, whether or not the saga has charged against it. */
  'reservation-expires',
] as const;

export type SagaMutant = (typeof sagaMutants)[number];
