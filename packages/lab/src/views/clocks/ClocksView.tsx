import { useEffect, useRef, useState } from 'react';
import type { ClockEventView, ClocksDetail } from './detail';
import './clocks.css';

type Stamp = 'lamport' | 'vector' | 'hlc' | 'wall';

const STAMPS: readonly { readonly id: Stamp; readonly label: string }[] = [
  { id: 'lamport', label: 'Lamport' },
  { id: 'vector', label: 'vector' },
  { id: 'hlc', label: 'HLC' },
  { id: 'wall', label: 'wall clock' },
];

/** Events drawn on the diagram: the latest ones, one column each in the order they happened. */
const SHOWN = 20;
const COLUMN = 60;
const LANE = 58;
const LEFT = 8;
const TOP = 72;

function stampText(e: ClockEventView, stamp: Stamp, nodes: readonly string[]): string {
  switch (stamp) {
    case 'lamport':
      return String(e.lamport);
    case 'vector':
      return nodes.map((id) => e.vector[id] ?? 0).join('·');
    case 'hlc':
      return `${e.hlc.l}.${e.hlc.c}`;
    case 'wall':
      return String(e.pt);
  }
}

/** How event `a` relates to `b` by their vector clocks. */
function relation(a: ClockEventView, b: ClockEventView): 'before' | 'after' | 'same' | 'concurrent' {
  let less = false;
  let greater = false;
  for (const key of new Set([...Object.keys(a.vector), ...Object.keys(b.vector)])) {
    const x = a.vector[key] ?? 0;
    const y = b.vector[key] ?? 0;
    if (x < y) less = true;
    if (x > y) greater = true;
  }
  return less && greater ? 'concurrent' : less ? 'before' : greater ? 'after' : 'same';
}

function describe(e: ClockEventView): string {
  const what =
    e.kind === 'local'
      ? (e.action ?? 'local event')
      : `${e.kind} ${e.message ?? ''} ${e.kind === 'send' ? 'to' : 'from'} ${e.peer ?? ''}`;
  return `${e.node}#${e.index}: ${what}`;
}

function fixed(x: number | undefined, digits = 2): string {
  return x === undefined ? '—' : x.toFixed(digits);
}

