import { useState } from 'react';
import { MessageTimeline } from '../workbench/MessageTimeline';
import { readResults, type WorkbenchResults } from '../workbench/results';
import '../workbench/workbench.css';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Stable latencies, when the workload measured them (broadcast). */
function stableLatency(details: Readonly<Record<string, unknown>>): string | undefined {
  const s = details.stableLatencyMs as { p50?: number; p95?: number; max?: number } | undefined;
  return s && typeof s.p50 === 'number' ? `${s.p50} / ${s.p95 ?? '?'} / ${s.max ?? '?'} ms` : undefined;
}

/** A `dslab workbench test` run (catalog N6) opened from its results file: the messages and the verdict. */
export function WorkbenchPage() {
  const [results, setResults] = useState<WorkbenchResults>();
  const [error, setError] = useState<string>();
  const open = async (file: File | undefined) => {
    if (!file) return;
    setError(undefined);
    const read = readResults(await file.text());
    if ('error' in read) {
      setResults(undefined);
      setError(read.error);
    } else setResults(read.results);
  };
  const r = results;
  const stable = r ? stableLatency(r.details) : undefined;
  return (
    <section className="workbench-page">
      <p className="rows">N6 · The lab itself</p>
      <h1>Workbench run</h1>
      <p className="lead">
        Nodes written for Maelstrom&apos;s protocol run unchanged under <code>dslab workbench test</code>:
        every message goes through dslab&apos;s network model, with partitions, kills and pauses, and the
        workload&apos;s checker judges what the clients saw. Open the <code>results.json</code> a run wrote
        with <code>--out</code> to see its messages and its verdict.
      </p>
      <div className="controls">
        <label>
          Results file{' '}
          <input
            type="file"
            accept=".json"
            aria-label="Results file"
            data-testid="wb-file"
            onChange={(e) => void open(e.target.files?.[0])}
          />
        </label>
      </div>
      {error && (
        <p className="invalid" role="alert" data-testid="wb-error">
          {error}
        </p>
      )}
      {r && (
        <div data-testid="wb-results">
          <p className={r.valid ? 'ok' : 'invalid'} data-testid="wb-verdict">
            {r.valid ? '✓ valid' : '✗ invalid'} — {r.workload}: {r.reason}
          </p>
          <MessageTimeline results={r} />
          <dl className="wb-figures">
            <dt>nodes</dt>
            <dd>{r.nodes.length}</dd>
            <dt>operations</dt>
            <dd>
              {r.operations.total} ({r.operations.ok} ok, {r.operations.fail} failed, {r.operations.info}{' '}
              unknown)
            </dd>
            <dt>availability</dt>
            <dd>{pct(r.availability)}</dd>
            <dt>messages per operation</dt>
            <dd>
              {r.messages.betweenNodesPerOperation} between nodes, {r.messages.perOperation} in all
            </dd>
            <dt>latency p50 / p95 / p99 / max</dt>
            <dd>
              {r.latencyMs.p50} / {r.latencyMs.p95} / {r.latencyMs.p99} / {r.latencyMs.max} ms
            </dd>
            {stable && (
              <>
                <dt>stable latency p50 / p95 / max</dt>
                <dd>{stable}</dd>
              </>
            )}
            <dt>faults</dt>
            <dd>{r.faults.length === 0 ? 'none' : r.faults.map((f) => f.detail).join('; ')}</dd>
            <dt>seed · duration</dt>
            <dd>
              {r.seed} · {(r.durationMs / 1000).toFixed(1)} s
            </dd>
          </dl>
          {r.problemCount > 0 && (
            <details open>
              <summary>
                {r.problemCount} problem{r.problemCount === 1 ? '' : 's'} with what the nodes printed
              </summary>
              <ul className="wb-problems" data-testid="wb-problems">
                {r.problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
            </details>
          )}
          <details>
            <summary>The nodes&apos; logs (last lines of stderr)</summary>
            {Object.entries(r.nodeLogs).map(([node, lines]) => (
              <div key={node}>
                <h3>{node}</h3>
                <pre className="wb-log">{lines.length > 0 ? lines.join('\n') : '(nothing)'}</pre>
              </div>
            ))}
          </details>
        </div>
      )}
    </section>
  );
}
