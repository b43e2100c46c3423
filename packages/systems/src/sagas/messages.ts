/** What the saga nodes send each other: plain data. */
import type { Reply } from './ledger';

export type SagaMessage =
  /** Client → orchestrator: run this saga (retried until `started`). */
  | { readonly type: 'start'; readonly saga: string }
  | { readonly type: 'started'; readonly saga: string }
  /** The orchestrator has too many sagas in flight: try again later. */
  | { readonly type: 'busy'; readonly saga: string }
  /**
   * A request to a service. `key` is the idempotency key (saga id + operation): a request without one is
   * applied every time it arrives. `call` lets a caller that sends without a key match the reply.
   */
  | {
      readonly type: 'do';
      readonly saga: string;
      readonly op: string;
      readonly key?: string;
      readonly call?: number;
    }
  | {
      readonly type: 'done';
      readonly saga: string;
      readonly op: string;
      readonly key?: string;
      readonly call?: number;
      readonly reply: Reply;
    }
  /** Choreography: a domain event, delivered at least once (retried until `event-ack`). */
  | { readonly type: 'event'; readonly id: string; readonly saga: string; readonly name: string }
  | { readonly type: 'event-ack'; readonly id: string };
