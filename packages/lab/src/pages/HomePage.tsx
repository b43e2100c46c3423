import { useMemo, useState } from 'react';
import { catalog, systemEntries, trackOf, type CatalogStatus, type SystemEntry } from '@dslab/systems';
import { systemLink, DEFAULT_SEED } from '../route';

/** Catalog rows served by a page of the lab rather than by a system. */
const PAGES: Readonly<Record<string, string>> = { N2: '#/check', N6: '#/workbench' };

const STATUS_LABEL: Readonly<Record<CatalogStatus, string>> = {
  done: 'done',
  partial: 'partly built',
  planned: 'planned',
};

/**
 * Catalog row id → the implemented system that covers it. The home page reads the lazy registry's entries
 * only: it loads no system's definition (each is a chunk its own page loads).
 */
function implementedRows(): Map<string, SystemEntry> {
  const byRow = new Map<string, SystemEntry>();
  for (const system of systemEntries)
    for (const row of system.rows) if (!byRow.has(row)) byRow.set(row, system);
  return byRow;
}

export function HomePage() {
  const [query, setQuery] = useState('');
  const byRow = useMemo(implementedRows, []);
  const needle = query.trim().toLowerCase();
  const visible = catalog.filter(
    (row) =>
      needle === '' ||
      `${row.id} ${row.title} ${row.track} ${row.summary} ${STATUS_LABEL[row.status]}`
        .toLowerCase()
        .includes(needle),
  );
  const tracks = [...new Set(visible.map((row) => row.track))];
  const count = (status: CatalogStatus) => catalog.filter((row) => row.status === status).length;
  return (
    <section>
      <h1>Systems</h1>
      <p className="lead">
        Every implemented system runs in a deterministic simulator in your browser. Each scenario is an
        experiment that tests a claim engineers are taught, and prints what it measured. Of the{' '}
        {catalog.length} catalog rows, {count('done')} are done and {count('partial')} partly built. Have a
        history from Jepsen or your own tests? <a href="#/check">Check it for linearizability</a>. Ran your
        own nodes in <code>dslab workbench</code>? <a href="#/workbench">Open the run</a>.
      </p>
      <ul className="cards" data-testid="systems">
        {systemEntries.map((system) => (
          <li key={system.id} className="card">
            <a href={systemLink(system.id, DEFAULT_SEED)} data-testid={`system-${system.id}`}>
              <span className="rows">
                {system.rows.join(' ')} · {trackOf(system.rows)}
              </span>
              <h2>{system.title}</h2>
            </a>
          </li>
        ))}
      </ul>

      <h2>The catalog</h2>
      <label className="search">
        Search{' '}
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="a title, a row id, a word…"
          data-testid="catalog-search"
        />
      </label>
      {tracks.length === 0 && <p className="muted">Nothing in the catalog matches “{query}”.</p>}
      {tracks.map((track) => (
        <div key={track} className="track">
          <h3>{track}</h3>
          <ul className="catalog" data-testid="catalog">
            {visible
              .filter((row) => row.track === track)
              .map((row) => {
                const system = byRow.get(row.id);
                const href = system ? systemLink(system.id, DEFAULT_SEED) : PAGES[row.id];
                return (
                  <li key={row.id} className={`row-${row.status}`} data-testid={`row-${row.id}`}>
                    <span className="rows">{row.id}</span>{' '}
                    {href ? <a href={href}>{row.title}</a> : <span className="title">{row.title}</span>}{' '}
                    <span className={`status status-${row.status}`} data-testid="row-status">
                      {STATUS_LABEL[row.status]}
                    </span>
                    {row.summary && <span className="blurb"> — {row.summary}</span>}
                  </li>
                );
              })}
          </ul>
        </div>
      ))}
    </section>
  );
}
