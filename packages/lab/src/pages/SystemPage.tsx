import { Suspense, use, useEffect, useState } from 'react';
import { systemEntry, trackOf, type RunSummary, type Scenario, type ScenarioResult } from '@dslab/systems';
import { preloadSystem, runScenario, runSystem } from '../worker/client';
import { systemLink, type Route } from '../route';
import { ErrorPage } from './ErrorPage';
import { ResultTableView, formatValue } from '../components/ResultTableView';
import { LivePanel } from '../components/live/LivePanel';
import { ParamsForm } from '../components/ParamsForm';
import { LoadBoundary } from '../components/LoadBoundary';
import { loadSystemPage, type LoadedSystem } from './load-system-page';

type SystemRoute = Extract<Route, { page: 'system' }>;

type RunState =
  | { readonly status: 'running' }
  | { readonly status: 'done'; readonly summary: RunSummary }
  | { readonly status: 'failed'; readonly message: string };

/**
 * A system's page. Its title and rows are known at once (the lazy registry carries them); its definition
 * and view are chunks of their own, loaded on the way in. Until they arrive the page shows the same
 * heading it will keep, and a line that says it is loading, so nothing above the fold moves.
 */
export function SystemPage({ route }: { route: SystemRoute }) {
  const entry = systemEntry(route.system);
  // The worker fetches the system while the page does: a live run opens without a second wait.
  useEffect(() => {
    if (entry) preloadSystem(entry.id);
  }, [entry]);
  if (!entry) return <ErrorPage message={`there is no system '${route.system}'`} />;
  const heading = <SystemHeading rows={entry.rows} />;
  return (
    <LoadBoundary what={entry.title}>
      <Suspense
        fallback={
          <section aria-busy="true">
            {heading}
            <h1>{entry.title}</h1>
            <p className="lead muted" role="status" data-testid="system-loading">
              Loading…
            </p>
          </section>
        }
      >
        <LoadedSystemPage route={route} loading={loadSystemPage(entry.id)} />
      </Suspense>
    </LoadBoundary>
  );
}

function SystemHeading({ rows }: { rows: readonly string[] }) {
  return (
    <p className="rows">
      {rows.join(' ')} · {trackOf(rows)}
    </p>
  );
}

function LoadedSystemPage({ route, loading }: { route: SystemRoute; loading: Promise<LoadedSystem> }) {
  const { system, view } = use(loading);
  const [run, setRun] = useState<RunState>({ status: 'running' });
  const [seedText, setSeedText] = useState(String(route.seed));
  const paramsKey = JSON.stringify(route.params);

  useEffect(() => {
    if (!system.run) return;
    let current = true;
    setRun({ status: 'running' });
    runSystem(system.id, JSON.parse(paramsKey) as unknown, route.seed).then(
      (summary) => current && setRun({ status: 'done', summary }),
      (error: Error) => current && setRun({ status: 'failed', message: error.message }),
    );
    return () => {
      current = false;
    };
  }, [system, route.seed, paramsKey]);

  const seedValid = /^\d{1,15}$/.test(seedText);
  const Explorer = view?.Explorer;
  // A system with a world: the seed and parameters shape the run drawn below them. A pure structure: its
  // explorer comes first, and the seed only feeds the experiments, so it sits with them.
  const world = Boolean(system.live || system.run);
  const seedControls = (
    <>
      <form
        className="controls"
        onSubmit={(event) => {
          event.preventDefault();
          if (seedValid) window.location.hash = systemLink(system.id, Number(seedText), route.params);
        }}
      >
        <label>
          Seed{' '}
          <input
            value={seedText}
            inputMode="numeric"
            aria-invalid={!seedValid}
            aria-describedby="seed-help"
            onChange={(event) => setSeedText(event.target.value.trim())}
            data-testid="seed-input"
          />
        </label>
        <button type="submit" disabled={!seedValid}>
          Run
        </button>
        <span id="seed-help" className={seedValid ? 'muted' : 'invalid'} data-testid="seed-help">
          {seedValid ? seedMeaning(world) : 'A seed is a whole number.'}
        </span>
      </form>

      <ParamsForm key={`${system.id}:${paramsKey}`} system={system} params={route.params} seed={route.seed} />
    </>
  );

  return (
    <section>
      <SystemHeading rows={system.rows} />
      <h1>{system.title}</h1>
      <p className="lead">{system.summary}</p>

      {world && seedControls}

      {Explorer && <Explorer />}

      {system.live && (
        <>
          <h2>Live</h2>
          <LivePanel
            system={system}
            picture={view?.Live}
            params={route.params}
            seed={route.seed}
            faults={route.faults}
            at={route.at}
          />
        </>
      )}

      {system.run && <h2>Headless run</h2>}
      {system.run && run.status === 'running' && <p className="muted">Running in a Web Worker…</p>}
      {run.status === 'failed' && (
        <p className="invalid" role="alert" data-testid="run-error">
          {run.message}
        </p>
      )}
      {run.status === 'done' && <RunView summary={run.summary} />}

      <h2>Scenarios</h2>
      {!world && seedControls}
      <ul className="scenarios">
        {system.scenarios.map((scenario) => (
          <ScenarioView key={scenario.id} systemId={system.id} scenario={scenario} seed={route.seed} />
        ))}
      </ul>
    </section>
  );
}

