import { useEffect, useState } from 'react';
import { describeAnomalyType, type AnomalyType } from '@dslab/check';
import { mvcc } from '@dslab/systems';
import { ScriptSteps, StepBar } from './ScriptSteps';
import { judgeScript, type ScriptVerdict } from './verdict';

const LEVELS: readonly mvcc.IsolationLevel[] = mvcc.ISOLATION_LEVELS;

interface Runnable {
  readonly script: mvcc.Script;
  readonly label: string;
}

/** The names people use for the Hermitage tests, before the literature's. */
const commonName: Readonly<Record<string, string>> = {
  g0: 'Dirty write',
  g1a: 'Dirty read of an aborted write',
  g1b: 'Dirty read of an intermediate value',
  g1c: 'Circular information flow',
  otv: 'Observed transaction vanishes',
  pmp: 'Phantom read',
  'pmp-write': 'Phantom under a predicate write',
  p4: 'Lost update',
  'g-single': 'Read skew',
  'g-single-predicate': 'Read skew over a predicate',
  'g-single-write': 'Read skew into a write',
  'g2-item': 'Write skew',
  g2: 'Write skew over a predicate (phantom inserts)',
  'read-only': 'Read-only anomaly (Fekete et al.)',
};

const runnables: readonly Runnable[] = [
  ...mvcc.anomalyTests.map((t) => ({
    script: t,
    label: `${commonName[t.id] ?? t.title} — ${t.phenomenon}`,
  })),
  ...[
    mvcc.experiments.doctors,
    mvcc.experiments.doctorsForUpdate,
    mvcc.experiments.bookingPhantom,
    mvcc.experiments.oversell,
    mvcc.experiments.oversellForUpdate,
    mvcc.experiments.atomicDecrement,
    mvcc.experiments.phantomCount,
    mvcc.experiments.report,
  ].map((e) => ({ script: e, label: e.title })),
];

interface Outcome {
  readonly run: mvcc.ScriptRun;
  readonly verdict: ScriptVerdict;
  /** Identical to PostgreSQL 15's recorded outcome (undefined: none recorded for this script). */
  readonly samePostgres?: boolean;
  /** The PostgreSQL tests run this script at this level and require an identical record. */
  readonly comparedInTests: boolean;
  /** The run in one line, and PostgreSQL 15's recorded line for the same test and level. */
  readonly engineLine: string;
  readonly postgresLine?: string;
  readonly aborts: readonly string[];
}

const cellKey = (id: string, level: mvcc.IsolationLevel) => `${id}|${level}`;

async function runOne(script: mvcc.Script, level: mvcc.IsolationLevel): Promise<Outcome> {
  const run = await mvcc.runScript(script, level);
  const verdict = judgeScript(script, run);
  // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED; its recorded line is the same.
  const recorded =
    mvcc.documentedOutcomes[script.id]?.[level === 'read uncommitted' ? 'read committed' : level];
  return {
    run,
    verdict,
    ...(recorded !== undefined
      ? { samePostgres: mvcc.summarize(run.record) === recorded, postgresLine: recorded }
      : {}),
    engineLine: mvcc.summarize(run.record),
    comparedInTests:
      recorded !== undefined || ('levels' in script && (script as mvcc.Experiment).levels.includes(level)),
    aborts: run.record.steps.flatMap((s) => (s.error ? [s.error] : [])),
  };
}

function Found({ found }: { readonly found: readonly AnomalyType[] }) {
  return found.length === 0 ? (
    <span className="ok">✓ none</span>
  ) : (
    <span className="invalid">✗ {found.join(', ')}</span>
  );
}

/**
 * Pick an anomaly and a level, step through the sessions' statements, and let the transactional checker
 * judge the run; every run fills its cell of the level-by-anomaly matrix.
 */
