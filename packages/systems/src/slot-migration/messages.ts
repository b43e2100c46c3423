/** Messages of the Redis-Cluster-style KV: client commands and redirects, and the slot migration between masters. */
import type { NodeId } from '@dslab/sim';

export type SlotOp =
  | { readonly f: 'get'; readonly key: string }
  | { readonly f: 'put'; readonly key: string; readonly value: string };

export type SlotMessage =
  /** `asking`: the client follows an ASK redirect (Redis's ASKING command before the retried command). */
  | { readonly type: 'cmd'; readonly id: number; readonly op: SlotOp; readonly asking: boolean }
  | { readonly type: 'reply'; readonly id: number; readonly value: string | null }
  | { readonly type: 'moved'; readonly id: number; readonly slot: number; readonly node: NodeId }
  | { readonly type: 'ask'; readonly id: number; readonly slot: number; readonly node: NodeId }
  /** The key is being moved right now (Redis blocks in MIGRATE; here the client retries shortly). */
  | { readonly type: 'tryagain'; readonly id: number }
  | { readonly type: 'migrate'; readonly slot: number; readonly key: string; readonly value: string }
  | { readonly type: 'migrate-ack'; readonly slot: number; readonly key: string }
  /** CLUSTER SETSLOT … NODE: `node` owns `slot` from configuration epoch `epoch` on. */
  | { readonly type: 'slot-owner'; readonly slot: number; readonly node: NodeId; readonly epoch: number }
  /** The receiver has recorded `slot`'s owner at `epoch`: the sender stops resending. */
  | { readonly type: 'slot-owner-ack'; readonly slot: number; readonly epoch: number };

export const slotMutants = ['delete-before-ack'] as const;
export type SlotMutant = (typeof slotMutants)[number];
