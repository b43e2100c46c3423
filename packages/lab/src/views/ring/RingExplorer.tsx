import { useMemo, useState } from 'react';
import { murmur3 } from '@dslab/sim';
import {
  ConsistentHashRing,
  jumpPlacement,
  keySlot,
  loadPerNode,
  loadSpread,
  moduloPlacement,
  movedFraction,
  movedKeys,
  rendezvousPlacement,
  ringPlacement,
  slotMaster,
  slotRanges,
  SLOT_COUNT,
  type Placement,
} from '@dslab/systems';
import './ring.css';

const DRAWN_KEYS = 360;
const COUNTED_KEYS = 20_000;
const VNODE_CHOICES = [1, 8, 32, 150] as const;
const SIZE = 320;
const R = 130;

const color = (index: number) => `hsl(${(index * 137.5) % 360} 60% 50%)`;
const angle = (hash: number) => (hash / 2 ** 32) * 2 * Math.PI - Math.PI / 2;
const keysFor = (n: number) => Array.from({ length: n }, (_, i) => `user:${i}`);

function ringOf(nodes: readonly string[], vnodes: number): ConsistentHashRing {
  const ring = new ConsistentHashRing(vnodes);
  for (const node of nodes) ring.add(node);
  return ring;
}

/**
 * One strategy on these nodes, measured by hashring's own functions: the busiest node's load over the
 * mean, and the fraction of keys that change owner when `joining` joins.
 */
function compare(
  make: () => Placement,
  nodes: readonly string[],
  joining: string,
  keys: readonly string[],
): { spread: number; moved: number } {
  const placement = make();
  for (const node of nodes) placement.add(node);
  return {
    spread: loadSpread(loadPerNode(placement, nodes, keys).values()).maxOverMean,
    moved: movedFraction(make, nodes, keys, { add: joining }).moved,
  };
}

/**
 * The consistent-hash ring in the browser: nodes' points and keys on the ring, keys that move when a
 * node joins or leaves, the load per node, keys moved per strategy, and Redis Cluster's slot map.
 */