/** What the seed decides, in the terms of what the system has: a world that runs, or a structure fed keys. */
function seedMeaning(world: boolean): string {
  return world
    ? 'One seed decides every latency, loss and fault: the link replays this exact run.'
    : 'One seed decides the keys every experiment generates: the link repeats the same measurements.';
}

function RunView({ summary }: { summary: RunSummary }) {
  const problems = Object.entries(summary.checks).filter(([, problem]) => problem !== undefined);
  return (
    <div className="run" data-testid="run-result">
      <p>
        Trace hash <code data-testid="trace-hash">{summary.traceHash}</code> ·{' '}
        {summary.events.toLocaleString('en-US')} events · {(summary.virtualMs / 1000).toFixed(3)} virtual
        seconds
      </p>
      <dl className="metrics">
        {Object.entries(summary.metrics).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{formatValue(value)}</dd>
          </div>
        ))}
      </dl>
      <p className={problems.length === 0 ? 'ok' : 'invalid'} data-testid="checks">
        {problems.length === 0
          ? `All checks held: ${Object.keys(summary.checks).join(', ')}.`
          : problems.map(([name, problem]) => `${name}: ${problem}`).join(' · ')}
      </p>
    </div>
  );
}

function ScenarioView({ systemId, scenario, seed }: { systemId: string; scenario: Scenario; seed: number }) {
  const [state, setState] = useState<{ running: boolean; result?: ScenarioResult; error?: string }>({
    running: false,
  });
  const agrees = state.result ? state.result.observed === scenario.expected : undefined;
  return (
    <li className="scenario" data-testid={`scenario-${scenario.id}`}>
      <div className="scenario-head">
        <div>
          <h3>{scenario.title}</h3>
          <p className="claim">“{scenario.claim}”</p>
          <p className="muted">Expected verdict: {scenario.expected}</p>
        </div>
        <button
          disabled={state.running}
          onClick={() => {
            setState({ running: true });
            runScenario(systemId, scenario.id, seed, true).then(
              (result) => setState({ running: false, result }),
              (error: Error) => setState({ running: false, error: error.message }),
            );
          }}
        >
          {state.running ? 'Running…' : 'Run experiment'}
        </button>
      </div>
      {state.error && <p className="invalid">{state.error}</p>}
      {state.result && (
        <div className="verdict">
          <p>
            <strong className={agrees ? 'ok' : 'invalid'}>
              Observed: {state.result.observed} {agrees ? '(as expected)' : '(differs from expected!)'}
            </strong>
          </p>
          <p>{state.result.summary}</p>
          {scenario.corrected && <p className="corrected">What is true: {scenario.corrected}</p>}
          {(state.result.tables ?? []).map((table, i) => (
            <ResultTableView key={i} table={table} />
          ))}
        </div>
      )}
    </li>
  );
}
