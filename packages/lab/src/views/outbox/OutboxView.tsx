import type { OutboxLiveDetail, OutboxRowDetail } from '@dslab/systems';
import './outbox.css';

function rowClass(row: OutboxRowDetail): string {
  if (row.skipped) return 'ob-row ob-skipped';
  if (row.state === 'writing') return 'ob-row ob-writing';
  if (row.state === 'aborted') return 'ob-row ob-aborted';
  if (row.publications > 1) return 'ob-row ob-twice';
  return row.published ? 'ob-row ob-published' : 'ob-row ob-waiting';
}

function rowLabel(row: OutboxRowDetail): string {
  if (row.skipped) return 'committed, behind the relay: never published';
  if (row.state === 'writing') return 'transaction still open';
  if (row.state === 'aborted') return 'rolled back';
  if (row.publications > 1) return `published ${row.publications} times`;
  return row.published ? 'published' : 'committed, waiting for the relay';
}

/** The outbox table's newest rows, the relay's position, and what reached the broker. */
export function OutboxView({ detail }: { readonly detail: OutboxLiveDetail }) {
  const t = detail.totals;
  return (
    <section className="ob-view" aria-label="outbox table and relay">
      <p className="ob-caption">
        {detail.relays}{' '}
        {detail.relay === 'tailing' ? 'tailing relay (id > last)' : 'polling relay (FOR UPDATE SKIP LOCKED)'}
        {detail.relays > 1 ? 's' : ''}. So far: {t.committed} rows committed,{' '}
        <span data-testid="ob-published">{t.published} publications</span>,{' '}
        <span className={t.duplicates > 0 ? 'ob-bad' : ''}>{t.duplicates} duplicates</span>,{' '}
        <span className={t.skipped > 0 ? 'ob-bad' : ''}>{t.skipped} rows skipped for good</span>
        {detail.relay === 'polling' ? `, ${t.relayCrashes} relay crashes` : ''}.
      </p>
      {detail.positions.length > 0 ? (
        <p className="ob-position">
          {detail.positions.map((p) => (
            <span key={p.relay}>
              {p.relay} has read up to id <strong>{p.last}</strong>{' '}
            </span>
          ))}
        </p>
      ) : null}
      <div className="ob-columns">
        <div>
          <h4 className="ob-heading">outbox (newest {detail.rows.length} rows, newest first)</h4>
          <ol className="ob-table" aria-label="outbox rows">
            {[...detail.rows].reverse().map((row) => (
              <li
                key={row.id}
                className={rowClass(row)}
                title={rowLabel(row)}
                data-testid={`ob-row-${row.id}`}
              >
                <span className="ob-id">{row.id}</span>
                <span className="ob-agg">agg {row.aggregate}</span>
                <span className="ob-state">{rowLabel(row)}</span>
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h4 className="ob-heading">broker (newest publications first)</h4>
          <ol className="ob-table" aria-label="publications">
            {[...detail.recent].reverse().map((p, i) => (
              <li key={`${p.id}-${p.at}-${i}`} className="ob-row ob-published">
                <span className="ob-id">{p.id}</span>
                <span className="ob-agg">agg {p.aggregate}</span>
                <span className="ob-state">
                  {p.by} at {(p.at / 1_000).toFixed(2)} s
                </span>
              </li>
            ))}
          </ol>
        </div>
      </div>
      <p className="ob-legend muted">
        <span className="ob-swatch ob-writing" /> transaction open <span className="ob-swatch ob-waiting" />{' '}
        committed, not yet published <span className="ob-swatch ob-published" /> published{' '}
        <span className="ob-swatch ob-twice" /> published more than once{' '}
        <span className="ob-swatch ob-skipped" /> behind the tailing relay: lost
      </p>
    </section>
  );
}
