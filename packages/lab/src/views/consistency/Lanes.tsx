import type { Operation } from '@dslab/check';
import { describe, MAX_BARS, MAX_LANES, type DrawnWindow } from './model';

/** The SVG's own units across a lane: time maps to 0..SPAN whatever the drawn width. */
const SPAN = 1_000;
const LANE_H = 20;

function formatMs(t: number): string {
  return Math.abs(t) >= 1_000 ? `${(t / 1_000).toFixed(2)} s` : `${Number(t.toFixed(1))} ms`;
}

/**
 * The history as one lane per session: each operation a bar from invocation to completion (writes and
 * reads in two colours, an operation of unknown outcome open to the end, failed ones faint), the
 * counterexample's operations outlined.
 */
export function Lanes(props: { readonly window: DrawnWindow; readonly highlighted: ReadonlySet<number> }) {
  const { window: w, highlighted } = props;
  const x = (t: number) => (SPAN * (Math.min(Math.max(t, w.from), w.to) - w.from)) / (w.to - w.from);
  const byLane = new Map<string, Operation[]>(w.lanes.map((lane) => [lane, []]));
  for (const op of w.ops) byLane.get(op.process)?.push(op);
  return (
    <div
      className="cm-lanes"
      role="img"
      aria-label={`${w.ops.length} operations on ${w.lanes.length} sessions`}
    >
      {w.lanes.map((lane) => (
        <div className="cm-lane" key={lane}>
          <span className="cm-lane-name" title={lane}>
            {lane}
          </span>
          <svg viewBox={`0 0 ${SPAN} ${LANE_H}`} preserveAspectRatio="none">
            {(byLane.get(lane) ?? []).map((op) => {
              const from = x(op.call);
              const to = Number.isFinite(op.ret) ? x(op.ret) : SPAN;
              const classes = [
                'cm-op',
                op.f === 'write' ? 'cm-write' : 'cm-read',
                op.outcome !== 'ok' ? `cm-${op.outcome}` : '',
                highlighted.has(op.id) ? 'cm-hit' : '',
              ].join(' ');
              return (
                <rect
                  key={op.id}
                  className={classes}
                  x={from}
                  y={highlighted.has(op.id) ? 0 : 3}
                  width={Math.max(2, to - from - 0.5)}
                  height={highlighted.has(op.id) ? LANE_H : LANE_H - 6}
                >
                  <title>{`op ${op.id}: ${describe(op)} (${op.outcome}), ${formatMs(op.call)}–${Number.isFinite(op.ret) ? formatMs(op.ret) : 'open'}`}</title>
                </rect>
              );
            })}
          </svg>
        </div>
      ))}
      <div className="cm-axis">
        <span>{formatMs(w.from)}</span>
        <span>{formatMs(w.to)}</span>
      </div>
      {(w.skipped > 0 || w.hiddenLanes > 0) && (
        <p className="cm-cap" data-testid="cm-cap">
          {w.skipped > 0 &&
            `Showing ${w.ops.length} of ${(w.ops.length + w.skipped).toLocaleString('en-US')} operations (at most ${MAX_BARS} bars are drawn; the window follows the highlighted counterexample). `}
          {w.hiddenLanes > 0 && `${w.hiddenLanes} more sessions not drawn (at most ${MAX_LANES} lanes).`}
        </p>
      )}
    </div>
  );
}
