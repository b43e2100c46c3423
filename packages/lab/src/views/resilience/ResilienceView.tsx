import type { resilience } from '@dslab/systems';
import './resilience.css';

type Detail = resilience.ResilienceLiveDetail;
type Edge = resilience.ResilienceEdgeDetail;
type Node = resilience.ResilienceNodeDetail;

/** The span drawn in the time strips, ending now (the detail keeps this much). */
const SPAN_MS = 5_000;
const WIDTH = 720;
const BOX_W = 132;
const BOX_H = 58;
const ROW_GAP = 18;

const failures = ['error', 'shed', 'timeout', 'bad-request'] as const;
const refusals = ['breaker-open', 'bulkhead-full', 'no-instance'] as const;

function sum(counts: Edge['recent'], keys: readonly (keyof Edge['recent'])[]): number {
  let n = 0;
  for (const k of keys) n += counts[k];
  return n;
}

/** An edge's colour: what most of its last second's calls did. */
function edgeClass(edge: Edge): string {
  const ok = edge.recent.ok;
  const failed = sum(edge.recent, failures);
  const refused = sum(edge.recent, refusals);
  if (ok + failed + refused === 0) return 'rs-edge-idle';
  if (ok >= failed + refused) return 'rs-edge-ok';
  return failed >= refused ? 'rs-edge-bad' : 'rs-edge-refused';
}

function stateClass(state: string): string {
  return state === 'closed' ? 'rs-closed' : state === 'open' ? 'rs-open' : 'rs-half';
}

interface Placed {
  readonly node: Node;
  readonly x: number;
  readonly y: number;
}

/** Columns by depth (clients, entry, …), rows within a column; clients beyond a few fold into one box. */
function layout(nodes: readonly Node[]): { placed: Map<string, Placed>; height: number } {
  const columns = new Map<number, Node[]>();
  for (const n of nodes) {
    const list = columns.get(n.depth) ?? [];
    list.push(n);
    columns.set(n.depth, list);
  }
  const depths = [...columns.keys()].sort((a, b) => a - b);
  const gap = depths.length > 1 ? (WIDTH - BOX_W) / (depths.length - 1) : 0;
  const placed = new Map<string, Placed>();
  let height = 0;
  depths.forEach((depth, column) => {
    const list = columns.get(depth) as Node[];
    list.forEach((node, row) => {
      const y = row * (BOX_H + ROW_GAP);
      placed.set(node.id, { node, x: column * gap, y });
      height = Math.max(height, y + BOX_H);
    });
  });
  return { placed, height };
}

