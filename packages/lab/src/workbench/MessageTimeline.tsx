import { useEffect, useMemo, useRef, useState } from 'react';
import type { WorkbenchResults } from './results';

const LANE_H = 30;
const LEFT = 70;

/** Lanes top to bottom: clients, the nodes, then the services the nodes called. */
function lanesOf(results: WorkbenchResults): string[] {
  const others = new Set<string>();
  for (const m of results.timeline)
    for (const id of [m.src, m.dest]) if (!results.nodes.includes(id)) others.add(id);
  const clients = [...others]
    .filter((id) => /^c\d+$/.test(id))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const services = [...others].filter((id) => !/^c\d+$/.test(id)).sort();
  return [...(clients.length > 0 ? ['clients'] : []), ...results.nodes, ...services];
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

/**
 * Every message of the run's timeline as a line from its sender's lane at the time it left to its
 * receiver's lane at the time it arrived; a dropped message is a short stub ending in a cross. Faults
 * are shaded bands. Drawn on a canvas: a results file holds up to 20,000 messages.
 */
export function MessageTimeline(props: { readonly results: WorkbenchResults }) {
  const { results } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(900);
  const lanes = useMemo(() => lanesOf(results), [results]);
  const end = useMemo(() => {
    let last = 0;
    for (const m of results.timeline) last = Math.max(last, m.delivered ?? m.sent);
    return Math.max(1, last);
  }, [results]);
  const [from, setFrom] = useState(0);
  const [span, setSpan] = useState(end);
  useEffect(() => {
    setFrom(0);
    setSpan(end);
  }, [end]);
  useEffect(() => {
    const element = canvas.current?.parentElement;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(300, element.clientWidth)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const ratio = window.devicePixelRatio || 1;
    const height = lanes.length * LANE_H + 20;
    c.width = width * ratio;
    c.height = height * ratio;
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const g = c.getContext('2d');
    if (!g) return;
    g.scale(ratio, ratio);
    const fg = cssVar('--fg', '#1d2127');
    const muted = cssVar('--muted', '#5f6670');
    const line = cssVar('--line', '#dfe2e6');
    const accent = cssVar('--accent', '#2f5bd3');
    const bad = cssVar('--bad', '#b3261e');
    const x = (t: number) => LEFT + ((width - LEFT - 8) * (t - from)) / span;
    const laneOf = (id: string) => {
      const i = lanes.indexOf(/^c\d+$/.test(id) ? 'clients' : id);
      return i < 0 ? 0 : i;
    };
    const y = (id: string) => laneOf(id) * LANE_H + LANE_H / 2;
    g.clearRect(0, 0, width, height);
    g.font = '12px system-ui, sans-serif';
    for (const f of results.faults) {
      const a = x(f.start);
      const b = x(f.end ?? end);
      if (b < LEFT || a > width) continue;
      g.fillStyle = bad;
      g.globalAlpha = 0.08;
      g.fillRect(Math.max(LEFT, a), 0, Math.min(width, b) - Math.max(LEFT, a), lanes.length * LANE_H);
      g.globalAlpha = 1;
    }
    lanes.forEach((lane, i) => {
      g.fillStyle = muted;
      g.fillText(lane, 4, i * LANE_H + LANE_H / 2 + 4);
      g.strokeStyle = line;
      g.beginPath();
      g.moveTo(LEFT, i * LANE_H + LANE_H / 2);
      g.lineTo(width - 8, i * LANE_H + LANE_H / 2);
      g.stroke();
    });
    g.lineWidth = 1;
    for (const m of results.timeline) {
      const until = m.delivered ?? m.sent + span / 60;
      if (until < from || m.sent > from + span) continue;
      const x0 = x(m.sent);
      const y0 = y(m.src);
      const y1 = y(m.dest);
      if (m.dropped) {
        const x1 = x(until);
        const ym = y0 + (y1 - y0) / 3;
        g.strokeStyle = bad;
        g.beginPath();
        g.moveTo(x0, y0);
        g.lineTo(x1, ym);
        g.moveTo(x1 - 3, ym - 3);
        g.lineTo(x1 + 3, ym + 3);
        g.moveTo(x1 + 3, ym - 3);
        g.lineTo(x1 - 3, ym + 3);
        g.stroke();
        continue;
      }
      g.strokeStyle = results.nodes.includes(m.src) && results.nodes.includes(m.dest) ? accent : muted;
      g.globalAlpha = 0.6;
      g.beginPath();
      g.moveTo(x0, y0);
      g.lineTo(x(until), y1);
      g.stroke();
      g.globalAlpha = 1;
    }
    g.fillStyle = fg;
    g.fillText(`${Math.round(from)} ms`, LEFT, height - 4);
    const last = `${Math.round(from + span)} ms`;
    g.fillText(last, width - 8 - g.measureText(last).width, height - 4);
  }, [results, lanes, width, from, span, end]);

  const zooms = [end, 5_000, 1_000, 200].filter((z, i) => i === 0 || z < end);
  return (
    <div className="wb-timeline">
      <div className="controls">
        <label>
          window{' '}
          <select
            value={span}
            onChange={(e) => {
              const next = Number(e.target.value);
              setSpan(next);
              setFrom((f) => Math.min(f, Math.max(0, end - next)));
            }}
            data-testid="wb-zoom"
          >
            {zooms.map((z) => (
              <option key={z} value={z}>
                {z === end ? 'whole run' : `${z} ms`}
              </option>
            ))}
          </select>
        </label>
        {span < end && (
          <label>
            from{' '}
            <input
              type="range"
              min={0}
              max={Math.max(0, end - span)}
              step={Math.max(1, Math.round(span / 20))}
              value={from}
              onChange={(e) => setFrom(Number(e.target.value))}
              aria-label="window start"
            />
          </label>
        )}
      </div>
      <div className="wb-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`${results.timeline.length} messages between ${lanes.length} lanes`}
          data-testid="wb-canvas"
        />
      </div>
      <p className="muted">
        Blue: node to node; grey: clients and services; red crosses: dropped (partition, loss, a node down);
        shaded: a fault in force.{' '}
        {results.timeline.length < results.messages.total
          ? `The file keeps the first ${results.timeline.length.toLocaleString('en-US')} of ${results.messages.total.toLocaleString('en-US')} messages.`
          : ''}
      </p>
    </div>
  );
}
