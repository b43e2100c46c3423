import type { mvcc } from '@dslab/systems';
import { formatRow, sessionName } from './detail';

/** What a step returned, in a few words. */
export function stepResult(step: mvcc.StepRecord): string {
  const parts: string[] = [];
  if (step.blocked) parts.push(`waited until step ${step.unblockedBy ?? '—'}`);
  if (step.error) parts.push(`ERROR ${step.error}`);
  else if (step.rows)
    parts.push(step.rows.length === 0 ? '(no rows)' : step.rows.map((r) => formatRow(r)).join('; '));
  else if (step.rowCount !== undefined)
    parts.push(`${step.tag ?? ''} ${step.rowCount} row${step.rowCount === 1 ? '' : 's'}`);
  else if (step.tag) parts.push(step.tag);
  return parts.join(' · ');
}

/**
 * Back, step, run to the end, and the statement just run with its result: a bar that stays in view
 * while the picture below it is scrolled (on a phone the picture is far below the list of steps).
 */
export function StepBar(props: {
  readonly record: mvcc.TestRecord;
  readonly at: number;
  readonly onStep: (step: number) => void;
}) {
  const { record, at, onStep } = props;
  const last = record.steps.length - 1;
  const step = record.steps[at];
  return (
    <div className="controls mvcc-stepbar">
      <button
        type="button"
        onClick={() => onStep(Math.max(0, at - 1))}
        disabled={at <= 0}
        data-testid="step-back"
      >
        ◀ Back
      </button>
      <button
        type="button"
        onClick={() => onStep(Math.min(last, at + 1))}
        disabled={at >= last}
        data-testid="step-next"
      >
        Step ▶
      </button>
      <button type="button" onClick={() => onStep(last)} disabled={at >= last} data-testid="step-end">
        Run to the end
      </button>
      <span className="mvcc-stepbar-now" data-testid="step-at">
        <span className="muted">
          step {at} of {last}:
        </span>{' '}
        {step && (
          <>
            <strong className={`mvcc-session s${step.session % 4}`}>
              {sessionName(`s${step.session}`).split(' ')[0]}
            </strong>{' '}
            <code>{step.sql}</code>{' '}
            <span className="muted">
              {step.unblockedBy !== undefined && step.unblockedBy > at
                ? 'waiting for a lock…'
                : stepResult(step)}
            </span>
          </>
        )}
      </span>
    </div>
  );
}

/** The script's steps with what each returned; steps after `at` are not run yet. */
export function ScriptSteps(props: {
  readonly record: mvcc.TestRecord;
  readonly at: number;
  readonly onStep: (step: number) => void;
}) {
  const { record, at, onStep } = props;
  return (
    <div className="mvcc-steps">
      <ol className="mvcc-script">
        {record.steps.map((step, i) => {
          // A statement still waiting at this point shows as waiting; its result comes later.
          const done = i <= at && (step.unblockedBy === undefined || step.unblockedBy <= at);
          const waiting = i <= at && !done;
          return (
            <li
              key={i}
              className={`${i === at ? 'current' : ''}${i > at ? ' future' : ''}${step.error && done ? ' error' : ''}`}
            >
              <button type="button" className="mvcc-step" onClick={() => onStep(i)} aria-current={i === at}>
                {i}
              </button>
              <span className={`mvcc-session s${step.session % 4}`}>
                {sessionName(`s${step.session}`).split(' ')[0]}
              </span>
              <code>{step.sql}</code>
              <span className="mvcc-result">
                {done ? stepResult(step) : waiting ? 'waiting for a lock…' : ''}
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
