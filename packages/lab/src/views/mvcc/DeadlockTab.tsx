import { useEffect, useState } from 'react';
import { mvcc } from '@dslab/systems';
import { sessionName } from './detail';
import { ScriptSteps, StepBar } from './ScriptSteps';
import { WaitGraph } from './WaitGraph';

type Rule = 'detector' | 'least-work';

const ruleText: Record<Rule, string> = {
  detector:
    'PostgreSQL: the waiter whose own check (deadlock_timeout after it began waiting) finds the cycle aborts',
  'least-work':
    'another engine’s rule: the transaction in the cycle that wrote or locked the fewest rows aborts',
};

/** Two transfers lock two accounts in opposite orders: the wait-for graph closes a cycle, one session dies. */
export function DeadlockTab() {
  const [rule, setRule] = useState<Rule>('detector');
  const [run, setRun] = useState<mvcc.ScriptRun>();
  const [at, setAt] = useState(7);
  const script = mvcc.experiments.deadlock;
  useEffect(() => {
    let current = true;
    void mvcc
      .runScript(script, 'read committed', {
        deadlockTimeoutMs: script.deadlockTimeoutMs,
        deadlockVictim: rule,
      })
      .then((r) => current && setRun(r));
    return () => {
      current = false;
    };
  }, [rule, script]);
  const frame = run?.frames[at];
  const victimStep = run?.record.steps.find((s) => s.error === '40P01');
  const victimKnown = victimStep !== undefined && (victimStep.unblockedBy ?? victimStep.step) <= at;
  const sessions = [...new Set(script.steps.map(([s]) => s))].filter((s) => s > 0).map((s) => `s${s}`);
  return (
    <div className="mvcc-tab" data-testid="mvcc-tab-deadlock">
      <p className="muted">
        T1 first updates ten other accounts, then account 1; T2 updates account 2 and waits for account 1. Its
        deadlock check runs {script.deadlockTimeoutMs} ms later and finds no cycle. Then T1 asks for account 2
        and closes the cycle. Who dies?
      </p>
      <div className="controls">
        <span className="mvcc-levels" role="group" aria-label="victim rule">
          {(['detector', 'least-work'] as const).map((r) => (
            <button
              key={r}
              type="button"
              className={r === rule ? 'on' : ''}
              aria-pressed={r === rule}
              onClick={() => setRule(r)}
              data-testid={`rule-${r}`}
            >
              {r === 'detector' ? 'PostgreSQL’s rule' : 'least work'}
            </button>
          ))}
        </span>
        <span className="muted">{ruleText[rule]}</span>
      </div>
      {run && frame ? (
        <>
          <StepBar record={run.record} at={at} onStep={setAt} />
          <div className="mvcc-split">
            <ScriptSteps record={run.record} at={at} onStep={setAt} />
            <div>
              <WaitGraph
                sessions={sessions}
                waits={frame.waits}
                {...(victimKnown && victimStep ? { victim: `s${victimStep.session}` } : {})}
              />
              <p data-testid="deadlock-outcome">
                {frame.sessions
                  .filter((s) => s.session !== 's0')
                  .map((s) => `${sessionName(s.session)} has done ${s.work} units of work`)
                  .join('; ')}{' '}
                (statements run plus rows written or locked: what the least-work rule compares).{' '}
                {victimKnown && victimStep
                  ? `${sessionName(`s${victimStep.session}`)} was chosen as the victim (40P01, deadlock detected)${
                      rule === 'detector' && victimStep.session === 1
                        ? ': the heavy one, because its check found the cycle — what PostgreSQL 15 does too.'
                        : rule === 'least-work' && victimStep.session === 2
                          ? ': the one that had done the least work.'
                          : '.'
                    }`
                  : frame.waits.length > 0
                    ? 'Waiting…'
                    : ''}
              </p>
            </div>
          </div>
        </>
      ) : (
        <p className="muted">Running…</p>
      )}
    </div>
  );
}
