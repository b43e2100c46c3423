import type { rateLimiting } from '@dslab/systems';
import './ratelimit.css';

type Detail = rateLimiting.RateLiveDetail;

/** The time span drawn, ending now. */
const SPAN_MS = 5_000;
/** Width of one bar of answers. */
const BIN_MS = 100;
const WIDTH = 720;
const LEVEL_HEIGHT = 160;
const BARS_HEIGHT = 70;

const palette = ['#2f5bd3', '#c2620a', '#7a3db8', '#0f8a8a', '#a6266e', '#5b7a1d', '#8a5a00', '#3d6e9e'];

function colourOf(index: number): string {
  return palette[index % palette.length] as string;
}

export function RateLimitView({ detail }: { readonly detail: Detail }) {
  const to = Math.max(detail.now, SPAN_MS);
  const from = to - SPAN_MS;
  const x = (t: number) => ((t - from) / SPAN_MS) * WIDTH;
  const y = (level: number) => ((1 - level) * LEVEL_HEIGHT).toFixed(1);
  const lines = detail.levels.map(({ key, level }) => {
    const points = detail.history
      .filter((s) => s.key === key && s.t >= from)
      .map((s) => `${x(s.t).toFixed(1)},${y(s.level)}`);
    // The level now: a bucket refills between decisions, so the line ends at today's level.
    points.push(`${x(detail.now).toFixed(1)},${y(level)}`);
    return { key, points: points.join(' ') };
  });
  const bins = Math.ceil(SPAN_MS / BIN_MS);
  const admitted = new Array<number>(bins).fill(0);
  const refused = new Array<number>(bins).fill(0);
  for (const a of detail.answers) {
    if (a.t < from) continue;
    const bin = Math.min(bins - 1, Math.floor((a.t - from) / BIN_MS));
    if (a.admitted) admitted[bin] = (admitted[bin] as number) + 1;
    else refused[bin] = (refused[bin] as number) + 1;
  }
  const tallest = Math.max(1, ...admitted.map((n, i) => n + (refused[i] as number)));
  const barWidth = WIDTH / bins;
  const recentAdmitted = admitted.reduce((a, b) => a + b, 0);
  const recentRefused = refused.reduce((a, b) => a + b, 0);
  return (
    <section className="rl-view" aria-label="rate limiter">
      <p className="rl-caption">
        <strong>{detail.algorithm}</strong>, {detail.mode} limiting on <code>{detail.limiter}</code>:{' '}
        {detail.limit} per {detail.windowMs} ms. Answers so far:{' '}
        <span className="rl-ok">{detail.admitted} admitted</span>,{' '}
        <span className="rl-bad">{detail.refused} refused</span>.
      </p>
      {detail.levels.length === 0 ? (
        <p className="muted">
          {detail.mode === 'synced'
            ? 'Synced counters have no bucket to draw: each server counts its window.'
            : 'No request has reached a limiter yet.'}
        </p>
      ) : (
        <ul className="rl-levels" aria-label="levels now">
          {detail.levels.map((l, i) => (
            <li key={l.key} data-testid={`level-${l.key}`}>
              <span className="rl-swatch" style={{ background: colourOf(i) }} />
              <span className="rl-key">{l.key}</span>
              <span className="rl-bar" aria-hidden>
                <span style={{ width: `${Math.round(l.level * 100)}%`, background: colourOf(i) }} />
              </span>
              <span className="rl-pct">{Math.round(l.level * 100)}%</span>
            </li>
          ))}
        </ul>
      )}
      <p className="rl-axis" aria-hidden>
        quota left: 100% at the top, 0% at the line
      </p>
      <svg
        className="rl-chart"
        viewBox={`0 0 ${WIDTH} ${LEVEL_HEIGHT + BARS_HEIGHT + 8}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`quota left per bucket over the last ${SPAN_MS / 1_000} s, and answers per ${BIN_MS} ms: ${recentAdmitted} admitted, ${recentRefused} refused`}
      >
        <line x1={0} x2={WIDTH} y1={LEVEL_HEIGHT} y2={LEVEL_HEIGHT} className="rl-rule" />
        {lines.map((line, i) => (
          <polyline
            key={line.key}
            points={line.points}
            fill="none"
            stroke={colourOf(i)}
            strokeWidth={2}
            vectorEffect="non-scaling-stroke"
          />
        ))}
        <g transform={`translate(0 ${LEVEL_HEIGHT + 8})`}>
          {admitted.map((n, i) => {
            const r = refused[i] as number;
            const okHeight = (n / tallest) * BARS_HEIGHT;
            const badHeight = (r / tallest) * BARS_HEIGHT;
            return (
              <g key={i}>
                <rect
                  x={i * barWidth}
                  y={BARS_HEIGHT - okHeight}
                  width={barWidth - 1}
                  height={okHeight}
                  className="rl-ok-bar"
                />
                <rect
                  x={i * barWidth}
                  y={BARS_HEIGHT - okHeight - badHeight}
                  width={barWidth - 1}
                  height={badHeight}
                  className="rl-bad-bar"
                />
              </g>
            );
          })}
        </g>
      </svg>
      <p className="rl-axis rl-times" aria-hidden>
        <span>{(from / 1_000).toFixed(1)} s</span>
        <span>
          in the last 5 s: <span className="rl-ok">{recentAdmitted} admitted</span>,{' '}
          <span className="rl-bad">{recentRefused} refused</span>
        </span>
        <span>{(to / 1_000).toFixed(1)} s</span>
      </p>
      <p className="rl-legend muted">
        Lines: share of each bucket&rsquo;s quota left. Bars: answers per {BIN_MS} ms,{' '}
        <span className="rl-ok">admitted</span> below, <span className="rl-bad">refused (429)</span> above.
      </p>
    </section>
  );
}
