/** What clients, servers and the central limiter send each other: plain, serializable data. */
import type { GateDecision } from './gate';

export type RateMessage =
  /** A client's request to a server. */
  | {
      readonly type: 'req';
      readonly id: number;
      readonly tenant: string;
      readonly endpoint: string;
      readonly cost: number;
    }
  /** The server's answer: 200 or 429 with what the headers would carry; `unavailable` when the limiter did not answer. */
  | {
      readonly type: 'res';
      readonly id: number;
      readonly admitted: boolean;
      readonly unavailable: boolean;
      readonly limit: number;
      readonly remaining: number;
      readonly retryAfterMs: number;
    }
  /** A server asks the central limiter to decide (and charge) one request atomically. */
  | {
      readonly type: 'check';
      readonly id: number;
      readonly tenant: string;
      readonly endpoint: string;
      readonly cost: number;
    }
  | { readonly type: 'verdict'; readonly id: number; readonly decision: GateDecision }
  /** Synced mode: a server reports its count of the current window; the coordinator answers with the others' total. */
  | { readonly type: 'report'; readonly window: number; readonly count: number }
  | { readonly type: 'sync'; readonly window: number; readonly others: number };
