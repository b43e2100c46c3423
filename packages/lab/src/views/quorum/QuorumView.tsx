import { useState } from 'react';
import type { QuorumDetail, QuorumKeyView } from './detail';
import './quorum.css';

const SIZE = 300;
const R = 118;
const CENTRE = SIZE / 2;

const colour = (index: number) => `hsl(${(index * 137.5) % 360} 60% 45%)`;
const level = (l: string) => l.toUpperCase();
const modeName: Record<string, string> = {
  lww: 'last-write-wins',
  vv: 'per-server version vectors',
  dvv: 'dotted version vectors',
};

/** A point on the ring at `position` (0..1, clockwise from the top), at radius `r`. */
function at(position: number, r: number): { x: number; y: number } {
  const a = position * 2 * Math.PI - Math.PI / 2;
  return { x: CENTRE + r * Math.cos(a), y: CENTRE + r * Math.sin(a) };
}

/** For each preferred node, the first of its points clockwise from the key: where the ring walk meets it. */
function walk(detail: QuorumDetail, key: QuorumKeyView): { node: string; position: number }[] {
  const sorted = [...detail.points].sort((a, b) => a.position - b.position);
  const start = sorted.findIndex((p) => p.position >= key.position);
  const out: { node: string; position: number }[] = [];
  for (let i = 0; i < sorted.length && out.length < key.preference.length; i++) {
    const p = sorted[((start < 0 ? 0 : start) + i) % sorted.length];
    if (p && key.preference.includes(p.owner) && !out.some((o) => o.node === p.owner))
      out.push({ node: p.owner, position: p.position });
  }
  return out;
}

/** An arc along the ring from `from` to `to` (clockwise), drawn just inside it. */
function arc(from: number, to: number, r: number): string {
  const span = (to - from + 1) % 1;
  const a = at(from, r);
  const b = at(from + span, r);
  return `M ${a.x.toFixed(1)} ${a.y.toFixed(1)} A ${r} ${r} 0 ${span > 0.5 ? 1 : 0} 1 ${b.x.toFixed(1)} ${b.y.toFixed(1)}`;
}

