import { useMemo, useState } from 'react';
import { exampleHistories, versionsOf, type ExampleHistory } from '@dslab/systems';
import { SeedControl, useSeededRun } from '../../components/SeededRun';
import { Ladder } from './Ladder';
import { Lanes } from './Lanes';
import { classify, classifyText, describe, drawnWindow, LAB_MAX_STATES, type Classified } from './model';
import './consistency.css';

const PASTE = 'paste';

const SAMPLE = `[{"process": 0, "type": "invoke", "f": "write", "value": ["x", 1]},
 {"process": 0, "type": "ok", "f": "write", "value": ["x", 1]},
 {"process": 1, "type": "invoke", "f": "read", "value": ["x", null]},
 {"process": 1, "type": "ok", "f": "read", "value": ["x", null]}]`;

/** The rungs a history climbs, strongest first: the picture opens on the weakest of them that fails. */
const RUNGS = ['linearizable', 'sequential', 'causal', 'PRAM'];

/**
 * What the page highlights before anyone clicks: the weakest of the main rungs that fails with
 * operations to show (it says why the history is no stronger), else the first failing model that has some.
 */
function firstFailing(result: Classified): string | undefined {
  if (!result.ok) return undefined;
  const failing = result.classification.verdicts.filter(
    (v) => v.holds === false && (v.operations?.length ?? 0) > 0,
  );
  const rungs = failing.filter((v) => RUNGS.includes(v.model));
  return (rungs[rungs.length - 1] ?? failing[0])?.model;
}

/** The picture of one classified history: lanes, the ladder beside them, the chosen counterexample below. */
function Result({ result }: { readonly result: Classified }) {
  const [selected, setSelected] = useState<string | undefined>(() => firstFailing(result));
  if (!result.ok)
    return (
      <p className="cm-error" role="alert" data-testid="cm-error">
        {result.error}
      </p>
    );
  const { history, classification } = result;
  const chosen = classification.verdicts.find((v) => v.model === selected);
  const highlighted = new Set(chosen?.operations ?? []);
  const window = drawnWindow(history, highlighted);
  const byId = new Map(history.map((op) => [op.id, op]));
  return (
    <div data-testid="cm-result">
      <p className="cm-strongest">
        Strongest model that holds: <strong data-testid="cm-strongest">{classification.strongest}</strong> ·{' '}
        {history.length.toLocaleString('en-US')} operations
      </p>
      <div className="cm-picture">
        <Lanes window={window} highlighted={highlighted} />
        <Ladder verdicts={classification.verdicts} selected={selected} onSelect={setSelected} />
      </div>
      {chosen?.counterexample !== undefined && (
        <div className="cm-counterexample" data-testid="cm-counterexample">
          <strong>{chosen.model} fails:</strong> {chosen.counterexample}
          {(chosen.operations?.length ?? 0) > 0 && (
            <ul>
              {(chosen.operations ?? []).map((id) => {
                const op = byId.get(id);
                return (
                  <li key={id}>
                    op {id}
                    {op
                      ? ` · ${op.process} · ${describe(op)} · ${Number(op.call.toFixed(1))}–${Number.isFinite(op.ret) ? Number(op.ret.toFixed(1)) : 'open'}`
                      : ''}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function HandBuilt({ example }: { readonly example: ExampleHistory }) {
  const result = useMemo(() => classify(example.history(0)), [example]);
  return <Result result={result} />;
}

function Recorded({ example }: { readonly example: ExampleHistory }) {
  // Keyed by example: a fresh hook per example, so the seed alone decides a new run.
  const { seed, setSeed, result } = useSeededRun((s) => {
    const history = example.history(s);
    return classify(history, example.versioned ? versionsOf(history) : undefined);
  }, example.defaultSeed ?? 1);
  return (
    <>
      <SeedControl seed={seed} onChange={setSeed} testId="cm-seed" />
      {result === undefined ? (
        <p className="muted">Running and classifying…</p>
      ) : (
        <Result key={seed} result={result} />
      )}
    </>
  );
}

function Pasted() {
  const [text, setText] = useState(SAMPLE);
  const [result, setResult] = useState<Classified>();
  const [runs, setRuns] = useState(0);
  return (
    <>
      <label className="cm-paste">
        A history as <code>dslab check</code> reads it (JSON, EDN or a Jepsen log) of register reads and
        writes with <code>[key, value]</code> values:
        <textarea
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={6}
          spellCheck={false}
          data-testid="cm-paste"
        />
      </label>
      <button
        type="button"
        onClick={() => {
          setResult(classifyText(text));
          setRuns((n) => n + 1);
        }}
        data-testid="cm-classify"
      >
        Classify
      </button>
      {result && <Result key={runs} result={result} />}
    </>
  );
}

/**
 * Which consistency models a history satisfies (B4): the history drawn as one lane per session, each
 * operation a bar from invocation to completion, beside the ladder of models with their verdicts; a
 * failing model's counterexample is highlighted in the lanes.
 */
export function ConsistencyExplorer() {
  const [source, setSource] = useState<string>('causal');
  const example = exampleHistories.find((e) => e.id === source);
  return (
    <section
      className="explorer cm-explorer"
      aria-label="consistency classifier"
      data-testid="consistency-explorer"
    >
      <h2>Which models does a history satisfy?</h2>
      <p className="muted">
        Each session is a lane; each operation a bar from its invocation to its completion:{' '}
        <span className="cm-key cm-write">write</span> <span className="cm-key cm-read">read</span>{' '}
        <span className="cm-key cm-info">unknown outcome</span>. The ladder runs from the strongest model
        down; a model that fails is a button — choose it to outline its counterexample in the lanes. Searches
        stop after {LAB_MAX_STATES.toLocaleString('en-US')} states (the verdict is then unknown).
      </p>
      <div className="controls">
        <label>
          history{' '}
          <select value={source} onChange={(e) => setSource(e.target.value)} data-testid="cm-source">
            <optgroup label="Minimal, one per rung">
              {exampleHistories
                .filter((e) => !e.seeded)
                .map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.title}
                  </option>
                ))}
            </optgroup>
            <optgroup label="Recorded from a run (pick a seed)">
              {exampleHistories
                .filter((e) => e.seeded)
                .map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.title}
                  </option>
                ))}
            </optgroup>
            <option value={PASTE}>Paste a history…</option>
          </select>
        </label>
      </div>
      {example && <p className="cm-note">{example.note}</p>}
      {source === PASTE ? (
        <Pasted />
      ) : example === undefined ? null : example.seeded ? (
        <Recorded key={example.id} example={example} />
      ) : (
        <HandBuilt key={example.id} example={example} />
      )}
    </section>
  );
}
