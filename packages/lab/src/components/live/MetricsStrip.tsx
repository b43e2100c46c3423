import { useEffect, useRef, useState } from 'react';
import { formatValue } from '../ResultTableView';

const POINTS = 120;

function Sparkline({ values }: { values: readonly number[] }) {
  if (values.length < 2) return null;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const points = values
    .map(
      (v, i) => `${((i / (values.length - 1)) * 60).toFixed(1)},${(14 - ((v - min) / span) * 12).toFixed(1)}`,
    )
    .join(' ');
  return (
    <svg width="60" height="16" aria-hidden="true">
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.2" />
    </svg>
  );
}

/** The run's live metrics with a sparkline each (the last 120 views; reset when time goes back). */
export function MetricsStrip({ metrics, time }: { metrics: Readonly<Record<string, number>>; time: number }) {
  const history = useRef<Record<string, number[]>>({});
  const lastTime = useRef(-1);
  const [, redraw] = useState(0);
  useEffect(() => {
    if (time < lastTime.current) history.current = {};
    if (time === lastTime.current) return;
    lastTime.current = time;
    for (const [name, value] of Object.entries(metrics)) {
      const series = (history.current[name] ??= []);
      series.push(value);
      if (series.length > POINTS) series.shift();
    }
    redraw((n) => n + 1);
  }, [metrics, time]);
  const entries = Object.entries(metrics);
  if (entries.length === 0) return null;
  return (
    <dl className="metrics-strip" aria-label="Live metrics" data-testid="metrics">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt className="muted">{name}</dt>{' '}
          <dd style={{ display: 'inline', margin: 0 }}>
            {formatValue(value)} <Sparkline values={history.current[name] ?? []} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
