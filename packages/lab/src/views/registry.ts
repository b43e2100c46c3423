/**
 * The lab's pictures, keyed by the view kind a system declares (`SystemDefinition.view`). The pages
 * never name a system: they look its view kind up here and fall back to the generic node cards.
 * Each view is loaded only when a page shows a system of its kind: the dynamic `import()` below makes it
 * a chunk of its own, so the lab's first page does not carry every picture.
 * A system with its own picture adds a folder beside this file and one line below.
 */
import type { ViewEntry } from './types';

export interface LazyView {
  /** The view kind a system declares; the folder's index exports the `ViewEntry` of this kind. */
  readonly kind: string;
  readonly load: () => Promise<object>;
}

export const views: readonly LazyView[] = [
  { kind: 'raft', load: () => import('./raft') },
  { kind: 'ring', load: () => import('./ring') },
  { kind: 'bloom', load: () => import('./bloom') },
  { kind: 'hyperloglog', load: () => import('./hyperloglog') },
  { kind: 'btree', load: () => import('./btree') },
  { kind: 'lsm', load: () => import('./lsm') },
  { kind: 'clocks', load: () => import('./clocks') },
  { kind: 'ratelimit', load: () => import('./ratelimit') },
  { kind: 'quorum', load: () => import('./quorum') },
  { kind: 'cache', load: () => import('./cache') },
  { kind: 'replication', load: () => import('./replication') },
  { kind: 'backpressure', load: () => import('./backpressure') },
  { kind: 'outbox', load: () => import('./outbox') },
  { kind: 'mvcc', load: () => import('./mvcc') },
  { kind: 'twopc', load: () => import('./twopc') },
  { kind: 'sagas', load: () => import('./sagas') },
  { kind: 'leases', load: () => import('./leases') },
  { kind: 'resilience', load: () => import('./resilience') },
  { kind: 'plog', load: () => import('./plog') },
  { kind: 'consistency', load: () => import('./consistency') },
];

const byKind = new Map(views.map((entry) => [entry.kind, entry]));
if (byKind.size !== views.length) throw new Error('two lab views share a view kind');

function isViewOf(kind: string, value: unknown): value is ViewEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<ViewEntry>;
  return entry.kind === kind && (entry.Live !== undefined || entry.Explorer !== undefined);
}

const loading = new Map<string, Promise<ViewEntry | undefined>>();

/**
 * The view registered for a kind, loaded (each at most once, the same promise every time); undefined for
 * no kind or a kind nothing draws yet. Rejects when the folder exports no view of its kind.
 */
export function loadView(kind: string | undefined): Promise<ViewEntry | undefined> {
  if (kind === undefined) return Promise.resolve(undefined);
  const known = loading.get(kind);
  if (known) return known;
  const lazy = byKind.get(kind);
  const promise = lazy
    ? lazy.load().then((module) => {
        const entry = Object.values(module).find((value) => isViewOf(kind, value));
        if (!entry) throw new Error(`the view folder of '${kind}' exports no view of that kind`);
        return entry;
      })
    : Promise.resolve(undefined);
  loading.set(kind, promise);
  // A failed load (a chunk the network lost) may be retried by asking again.
  promise.catch(() => loading.delete(kind));
  return promise;
}