export function QuorumView({ detail }: { readonly detail: QuorumDetail }) {
  const [chosen, setChosen] = useState<string | undefined>();
  const nodeIndex = new Map(detail.nodes.map((n, i) => [n.id, i]));
  const selected =
    detail.keys.find((k) => k.key === chosen) ?? detail.keys.find((k) => k.divergent) ?? detail.keys[0];
  const path = selected ? walk(detail, selected) : [];
  const { params } = detail;
  const divergent = detail.keys.filter((k) => k.divergent).length;
  return (
    <section className="q-view" aria-label="quorum store">
      <p className="q-caption">
        Each key lives on the first <strong>N = {params.n}</strong> distinct nodes clockwise from its hash;
        reads wait for <strong>{level(params.r)}</strong>, writes for <strong>{level(params.w)}</strong>;
        conflicts by {modeName[params.mode] ?? params.mode};{' '}
        {params.sloppy ? 'sloppy quorum with hinted handoff' : 'strict quorum (no stand-ins)'}.{' '}
        <span className={divergent > 0 ? 'q-bad' : 'q-ok'}>
          {divergent} of {detail.keys.length} keys differ across their replicas
        </span>
        , {detail.hintCount} hints pending.
      </p>
      <div className="q-top">
        <svg
          className="q-ring"
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          role="img"
          aria-label={`ring of ${detail.nodes.length} nodes and ${detail.keys.length} keys`}
        >
          <circle cx={CENTRE} cy={CENTRE} r={R} className="q-circle" />
          {detail.points.map((p, i) => {
            const a = at(p.position, R - 7);
            const b = at(p.position, R + 7);
            const up = detail.nodes[nodeIndex.get(p.owner) ?? 0]?.up ?? true;
            return (
              <line
                key={i}
                x1={a.x}
                y1={a.y}
                x2={b.x}
                y2={b.y}
                stroke={colour(nodeIndex.get(p.owner) ?? 0)}
                strokeWidth={path.some((w) => w.position === p.position) ? 4 : 1.5}
                opacity={up ? 1 : 0.25}
              />
            );
          })}
          {selected && path.length > 0 && (
            <path
              d={arc(selected.position, path[path.length - 1]?.position ?? selected.position, R - 14)}
              className="q-walk"
            />
          )}
          {detail.keys.map((k) => {
            const p = at(k.position, R - 26);
            const isSelected = k.key === selected?.key;
            return (
              <g key={k.key} className="q-key" onClick={() => setChosen(k.key)}>
                <circle
                  cx={p.x}
                  cy={p.y}
                  r={isSelected ? 6 : 4}
                  className={k.divergent ? 'q-key-dot divergent' : 'q-key-dot'}
                />
                {isSelected && (
                  <text x={p.x} y={p.y - 9} textAnchor="middle" className="q-key-label">
                    {k.key}
                  </text>
                )}
              </g>
            );
          })}
        </svg>
        <ul className="q-nodes">
          {detail.nodes.map((n, i) => (
            <li key={n.id} className={n.up ? (n.paused ? 'paused' : '') : 'down'}>
              <span className="q-chip" style={{ background: colour(i) }}>
                {n.id}
              </span>{' '}
              {n.up ? (n.paused ? 'paused' : 'up') : 'down'}
              {n.hints > 0 && (
                <span className="q-hints">
                  {' '}
                  · holds {n.hints} hint{n.hints === 1 ? '' : 's'}
                </span>
              )}
            </li>
          ))}
        </ul>
      </div>
      <table className="q-keys">
        <thead>
          <tr>
            <th>key</th>
            <th>preference list</th>
            <th>what each replica holds (more than one value: siblings)</th>
          </tr>
        </thead>
        <tbody>
          {detail.keys.map((k) => (
            <tr key={k.key} className={k.key === selected?.key ? 'selected' : undefined}>
              <td>
                <button type="button" className="q-key-button" onClick={() => setChosen(k.key)}>
                  {k.key}
                </button>
              </td>
              <td>
                {k.preference.map((node) => (
                  <span
                    key={node}
                    className="q-chip"
                    style={{ background: colour(nodeIndex.get(node) ?? 0) }}
                    title={`preferred replica ${node}`}
                  >
                    {node}
                  </span>
                ))}
              </td>
              <td className={k.divergent ? 'q-divergent' : undefined}>
                {k.replicas.map((r) => (
                  <span key={r.node} className="q-replica">
                    <span className="muted">{r.node}:</span>{' '}
                    {!r.up ? (
                      <em className="muted">down</em>
                    ) : r.values.length === 0 ? (
                      <em className="muted">—</em>
                    ) : (
                      r.values.map((v) => (
                        <code key={v} className={r.values.length > 1 ? 'q-sibling' : undefined}>
                          {v}
                        </code>
                      ))
                    )}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4 className="q-heading">
        Pending hints
        {detail.hints.length < detail.hintCount
          ? ` (the first ${detail.hints.length} of ${detail.hintCount})`
          : ''}
      </h4>
      {detail.hints.length === 0 ? (
        <p className="muted">None: every write reached the nodes it was meant for.</p>
      ) : (
        <table className="q-hint-table" aria-label={`${detail.hintCount} pending hints`}>
          <thead>
            <tr>
              <th>held by (stand-in)</th>
              <th>meant for</th>
              <th>key</th>
              <th>siblings</th>
            </tr>
          </thead>
          <tbody>
            {detail.hints.map((h) => (
              <tr key={`${h.holder}|${h.intended}|${h.key}`}>
                <td>{h.holder}</td>
                <td>{h.intended}</td>
                <td>{h.key}</td>
                <td>{h.siblings}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
