import { useState } from 'react';
import { MODEL_NAMES, generateCasRegisterHistory, toJepsenLog, type ModelName } from '@dslab/check';
import { checkHistoryText } from '../worker/client';
import type { CheckReport } from '../worker/protocol';

/** A write of 1 that a later read contradicts: the smallest history a register cannot explain. */
const BAD_EXAMPLE = `[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 2}]`;

/** The linearizability checker in the browser (catalog N2): what `dslab check` does, on a pasted history. */
export function CheckPage() {
  const [text, setText] = useState('');
  const [model, setModel] = useState<ModelName>('cas-register');
  const [report, setReport] = useState<CheckReport>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    try {
      setReport(await checkHistoryText(text, model));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <p className="rows">N2 · The lab itself</p>
      <h1>Linearizability checker</h1>
      <p className="lead">
        Paste a history — Jepsen/Knossos EDN, a jepsen.log, or JSON lines — or load one from a file, pick the
        model, and the checker searches for an order of the operations that the model accepts (Wing &amp; Gong
        with Lowe&apos;s memoization). On a violation it names the operation no order can explain. The same
        checker judges every simulated run and <code>dslab check</code> on the command line.
      </p>
      <div className="controls">
        <label>
          Model{' '}
          <select
            value={model}
            onChange={(e) => setModel(e.target.value as ModelName)}
            aria-label="Model"
            data-testid="check-model"
          >
            {MODEL_NAMES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          File{' '}
          <input
            type="file"
            accept=".edn,.log,.json,.jsonl,.txt"
            aria-label="History file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setText(await file.text());
            }}
          />
        </label>
        <button
          type="button"
          onClick={() =>
            setText(
              toJepsenLog(
                generateCasRegisterHistory({ seed: 7, processes: 5, operations: 200, infoRate: 0.05 }),
              ),
            )
          }
          data-testid="check-example-good"
        >
          A correct register (200 ops)
        </button>
        <button type="button" onClick={() => setText(BAD_EXAMPLE)} data-testid="check-example-bad">
          A stale read
        </button>
      </div>
      <textarea
        className="history-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={10}
        spellCheck={false}
        aria-label="History"
        data-testid="check-input"
        placeholder="{:process 0, :type :invoke, :f :write, :value 1} …"
      />
      <p>
        <button onClick={() => void run()} disabled={busy} data-testid="check-run">
          {busy ? 'Checking…' : 'Check'}
        </button>
      </p>
      {error && (
        <p className="invalid" role="alert" data-testid="check-error">
          {error}
        </p>
      )}
      {report && (
        <div data-testid="check-report">
          <p className={report.verdict === 'linearizable' ? 'ok' : 'invalid'} data-testid="check-verdict">
            {report.verdict === 'linearizable'
              ? '✓ linearizable'
              : report.verdict === 'unknown'
                ? '? undecided within the budget'
                : '✗ not linearizable'}
            {' — '}
            {report.operations} operations ({report.format}), {report.parts} part
            {report.parts === 1 ? '' : 's'}, {report.states.toLocaleString('en-US')} state
            {report.states === 1 ? '' : 's'} explored
            {report.problem ? `; ${report.problem}` : ''}.
          </p>
          <iframe title="The history drawn" className="history-frame" sandbox="" srcDoc={report.html} />
        </div>
      )}
    </section>
  );
}
