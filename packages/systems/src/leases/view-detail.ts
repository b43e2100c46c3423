/**
 * What the lab's leases view draws of a live run: the lease in the service's view (holder, token, time
 * left), each client with what it believes (holding which token, paused or not), the storage's highest
 * token, and the recent writes — applied, refused by the fence, or applied on top of a newer holder's.
 */
import type { LiveDetail } from '../contract';
import { LOCK_SERVICE, STORAGE, type LeaseCluster } from './cluster';
import type { LedgerWrite } from './ledger';
import type { LockClient } from './lock-client';
import type { LeaseService } from './lock-service';
import type { StorageService } from './storage';

export interface LeasesLiveDetail extends LiveDetail {
  readonly kind: 'leases';
  readonly now: number;
  readonly protocol: string;
  readonly fence: string;
  readonly ttlMs: number;
  /** The lease service's view; undefined for protocols without it. */
  readonly service?: {
    readonly holder: string;
    readonly token: number;
    readonly leftMs: number;
    readonly up: boolean;
  };
  readonly clients: readonly {
    readonly id: string;
    readonly up: boolean;
    readonly paused: boolean;
    readonly believesHolding: boolean;
    readonly token: number;
    readonly written: number;
    readonly refused: number;
  }[];
  readonly storage: { readonly highest: number; readonly lastWriter: string; readonly lastToken: number };
  readonly writes: readonly LedgerWrite[];
  /** The last writes refused by the fence or applied over a newer holder's, oldest first. */
  readonly incidents: readonly LedgerWrite[];
  readonly applied: number;
  readonly refused: number;
  readonly corrupted: number;
  readonly maxBelievers: number;
}

export function leasesDetail(cluster: LeaseCluster): LeasesLiveDetail {
  const { world, ledger, params } = cluster;
  const store = world.node<StorageService>(STORAGE).snapshot();
  let service: LeasesLiveDetail['service'];
  if (params.protocol === 'lease') {
    const up = world.isUp(LOCK_SERVICE);
    const s = up ? world.node<LeaseService>(LOCK_SERVICE).snapshot() : undefined;
    const holder = s?.holder ?? '';
    service = { holder: holder.split('.')[0] ?? '', token: s?.token ?? 0, leftMs: s?.leftMs ?? 0, up };
  }
  return {
    kind: 'leases',
    now: world.now(),
    protocol: params.protocol,
    fence: params.fence,
    ttlMs: params.ttlMs,
    ...(service ? { service } : {}),
    clients: cluster.clients.map((id) => {
      const up = world.isUp(id);
      const s = up ? world.node<LockClient>(id).snapshot() : undefined;
      return {
        id,
        up,
        paused: up && world.isPaused(id),
        believesHolding: s?.holds ?? false,
        token: s?.token ?? 0,
        written: s?.written ?? 0,
        refused: s?.refused ?? 0,
      };
    }),
    storage: {
      highest: store.highest,
      lastWriter: store.last?.writer ?? '',
      lastToken: store.last?.token ?? 0,
    },
    writes: [...ledger.recent],
    incidents: [...ledger.incidents],
    applied: ledger.accepted,
    refused: ledger.rejected,
    corrupted: ledger.corrupted,
    maxBelievers: ledger.maxBelievers,
  };
}