export function RingExplorer() {
  const [nodes, setNodes] = useState<string[]>(['n1', 'n2', 'n3', 'n4']);
  const [vnodes, setVnodes] = useState<number>(8);
  const [previous, setPrevious] = useState<{ nodes: string[]; vnodes: number } | undefined>();
  const [probe, setProbe] = useState('user:{42}:cart');
  const drawn = useMemo(() => keysFor(DRAWN_KEYS), []);
  const counted = useMemo(() => keysFor(COUNTED_KEYS), []);
  const ring = useMemo(() => ringOf(nodes, vnodes), [nodes, vnodes]);
  const before = useMemo(() => (previous ? ringOf(previous.nodes, previous.vnodes) : undefined), [previous]);
  const points = useMemo(() => ring.snapshot().points, [ring]);
  const owners = drawn.map((k) => ring.owner(k));
  const moved = useMemo(() => new Set(before ? movedKeys(before, ring, drawn) : []), [before, ring, drawn]);
  const load = useMemo(() => loadPerNode(ring, nodes, counted), [ring, nodes, counted]);
  const max = Math.max(...load.values());
  const busiest = loadSpread(load.values()).maxOverMean;
  const joining = `n${Math.max(...nodes.map((n) => Number(n.slice(1)))) + 1}`;
  const strategies = useMemo(() => {
    const sample = counted.slice(0, 5_000);
    return [
      { name: `ring, ${vnodes} vnodes`, ...compare(() => ringPlacement(vnodes), nodes, joining, sample) },
      { name: 'modulo', ...compare(moduloPlacement, nodes, joining, sample) },
      { name: 'jump hash', ...compare(jumpPlacement, nodes, joining, sample) },
      { name: 'rendezvous', ...compare(rendezvousPlacement, nodes, joining, sample) },
    ];
  }, [nodes, joining, vnodes, counted]);
  const change = (next: string[], nextVnodes = vnodes) => {
    setPrevious({ nodes, vnodes });
    setNodes(next);
    setVnodes(nextVnodes);
  };
  const indexOf = (node: string) => Number(node.slice(1)) - 1;
  const probeSlot = keySlot(probe);
  const ranges = slotRanges(nodes.length);
  const probeMaster = slotMaster(probeSlot, nodes.length);
  const probeRange = ranges[probeMaster] as { first: number; last: number };

  return (
    <section className="explorer" aria-label="Consistent hashing explorer" data-testid="ring-explorer">
      <h2>Explore the ring</h2>
      <div className="controls">
        <button
          onClick={() => change([...nodes, joining])}
          disabled={nodes.length >= 24}
          data-testid="ring-add"
        >
          Add a node
        </button>
        <button
          onClick={() => change(nodes.slice(0, -1))}
          disabled={nodes.length <= 1}
          data-testid="ring-remove"
        >
          Remove {nodes[nodes.length - 1]}
        </button>
        <label>
          Virtual nodes per node{' '}
          <select
            value={vnodes}
            onChange={(e) => change(nodes, Number(e.target.value))}
            aria-label="Virtual nodes per node"
          >
            {VNODE_CHOICES.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="explorer-grid">
        <svg
          viewBox={`0 0 ${SIZE} ${SIZE}`}
          width="100%"
          style={{ maxWidth: 440 }}
          role="img"
          aria-label={`Ring of ${nodes.length} nodes`}
        >
          <circle cx={SIZE / 2} cy={SIZE / 2} r={R} fill="none" stroke="var(--line)" strokeWidth="2" />
          {points.length <= 2_000 &&
            points.map((p, i) => {
              const a = angle(p.position);
              return (
                <line
                  key={i}
                  x1={SIZE / 2 + Math.cos(a) * (R - 9)}
                  y1={SIZE / 2 + Math.sin(a) * (R - 9)}
                  x2={SIZE / 2 + Math.cos(a) * (R + 9)}
                  y2={SIZE / 2 + Math.sin(a) * (R + 9)}
                  stroke={color(indexOf(p.owner))}
                  strokeWidth="2"
                />
              );
            })}
          {drawn.map((k, i) => {
            const a = angle(murmur3(k));
            const r = R - 22 - (i % 5) * 6;
            const wasMoved = moved.has(k);
            return (
              <circle
                key={k}
                className="ring-key"
                cx={SIZE / 2 + Math.cos(a) * r}
                cy={SIZE / 2 + Math.sin(a) * r}
                r={wasMoved ? 4 : 2.2}
                fill={color(indexOf(owners[i] as string))}
                stroke={wasMoved ? 'var(--fg)' : 'none'}
              >
                <title>{`${k} → ${owners[i]}`}</title>
              </circle>
            );
          })}
          <text
            x={SIZE / 2}
            y={SIZE / 2}
            textAnchor="middle"
            dominantBaseline="middle"
            fill="var(--fg)"
            fontSize="13"
          >
            {nodes.length} nodes · {points.length} points
          </text>
        </svg>
        <div>
          <p data-testid="ring-moved">
            {before
              ? `${moved.size} of ${DRAWN_KEYS} drawn keys moved (${((moved.size / DRAWN_KEYS) * 100).toFixed(1)}%; 1/N with N = ${Math.max(nodes.length, previous?.nodes.length ?? 0)} is ${(100 / Math.max(nodes.length, previous?.nodes.length ?? 0)).toFixed(1)}%) — outlined on the ring.`
              : 'Add or remove a node: the keys that change owner are outlined.'}
          </p>
          <h3>Load per node ({COUNTED_KEYS.toLocaleString('en-US')} keys)</h3>
          <ul className="bars" aria-label="Keys per node">
            {nodes.map((n) => (
              <li key={n}>
                <span>{n}</span>
                <span
                  className="bar"
                  style={{ width: `${((load.get(n) ?? 0) / max) * 100}%`, background: color(indexOf(n)) }}
                />
                <span>{load.get(n)}</span>
              </li>
            ))}
          </ul>
          <p className="muted">
            Busiest node {(busiest * 100 - 100).toFixed(0)}% above the mean. More virtual nodes flatten the
            bars.
          </p>
        </div>
      </div>
      <h3>Keys moved when {joining} joins</h3>
      <ul className="bars" aria-label="Keys moved per strategy" data-testid="ring-strategies">
        {strategies.map((s) => (
          <li key={s.name}>
            <span>{s.name}</span>
            <span className="bar" style={{ width: `${s.moved * 100}%` }} />
            <span>{(s.moved * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        The ideal is 1/(N + 1) = {(100 / (nodes.length + 1)).toFixed(1)}%: only the new node's share moves.
      </p>
      <h3>Busiest node's load over the mean, {nodes.length} nodes</h3>
      <ul className="bars" aria-label="Load spread per strategy" data-testid="ring-spread">
        {strategies.map((s) => (
          <li key={s.name}>
            <span>{s.name}</span>
            <span className="bar" style={{ width: `${Math.min(100, (s.spread / 3) * 100)}%` }} />
            <span>{s.spread.toFixed(2)}×</span>
          </li>
        ))}
      </ul>
      <h3>Redis Cluster slots</h3>
      <p>
        <label>
          Key{' '}
          <input
            value={probe}
            size={28}
            style={{ width: '16rem', maxWidth: '100%' }}
            onChange={(e) => setProbe(e.target.value)}
            aria-label="Key to place in a slot"
          />
        </label>{' '}
        → slot <strong data-testid="ring-slot">{probeSlot}</strong> (CRC16 of{' '}
        {probe.includes('{') ? 'its {tag}' : 'the key'} mod 16384), owned by master {probeMaster + 1} of{' '}
        {nodes.length} (slots {probeRange.first}–{probeRange.last}: contiguous ranges, as redis-cli assigns
        them).
      </p>
      <div className="slot-map" aria-hidden="true">
        <div className="slot-strip">
          {nodes.map((n, i) => (
            <span
              key={n}
              className={i === probeMaster ? 'owner' : undefined}
              style={{
                flex: (ranges[i]?.last ?? 0) - (ranges[i]?.first ?? 0) + 1,
                background: color(i),
              }}
            />
          ))}
        </div>
        <span className="slot-marker" style={{ left: `${(probeSlot / SLOT_COUNT) * 100}%` }} />
      </div>
      <p className="muted slot-scale">
        <span>slot 0</span>
        <span>16383</span>
      </p>
    </section>
  );
}
