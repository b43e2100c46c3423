import type { LiveCheck } from '@dslab/systems';

interface Props {
  /** Checked continuously by the run: name → undefined when it holds, or the violation. */
  readonly checks: Readonly<Record<string, string | undefined>>;
  readonly checkable: boolean;
  /** The last on-demand check, and the virtual time it covered. */
  readonly checked: Readonly<Record<string, string | undefined>> | undefined;
  readonly checkedAt: number | undefined;
  readonly onCheck: () => void;
  /** Operations the last check points at, and how to go to one on the timeline. */
  readonly highlights: LiveCheck['highlights'];
  readonly onShow: (time: number) => void;
}

function Verdicts({ checks }: { checks: Readonly<Record<string, string | undefined>> }) {
  return (
    <ul>
      {Object.entries(checks).map(([name, problem]) => (
        <li
          key={name}
          className={problem === undefined ? 'held' : 'broken'}
          data-testid={`check-${name.split(' ')[0]}`}
        >
          {problem === undefined ? '✓' : '✗'} {name}
          {problem !== undefined && <>: {problem}</>}
        </li>
      ))}
    </ul>
  );
}

/** The checker's verdicts: invariants watched at every event, and the history checked on demand. */
export function CheckerPanel({ checks, checkable, checked, checkedAt, onCheck, highlights, onShow }: Props) {
  if (Object.keys(checks).length === 0 && !checkable) return null;
  return (
    <section className="checker" aria-label="Checker" data-testid="checker">
      <strong>Checker</strong>
      <Verdicts checks={checks} />
      {checkable && (
        <p>
          <button onClick={onCheck} data-testid="check-now">
            Check the client history now
          </button>{' '}
          {checked && checkedAt !== undefined && (
            <span className="muted">(history up to {checkedAt.toFixed(0)} ms)</span>
          )}
        </p>
      )}
      {checked && <Verdicts checks={checked} />}
      {highlights.length > 0 && (
        <p className="invalid" data-testid="highlights">
          Highlighted on the timeline:{' '}
          {highlights.map((h) => (
            <button key={`${h.node}${h.from}`} onClick={() => onShow(Math.max(h.to, h.from + 1))}>
              {h.node} {h.label} at {h.from.toFixed(0)} ms — show it
            </button>
          ))}
        </p>
      )}
    </section>
  );
}
