/** What clock nodes send each other. Every message carries the logical stamps of its send event. */
import type { HlcStamp } from './hlc';
import type { LwwWrite } from './lww';
import type { Vector } from './vector';

export interface Stamps {
  readonly lamport: number;
  readonly vector: Vector;
  readonly hlc: HlcStamp;
}

export type ClockMessage =
  | { readonly type: 'ntp-request'; readonly request: number; readonly t1: number; readonly stamps: Stamps }
  | {
      readonly type: 'ntp-response';
      readonly request: number;
      readonly t1: number;
      readonly t2: number;
      readonly t3: number;
      readonly stamps: Stamps;
    }
  | { readonly type: 'write'; readonly write: LwwWrite; readonly stamps: Stamps }
  | { readonly type: 'gossip'; readonly writes: readonly LwwWrite[]; readonly stamps: Stamps }
  | { readonly type: 'ping'; readonly stamps: Stamps }
  /** A commit finished here: a peer that hears of it may start one of its own (a real-time chain). */
  | { readonly type: 'committed'; readonly commit: string; readonly s: number; readonly stamps: Stamps };