export function ClocksView({ detail }: { detail: ClocksDetail }) {
  const [stamp, setStamp] = useState<Stamp>('vector');
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const nodes = detail.nodes.map((n) => n.id);
  const events = detail.events.slice(-SHOWN);
  const column = new Map(events.map((e, i) => [e.seq, i]));
  const lane = new Map(nodes.map((id, i) => [id, i]));
  const x = (i: number) => LEFT + COLUMN / 2 + i * COLUMN;
  const y = (node: string) => TOP + (lane.get(node) ?? 0) * LANE;
  const width = LEFT + Math.max(events.length, 8) * COLUMN + 24;
  const height = TOP + nodes.length * LANE - LANE / 2 + 8;
  const chosen = events.find((e) => e.seq === selected);
  // Keep the newest events in sight on a narrow screen: scroll to the right end as the run moves.
  const scroller = useRef<HTMLDivElement>(null);
  const newest = events[events.length - 1]?.seq;
  useEffect(() => {
    const element = scroller.current;
    if (element && selected === undefined) element.scrollLeft = element.scrollWidth;
  }, [newest, selected]);
  return (
    <div className="clocks-view" data-testid="clocks-view">
      <div className="clocks-bar">
        <span role="radiogroup" aria-label="stamp shown on each event" className="clocks-stamps">
          {STAMPS.map((s) => (
            <button
              key={s.id}
              type="button"
              role="radio"
              aria-checked={stamp === s.id}
              className={stamp === s.id ? 'on' : ''}
              onClick={() => setStamp(s.id)}
            >
              {s.label}
            </button>
          ))}
        </span>
        <span className="muted">
          ε measured {detail.epsilonMs.toFixed(1)} ms · largest HLC counter {detail.maxCounter}
        </span>
      </div>
      {events.length === 0 ? (
        <p className="muted">No events yet: step or play the run.</p>
      ) : (
        <div className="clocks-diagram">
          <svg className="clocks-names" width={36} height={height} aria-hidden="true">
            {nodes.map((id) => (
              <text key={id} x={4} y={y(id) + 4} className="clocks-lane-name">
                {id}
              </text>
            ))}
          </svg>
          <div className="clocks-scroll" ref={scroller}>
            <svg
              width={width}
              height={height}
              role="img"
              aria-label={`The latest ${events.length} events, one column each, with their ${stamp} stamps`}
            >
              <defs>
                <marker
                  id="clocks-arrow"
                  viewBox="0 0 6 6"
                  refX="6"
                  refY="3"
                  markerWidth="6"
                  markerHeight="6"
                  orient="auto"
                >
                  <path d="M0,0 L6,3 L0,6 z" className="clocks-arrowhead" />
                </marker>
              </defs>
              {nodes.map((id) => (
                <line key={id} x1={0} x2={width} y1={y(id)} y2={y(id)} className="clocks-lane" />
              ))}
              {events.map((e) => {
                if (e.kind !== 'receive' || e.sentBy === undefined) return null;
                const from = column.get(e.sentBy);
                const sender = from === undefined ? undefined : events[from];
                return (
                  <line
                    key={`m${e.seq}`}
                    x1={from === undefined ? 0 : x(from)}
                    y1={sender ? y(sender.node) : y(e.peer ?? e.node)}
                    x2={x(column.get(e.seq) as number) - 7}
                    y2={y(e.node)}
                    className={`clocks-message${from === undefined ? ' older' : ''}`}
                    markerEnd="url(#clocks-arrow)"
                  />
                );
              })}
              {events.map((e, i) => {
                const rel = chosen ? relation(e, chosen) : undefined;
                const labelX = x(i) + 4;
                const labelY = y(e.node) - 10;
                return (
                  <g
                    key={e.seq}
                    className={`clocks-event ${e.kind}${rel ? ` rel-${rel}` : ''}`}
                    onClick={() => setSelected(selected === e.seq ? undefined : e.seq)}
                    data-testid={`clocks-event-${e.node}-${e.index}`}
                  >
                    <title>
                      {`${describe(e)} at ${e.t.toFixed(3)} ms · Lamport ${e.lamport} · vector ${stampText(e, 'vector', nodes)} · HLC ${e.hlc.l}.${e.hlc.c} · wall ${e.pt}`}
                    </title>
                    <circle cx={x(i)} cy={y(e.node)} r={6} />
                    <text x={labelX} y={labelY} transform={`rotate(-45 ${labelX} ${labelY})`}>
                      {stampText(e, stamp, nodes)}
                    </text>
                  </g>
                );
              })}
            </svg>
          </div>
        </div>
      )}
      <p className="muted clocks-legend">
        ● local · ○ send · ◉ receive; lines are messages. Columns follow the order events happened, not the
        clock.
        {chosen
          ? ` Selected ${describe(chosen)}: blue happened before it, orange is concurrent with it (by vector clock).`
          : ' Click an event to see what happened before it and what was concurrent.'}
      </p>
      <div className="table-wrap">
        <table className="clocks-nodes">
          <caption>Clocks at {detail.now.toFixed(1)} ms of true time</caption>
          <thead>
            <tr>
              <th>node</th>
              <th title="the hardware clock minus true time">hardware off (ms)</th>
              <th title="the hardware clock's rate error">drift (ppm)</th>
              <th title="the NTP-disciplined clock minus true time">NTP clock off (ms)</th>
              <th title="the frequency error NTP has estimated and corrects">NTP freq (ppm)</th>
              <th title="the width of the TrueTime interval now">TrueTime 2ε (ms)</th>
            </tr>
          </thead>
          <tbody>
            {detail.nodes.map((n) => (
              <tr key={n.id} className={n.up ? (n.paused ? 'paused' : '') : 'down'}>
                <td>
                  {n.id}
                  {n.reference ? ' (reference)' : ''}
                  {!n.up ? ' (crashed)' : n.paused ? ' (paused)' : ''}
                </td>
                <td className="num">{fixed(n.offsetMs)}</td>
                <td className="num">{fixed(n.driftPpm, 1)}</td>
                <td className="num">{fixed(n.errorMs, 3)}</td>
                <td className="num">{fixed(n.estimatedFrequencyPpm, 1)}</td>
                <td className="num">
                  {n.trueTime ? fixed(n.trueTime.latest - n.trueTime.earliest, 3) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