export function AnomalyTab() {
  const [id, setId] = useState('p4');
  const [level, setLevel] = useState<mvcc.IsolationLevel>('read committed');
  const [outcomes, setOutcomes] = useState<ReadonlyMap<string, Outcome>>(new Map());
  const [at, setAt] = useState(0);
  const [runningAll, setRunningAll] = useState(false);
  const runnable = runnables.find((r) => r.script.id === id) ?? (runnables[0] as Runnable);
  const outcome = outcomes.get(cellKey(id, level));

  useEffect(() => {
    if (outcomes.has(cellKey(id, level))) return;
    let current = true;
    void runOne(runnable.script, level).then((o) => {
      if (current) setOutcomes((m) => new Map(m).set(cellKey(id, level), o));
    });
    return () => {
      current = false;
    };
  }, [id, level, runnable, outcomes]);
  useEffect(() => setAt(0), [id, level]);

  const runAll = async () => {
    setRunningAll(true);
    for (const r of runnables) {
      const row = new Map<string, Outcome>();
      for (const l of LEVELS)
        if (!outcomes.has(cellKey(r.script.id, l)))
          row.set(cellKey(r.script.id, l), await runOne(r.script, l));
      setOutcomes((m) => new Map([...m, ...row]));
      // Let the page draw the row before the next one runs.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    setRunningAll(false);
  };

  const steps = outcome?.run.record.steps.length ?? 0;
  const atEnd = at >= steps - 1;
  const anomaly = outcome?.verdict.result.anomalies[0];
  return (
    <div className="mvcc-tab" data-testid="mvcc-tab-anomalies">
      <div className="controls">
        <label>
          Anomaly{' '}
          <select value={id} onChange={(e) => setId(e.target.value)} data-testid="anomaly-test">
            {runnables.map((r) => (
              <option key={r.script.id} value={r.script.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <span className="mvcc-levels" role="group" aria-label="isolation level">
          {LEVELS.map((l) => (
            <button
              key={l}
              type="button"
              className={l === level ? 'on' : ''}
              aria-pressed={l === level}
              onClick={() => setLevel(l)}
              data-testid={`level-${l.replace(' ', '-')}`}
            >
              {l}
            </button>
          ))}
        </span>
      </div>
      {!outcome ? (
        <p className="muted">Running…</p>
      ) : (
        <>
          <StepBar record={outcome.run.record} at={at} onStep={setAt} />
          <div className="mvcc-split">
            <ScriptSteps record={outcome.run.record} at={at} onStep={setAt} />
            <div className="mvcc-verdict" data-testid="anomaly-verdict">
              {!atEnd ? (
                <p className="muted">
                  Step to the end (or run to it) for the checker&rsquo;s verdict on the whole run.
                </p>
              ) : (
                <>
                  <p>
                    <strong>Checker:</strong> <Found found={outcome.verdict.found} />{' '}
                    {outcome.verdict.found.length === 0
                      ? '— no anomaly: the committed transactions are serializable.'
                      : `— ${describeAnomalyType(outcome.verdict.found[0] as AnomalyType)}`}
                  </p>
                  {anomaly && (
                    <>
                      <p className="muted">{anomaly.why}</p>
                      {anomaly.cycle && (
                        <ul className="mvcc-cycle">
                          {anomaly.cycle.map((edge, i) => (
                            <li key={i}>
                              <strong>{edge.kind}</strong> {edge.why}
                            </li>
                          ))}
                        </ul>
                      )}
                    </>
                  )}
                  <p>
                    {outcome.aborts.length > 0
                      ? `The engine stopped it with ${[...new Set(outcome.aborts)].join(', ')} (${outcome.aborts.length} statement${outcome.aborts.length > 1 ? 's' : ''} failed).`
                      : 'No statement failed.'}{' '}
                    {outcome.samePostgres !== undefined
                      ? outcome.samePostgres
                        ? '✓ Step for step what PostgreSQL 15 did (its recorded outcome).'
                        : '✗ Differs from PostgreSQL 15’s recorded outcome.'
                      : outcome.comparedInTests
                        ? 'The PostgreSQL tests run this script at this level and require a record identical to PostgreSQL 15’s.'
                        : 'Not compared with PostgreSQL at this level.'}
                  </p>
                  {outcome.postgresLine !== undefined && (
                    <dl className="mvcc-lines">
                      <dt>engine</dt>
                      <dd>{outcome.engineLine}</dd>
                      <dt>PostgreSQL 15</dt>
                      <dd>{outcome.postgresLine}</dd>
                    </dl>
                  )}
                  <p className="muted mvcc-note">
                    How it is judged: each row is a list of its versions (the engine&rsquo;s update chains
                    give their order), each statement reads the versions it returned or scanned, and
                    Elle&rsquo;s method looks for dependency cycles. A predicate read counts as reading every
                    row it scanned.
                  </p>
                </>
              )}
            </div>
          </div>
        </>
      )}
      <h4>Level by anomaly, filled in by running</h4>
      <div className="controls">
        <button
          type="button"
          onClick={() => void runAll()}
          disabled={runningAll}
          data-testid="anomaly-run-all"
        >
          {runningAll ? 'Running…' : 'Run every cell'}
        </button>
        <span className="muted">
          ✗: the checker found an anomaly · ✓: none · PG: same as PostgreSQL 15&rsquo;s recorded outcome
        </span>
      </div>
      <div className="mvcc-matrix-wrap">
        <table className="mvcc-matrix" data-testid="anomaly-matrix">
          <thead>
            <tr>
              <th>anomaly</th>
              {LEVELS.map((l) => (
                <th key={l}>{l}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {runnables.map((r) => (
              <tr key={r.script.id}>
                <th scope="row">{r.label}</th>
                {LEVELS.map((l) => {
                  const o = outcomes.get(cellKey(r.script.id, l));
                  const current = r.script.id === id && l === level;
                  return (
                    <td key={l} className={current ? 'current' : ''}>
                      <button
                        type="button"
                        onClick={() => {
                          setId(r.script.id);
                          setLevel(l);
                        }}
                        aria-label={`${r.label} at ${l}`}
                      >
                        {o ? (
                          <>
                            <Found found={o.verdict.found} />
                            {o.samePostgres !== undefined && (
                              <span className={o.samePostgres ? 'mvcc-pg ok' : 'mvcc-pg invalid'}>
                                {o.samePostgres ? ' PG' : ' ≠PG'}
                              </span>
                            )}
                          </>
                        ) : (
                          <span className="muted">·</span>
                        )}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
