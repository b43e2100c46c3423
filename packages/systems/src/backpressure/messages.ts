/** What the producer and the server send each other: plain, serializable data. */

export type Priority = 'high' | 'low';

/** Why the server answered without doing the work. */
export type Refusal =
  /** the queue was at its bound when the request arrived */
  | 'full'
  /** a queued low-priority request pushed out to make room for a high-priority one */
  | 'evicted'
  /** the request waited past its timeout, so the server discarded it instead of working on it */
  | 'expired';

export type BackpressureMessage =
  /** One attempt of a request. `timeoutMs` lets the server drop work nobody waits for any more. */
  | {
      readonly type: 'request';
      readonly id: number;
      readonly attempt: number;
      readonly priority: Priority;
      readonly timeoutMs: number;
    }
  /** The answer to one attempt, with the queue depth piggybacked: the producer's backpressure signal. */
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly attempt: number;
      readonly outcome: 'done' | Refusal;
      readonly depth: number;
    };
