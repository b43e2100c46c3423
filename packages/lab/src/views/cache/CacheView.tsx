import type { caching } from '@dslab/systems';
import { LoadChart } from './LoadChart';
import './cache.css';

const BIN_MS = 50;

/** A live run: the database's load over the last seconds against what it can serve. */
export function CacheView({ detail }: { readonly detail: caching.CacheLiveDetail }) {
  const to = Math.max(detail.now, 5_000);
  const from = to - 5_000;
  const lookups = detail.hits + detail.misses;
  return (
    <section className="cache-view" aria-label="database load">
      <p className="cache-caption">
        Stampede guard <strong>{detail.guard}</strong>. The database is serving {detail.inService} queries
        with {detail.queued} waiting; the shared cache answered{' '}
        {lookups > 0
          ? `${((detail.hits / lookups) * 100).toFixed(1)}% of ${lookups} lookups`
          : 'no lookup yet'}
        .
      </p>
      <LoadChart
        reads={detail.reads}
        refused={detail.refused}
        from={from}
        to={to}
        binMs={BIN_MS}
        capacityPerBin={(detail.capacityPerSecond * BIN_MS) / 1_000}
        label={`database reads per ${BIN_MS} ms over the last 5 s: ${detail.reads.length} reads, ${detail.refused.length} refused`}
      />
      <p className="cache-axis" aria-hidden>
        <span>{(from / 1_000).toFixed(1)} s</span>
        <span>
          last 5 s: {detail.reads.length} database reads,{' '}
          <span className="cache-bad">{detail.refused.length} refused</span>
        </span>
        <span>{(to / 1_000).toFixed(1)} s</span>
      </p>
      <p className="muted cache-legend">
        Bars: database reads started per {BIN_MS} ms, <span className="cache-bad">refused</span> above them.
        Dashed: what its workers can serve per {BIN_MS} ms.
      </p>
    </section>
  );
}
