/**
 * What the lab's outbox view draws of a live run: the newest rows of the outbox table (committed or still
 * being written, published or not), where the relay is, and what reached the broker — with the rows the
 * relay skipped for good and the events it published twice.
 */
import type { LiveDetail } from '../contract';
import type { OutboxCluster } from './live';
import { OUTBOX } from './outbox';

/** Rows of the outbox drawn (the newest). */
export const DETAIL_ROWS = 48;

export interface OutboxRowDetail {
  readonly id: number;
  readonly aggregate: number;
  /** committed, being written (its transaction is open), or rolled back. */
  readonly state: 'committed' | 'writing' | 'aborted';
  readonly published: boolean;
  /** Times the broker received it. */
  readonly publications: number;
  /** Committed, unpublished, and behind every tailing relay's position: it will never be read. */
  readonly skipped: boolean;
}

export interface OutboxLiveDetail extends LiveDetail {
  readonly kind: 'outbox';
  readonly now: number;
  readonly relay: string;
  readonly relays: number;
  readonly rows: readonly OutboxRowDetail[];
  /** Tailing relays' positions (last id read). */
  readonly positions: readonly { readonly relay: string; readonly last: number }[];
  /** The newest publications, oldest first. */
  readonly recent: readonly {
    readonly id: number;
    readonly aggregate: number;
    readonly at: number;
    readonly by: string;
  }[];
  readonly totals: {
    readonly committed: number;
    readonly published: number;
    readonly duplicates: number;
    readonly skipped: number;
    readonly relayCrashes: number;
  };
}

export function outboxFacts(
  cluster: OutboxCluster,
): OutboxLiveDetail['totals'] & { rows: OutboxRowDetail[] } {
  const engine = cluster.db.server().engine;
  const publications = new Map<number, number>();
  for (const p of cluster.broker.published) publications.set(p.id, (publications.get(p.id) ?? 0) + 1);
  let duplicates = 0;
  for (const n of publications.values()) duplicates += n - 1;
  // A row is behind every tailing relay when its id is below the smallest position.
  let behind: number | undefined;
  for (const last of cluster.positions.values())
    behind = behind === undefined ? last : Math.min(behind, last);
  // A row's versions: the insert, then the relay's update (published = 1). It is committed when any
  // version's inserter committed, being written when only its insert is in progress.
  const versions = new Map<
    number,
    { committed: boolean; writing: boolean; published: boolean; aggregate: number }
  >();
  for (const t of engine.tuples(OUTBOX.name)) {
    const id = Number(t.values.id);
    const v = versions.get(id) ?? {
      committed: false,
      writing: false,
      published: false,
      aggregate: Number(t.values.aggregate),
    };
    if (t.state === 'inserting') v.writing = true;
    else if (t.state !== 'aborted') {
      v.committed = true;
      if (Number(t.values.published) === 1 && t.state === 'live') v.published = true;
    }
    versions.set(id, v);
  }
  const byId = new Map<number, OutboxRowDetail>();
  let committed = 0;
  let skipped = 0;
  for (const [id, v] of versions) {
    const state = v.committed ? 'committed' : v.writing ? 'writing' : 'aborted';
    const n = publications.get(id) ?? 0;
    const isSkipped =
      cluster.params.relay === 'tailing' &&
      state === 'committed' &&
      n === 0 &&
      behind !== undefined &&
      id < behind;
    if (state === 'committed') committed++;
    if (isSkipped) skipped++;
    byId.set(id, {
      id,
      aggregate: v.aggregate,
      state,
      published: v.published || n > 0,
      publications: n,
      skipped: isSkipped,
    });
  }
  const rows = [...byId.values()].sort((a, b) => a.id - b.id);
  return {
    committed,
    published: cluster.broker.published.length,
    duplicates,
    skipped,
    relayCrashes: cluster.relayCrashes,
    rows,
  };
}

export function outboxDetail(cluster: OutboxCluster): OutboxLiveDetail {
  const { rows, ...totals } = outboxFacts(cluster);
  const published = cluster.broker.published;
  return {
    kind: 'outbox',
    now: cluster.world.now(),
    relay: cluster.params.relay,
    relays: cluster.params.relays,
    rows: rows.slice(-DETAIL_ROWS),
    positions: [...cluster.positions].map(([relay, last]) => ({ relay, last })),
    recent: published.slice(-24).map((p) => ({ id: p.id, aggregate: p.aggregate, at: p.at, by: p.by })),
    totals,
  };
}
