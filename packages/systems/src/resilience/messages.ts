/** What clients and services send each other: plain, serializable data. */

/** How a call ended, as the caller saw it. */
export const outcomes = [
  'ok',
  /** The callee answered with an error (5xx). */
  'error',
  /** The callee refused it at the door: queue full or over its concurrency limit (503, fast). */
  'shed',
  /** The callee said the request itself is bad (4xx): retrying cannot help. */
  'bad-request',
  /** No answer within the caller's timeout. */
  'timeout',
  /** The caller's breaker was open: nothing was sent. */
  'breaker-open',
  /** The caller's bulkhead for that dependency was full: nothing was sent. */
  'bulkhead-full',
  /** Every instance was ejected as an outlier: nothing was sent. */
  'no-instance',
] as const;
export type Outcome = (typeof outcomes)[number];

export type ResilienceMessage =
  | {
      readonly type: 'call';
      readonly id: number;
      /** Which path through the graph this request takes (each service maps a route to its calls). */
      readonly route: string;
      /** A request the callee will reject as malformed, whatever its health. */
      readonly bad: boolean;
    }
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly status: 'ok' | 'error' | 'shed' | 'bad-request';
    };
