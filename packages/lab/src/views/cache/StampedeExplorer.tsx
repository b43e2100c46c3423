import { caching } from '@dslab/systems';
import { SeedControl, useSeededRun } from '../../components/SeededRun';
import { LoadChart } from './LoadChart';
import './cache.css';

const BIN_MS = 25;

interface GuardRun {
  readonly guard: caching.Guard;
  readonly reads: number[];
  readonly refused: number[];
  readonly figures: caching.Figures;
  readonly durationMs: number;
  readonly capacityPerBin: number;
}

const describe: Record<caching.Guard, string> = {
  none: 'no guard: every reader that finds the key gone queries the database',
  mutex: 'a lock in the cache (NX, TTL); the holder re-checks and fills, the others poll',
  'single-flight': 'misses on one server share one query: one per server',
  xfetch: 'readers recompute early with a chance that rises as expiry nears',
  lease: 'memcache leases: one token per miss, the others wait and get the stale value',
};

function runAll(seed: number): GuardRun[] {
  return caching.guards.map((guard) => {
    const cluster = caching.stampedeRun(guard, seed, true);
    const { params } = cluster;
    return {
      guard,
      reads: [...cluster.ledger.dbReads],
      refused: [...cluster.ledger.refusedAt],
      figures: caching.figures(cluster),
      durationMs: params.durationMs,
      capacityPerBin: (params.dbCapacity * BIN_MS) / params.dbReadMs,
    };
  });
}

/** Database load over time on the hot-key stampede, once per guard, on one scale. */
export function StampedeExplorer() {
  const { seed, setSeed, result: runs } = useSeededRun(runAll);
  const scale = runs
    ? Math.max(
        1,
        ...runs.map((r) => {
          const counts = new Map<number, number>();
          for (const t of [...r.reads, ...r.refused]) {
            const b = Math.floor(t / BIN_MS);
            counts.set(b, (counts.get(b) ?? 0) + 1);
          }
          return Math.max(0, ...counts.values());
        }),
      )
    : 1;
  return (
    <section className="explorer cache-explorer" aria-label="stampede explorer" data-testid="cache-explorer">
      <h2>Database load on a hot key, per stampede guard</h2>
      <p className="muted">
        One hot key read 600 times a second through 4 application servers; its TTL is 500 ms and a database
        read takes 30 ms on one of 8 workers. Each chart is the same run with another guard, drawn on one
        scale.
      </p>
      <SeedControl seed={seed} onChange={setSeed} testId="cache-seed" />
      {runs === undefined ? (
        <p className="muted">Running the five guards…</p>
      ) : (
        <div className="cache-multiples">
          {runs.map((r) => (
            <figure key={r.guard} data-testid={`guard-${r.guard}`}>
              <figcaption>
                <strong>{r.guard}</strong> — {describe[r.guard]}
                <br />
                <span className="cache-figures">
                  {r.figures.queriesPerExpiry.toFixed(1)} queries per expiry, p99 {r.figures.p99.toFixed(1)}{' '}
                  ms, {r.figures.servedStaleCopies} expired copies served, {r.figures.refused} refused
                </span>
              </figcaption>
              <LoadChart
                reads={r.reads}
                refused={r.refused}
                from={0}
                to={r.durationMs}
                binMs={BIN_MS}
                capacityPerBin={r.capacityPerBin}
                scale={scale}
                label={`${r.guard}: ${r.reads.length} database reads over ${r.durationMs} ms`}
              />
            </figure>
          ))}
          <p className="cache-axis" aria-hidden>
            <span>0 s</span>
            <span>database reads per {BIN_MS} ms; dashed: what 8 workers serve</span>
            <span>{((runs[0]?.durationMs ?? 0) / 1_000).toFixed(1)} s</span>
          </p>
        </div>
      )}
    </section>
  );
}