function Graph({ detail }: { readonly detail: Detail }) {
  const { placed, height } = layout(detail.nodes);
  const lines = detail.edges.flatMap((edge) => {
    const from = placed.get(edge.from);
    if (!from) return [];
    return edge.instances.flatMap((instance) => {
      const to = placed.get(instance);
      if (!to) return [];
      const ejected = edge.ejected.includes(instance);
      return [{ key: `${edge.from}-${instance}`, edge, from, to, ejected }];
    });
  });
  return (
    <div className="rs-scroll">
      <svg
        className="rs-graph"
        viewBox={`-2 -2 ${WIDTH + 4} ${height + 4}`}
        role="img"
        aria-label="service graph"
      >
        {lines.map(({ key, edge, from, to, ejected }) => (
          <line
            key={key}
            x1={from.x + BOX_W}
            y1={from.y + BOX_H / 2}
            x2={to.x}
            y2={to.y + BOX_H / 2}
            className={`rs-edge ${edgeClass(edge)}${ejected ? ' rs-ejected' : ''}`}
          />
        ))}
        {detail.nodes.map((node) => {
          const p = placed.get(node.id) as Placed;
          const busy = node.workers > 0 ? node.busy / node.workers : 0;
          const queued = node.queue > 0 ? node.queued / node.queue : 0;
          return (
            <g key={node.id} transform={`translate(${p.x} ${p.y})`} data-testid={`node-${node.id}`}>
              <rect width={BOX_W} height={BOX_H} rx={6} className={`rs-box${node.up ? '' : ' rs-down'}`} />
              <text x={8} y={16} className="rs-name">
                {node.id}
              </text>
              <text x={BOX_W - 8} y={16} textAnchor="end" className={`rs-mode rs-mode-${node.mode}`}>
                {node.kind === 'client' ? 'client' : node.mode}
              </text>
              <text x={8} y={BOX_H - 6} className="rs-counts">
                {node.kind === 'client' ? `${node.ok} ok, ${node.failed} failed` : ''}
              </text>
              {node.kind === 'service' && (
                <>
                  <rect x={8} y={26} width={BOX_W - 16} height={8} className="rs-track" />
                  <rect x={8} y={26} width={(BOX_W - 16) * busy} height={8} className="rs-busy" />
                  <rect x={8} y={40} width={BOX_W - 16} height={8} className="rs-track" />
                  <rect x={8} y={40} width={(BOX_W - 16) * queued} height={8} className="rs-queue" />
                </>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}

function BreakerStrip({ edge, now }: { readonly edge: Edge; readonly now: number }) {
  const breaker = edge.breaker;
  if (!breaker) return null;
  const from = Math.max(0, now - SPAN_MS);
  const span = Math.max(1, now - from);
  const x = (t: number) => ((Math.max(t, from) - from) / span) * 100;
  // The state before the first transition drawn is what that transition left, walked backwards:
  // unknown past the span, so the strip starts with the first recorded state or the current one.
  const segments: { start: number; end: number; state: string }[] = [];
  const list = breaker.transitions;
  let state: string = list.length > 0 ? previousState(list[0]?.to as string) : breaker.state;
  let start = from;
  for (const tr of list) {
    segments.push({ start, end: tr.t, state });
    state = tr.to;
    start = tr.t;
  }
  segments.push({ start, end: now, state });
  return (
    <div className="rs-strip-row">
      <span className="rs-strip-label">
        {edge.from} → {edge.to}
      </span>
      <svg
        className="rs-strip"
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        role="img"
        aria-label={`breaker ${edge.from} to ${edge.to}: ${breaker.state}`}
      >
        {segments.map((s, i) => (
          <rect
            key={i}
            x={x(s.start)}
            y={0}
            width={Math.max(0, x(s.end) - x(s.start))}
            height={10}
            className={stateClass(s.state)}
          />
        ))}
      </svg>
      <span className={`rs-state ${stateClass(breaker.state)}-text`}>{breaker.state}</span>
    </div>
  );
}

/** The state a breaker left for `to`: open follows closed or half-open; the others follow open or half-open. */
function previousState(to: string): string {
  return to === 'open' ? 'closed' : to === 'half-open' ? 'open' : 'half-open';
}

function Occupancy({ detail }: { readonly detail: Detail }) {
  const services = detail.nodes.filter((n) => n.kind === 'service');
  const from = Math.max(0, detail.now - SPAN_MS);
  const span = Math.max(1, detail.now - from);
  const x = (t: number) => (((t - from) / span) * 100).toFixed(2);
  return (
    <div className="rs-occupancy">
      {services.map((node) => {
        const samples = detail.occupancy.filter((s) => s.node === node.id);
        const top = Math.max(1, node.workers, ...samples.slice(-400).map((s) => s.limit ?? 0));
        const y = (v: number) => (30 - (v / top) * 30).toFixed(2);
        const busy = samples.map((s) => `${x(s.t)},${y(s.busy)}`).join(' ');
        const queued = samples.map((s) => `${x(s.t)},${y(Math.min(top, s.queued))}`).join(' ');
        const limit = samples
          .filter((s) => s.limit !== undefined)
          .map((s) => `${x(s.t)},${y(s.limit as number)}`)
          .join(' ');
        const slots = Object.keys(samples[samples.length - 1]?.calls ?? {});
        return (
          <figure key={node.id} className="rs-spark" data-testid={`occupancy-${node.id}`}>
            <figcaption>
              {node.id}: {node.busy}/{node.workers} busy, {node.queued}/{node.queue} queued
              {node.limit !== undefined ? `, limit ${node.limit}` : ''}
            </figcaption>
            <svg
              viewBox="0 0 100 30"
              preserveAspectRatio="none"
              role="img"
              aria-label={`${node.id} workers busy over time`}
            >
              <polyline points={busy} className="rs-line-busy" vectorEffect="non-scaling-stroke" />
              <polyline points={queued} className="rs-line-queue" vectorEffect="non-scaling-stroke" />
              {limit && (
                <polyline points={limit} className="rs-line-limit" vectorEffect="non-scaling-stroke" />
              )}
              {slots.map((dep, i) => (
                <polyline
                  key={dep}
                  points={samples.map((s) => `${x(s.t)},${y(s.calls[dep] ?? 0)}`).join(' ')}
                  className={`rs-line-dep rs-dep-${i % 4}`}
                  vectorEffect="non-scaling-stroke"
                />
              ))}
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

export function ResilienceView({ detail }: { readonly detail: Detail }) {
  const okShare = detail.clientRequests > 0 ? detail.clientOk / detail.clientRequests : 0;
  const withBreakers = detail.edges.filter((e) => e.breaker);
  return (
    <section className="rs-view" aria-label="resilience">
      <p className="rs-caption">
        {detail.clientRequests} client requests,{' '}
        <span className="rs-ok">{Math.round(okShare * 100)}% ok</span>;{' '}
        <strong>{detail.amplification.toFixed(2)}</strong> requests reached the deepest layer (
        {detail.deepest.join(', ')}) per client request.
      </p>
      <Graph detail={detail} />
      <p className="rs-legend muted">
        Boxes: workers busy (upper bar) and queue (lower bar). Lines: the last second&rsquo;s calls —{' '}
        <span className="rs-ok">mostly ok</span>, <span className="rs-bad">mostly failing</span>,{' '}
        <span className="rs-refused-text">mostly refused by a breaker or bulkhead</span>; dashed: instance
        ejected.
      </p>
      <div className="rs-scroll">
        <table className="rs-edges">
          <thead>
            <tr>
              <th>call</th>
              <th>ok</th>
              <th>failed</th>
              <th>refused</th>
              <th>in flight</th>
              <th>bulkhead</th>
              <th>breaker</th>
              <th>retries</th>
            </tr>
          </thead>
          <tbody>
            {detail.edges.map((e) => (
              <tr key={`${e.from}-${e.to}`} data-testid={`edge-${e.from}-${e.to}`}>
                <td>
                  {e.from} → {e.to}
                </td>
                <td>{e.recent.ok}</td>
                <td>{sum(e.recent, failures)}</td>
                <td>{sum(e.recent, refusals)}</td>
                <td>{e.inFlight}</td>
                <td>{e.bulkhead ? `${e.bulkhead.used}/${e.bulkhead.limit}` : '—'}</td>
                <td className={e.breaker ? `${stateClass(e.breaker.state)}-text` : ''}>
                  {e.breaker?.state ?? '—'}
                </td>
                <td>{e.retries}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {withBreakers.length > 0 && (
        <div className="rs-strips">
          <p className="rs-axis muted">
            Breaker states over the last {(Math.min(SPAN_MS, detail.now) / 1_000).toFixed(1)} s:{' '}
            <span className="rs-closed-text">closed</span>, <span className="rs-open-text">open</span>,{' '}
            <span className="rs-half-text">half-open</span>
          </p>
          {withBreakers.map((e) => (
            <BreakerStrip key={`${e.from}-${e.to}`} edge={e} now={detail.now} />
          ))}
        </div>
      )}
      <p className="rs-axis muted">
        Occupancy over the last {(Math.min(SPAN_MS, detail.now) / 1_000).toFixed(1)} s:{' '}
        <span className="rs-busy-text">workers busy</span>, <span className="rs-queue-text">queued</span>,{' '}
        <span className="rs-limit-text">adaptive limit</span>, thin lines: calls in flight per dependency
        (bulkhead slots).
      </p>
      <Occupancy detail={detail} />
    </section>
  );
}
