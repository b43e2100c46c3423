import type { mvcc } from '@dslab/systems';
import { sessionName } from './detail';

const SIZE = 260;
const R = 88;
const NODE = 26;

/** The edges on some cycle of the graph (a session waiting, through others, for itself). */
export function cycleEdges(waits: readonly mvcc.WaitEdge[]): Set<string> {
  const out = new Map<string, string[]>();
  for (const w of waits) out.set(w.waiter, [...(out.get(w.waiter) ?? []), w.holder]);
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const at = stack.pop() as string;
      if (at === to) return true;
      if (seen.has(at)) continue;
      seen.add(at);
      stack.push(...(out.get(at) ?? []));
    }
    return false;
  };
  return new Set(waits.filter((w) => reaches(w.holder, w.waiter)).map((w) => `${w.waiter}>${w.holder}`));
}

/** Sessions on a circle, an arrow from each waiter to each session it waits for; a cycle in red. */
export function WaitGraph(props: {
  readonly sessions: readonly string[];
  readonly waits: readonly mvcc.WaitEdge[];
  readonly victim?: string;
}) {
  const { sessions, waits, victim } = props;
  const onCycle = cycleEdges(waits);
  const at = new Map(
    sessions.map((s, i) => {
      const angle = (2 * Math.PI * i) / Math.max(1, sessions.length) - Math.PI / 2;
      return [s, { x: SIZE / 2 + R * Math.cos(angle), y: SIZE / 2 + R * Math.sin(angle) }];
    }),
  );
  return (
    <figure className="mvcc-waitgraph" data-testid="wait-graph">
      <svg
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        role="img"
        aria-label={`wait-for graph: ${waits.length} waits${onCycle.size > 0 ? ', a deadlock cycle' : ''}`}
      >
        <defs>
          <marker
            id="mvcc-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="mvcc-arrowhead" />
          </marker>
          <marker
            id="mvcc-arrow-cycle"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="mvcc-arrowhead cycle" />
          </marker>
        </defs>
        {waits.map((w) => {
          const a = at.get(w.waiter);
          const b = at.get(w.holder);
          if (!a || !b) return null;
          const dx = b.x - a.x;
          const dy = b.y - a.y;
          const len = Math.hypot(dx, dy) || 1;
          // Bend the arrow so that two opposite waits do not draw over each other.
          const nx = -dy / len;
          const ny = dx / len;
          const sx = a.x + (dx / len) * NODE;
          const sy = a.y + (dy / len) * NODE;
          const ex = b.x - (dx / len) * (NODE + 2);
          const ey = b.y - (dy / len) * (NODE + 2);
          const cx = (sx + ex) / 2 + nx * 22;
          const cy = (sy + ey) / 2 + ny * 22;
          const cycle = onCycle.has(`${w.waiter}>${w.holder}`);
          return (
            <path
              key={`${w.waiter}>${w.holder}`}
              d={`M${sx},${sy} Q${cx},${cy} ${ex},${ey}`}
              className={`mvcc-wait${cycle ? ' cycle' : ''}`}
              markerEnd={`url(#${cycle ? 'mvcc-arrow-cycle' : 'mvcc-arrow'})`}
            >
              <title>{`${sessionName(w.waiter)} waits for ${sessionName(w.holder)}: ${w.what}`}</title>
            </path>
          );
        })}
        {sessions.map((s) => {
          const p = at.get(s) as { x: number; y: number };
          return (
            <g key={s} className={`mvcc-node${s === victim ? ' victim' : ''}`} data-testid={`wait-node-${s}`}>
              <circle cx={p.x} cy={p.y} r={NODE} />
              <text x={p.x} y={p.y + 4} textAnchor="middle">
                {sessionName(s).split(' ')[0]}
              </text>
              {s === victim && (
                <text x={p.x} y={p.y + NODE + 14} textAnchor="middle" className="mvcc-victim-label">
                  victim 40P01
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {waits.length === 0 ? (
          <span className="muted">Nobody waits.</span>
        ) : (
          <ul>
            {waits.map((w) => (
              <li
                key={`${w.waiter}>${w.holder}`}
                className={onCycle.has(`${w.waiter}>${w.holder}`) ? 'cycle' : ''}
              >
                {sessionName(w.waiter)} waits for {sessionName(w.holder)}: {w.what}
              </li>
            ))}
          </ul>
        )}
      </figcaption>
    </figure>
  );
}
