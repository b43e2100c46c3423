import { useState } from 'react';
import type { Fault } from '@dslab/sim';
import type { LiveNodeView } from '@dslab/systems';

interface Props {
  readonly nodes: readonly LiveNodeView[];
  readonly apply: (fault: Fault) => void;
}

/** Faults on one chosen node (crash, restart, pause, isolate, one-way block, clock) or on every link. */
export function FaultBar({ nodes, apply }: Props) {
  const [selected, setSelected] = useState('');
  const target = selected || nodes[0]?.id || '';
  return (
    <div className="faultbar" role="toolbar" aria-label="Faults">
      <label>
        Node{' '}
        <select
          value={target}
          onChange={(e) => setSelected(e.target.value)}
          aria-label="Node for faults"
          data-testid="fault-node"
        >
          {nodes.map((n) => (
            <option key={n.id} value={n.id}>
              {n.id}
            </option>
          ))}
        </select>
      </label>
      <button onClick={() => apply({ kind: 'crash', node: target })} data-testid="crash">
        Crash
      </button>
      <button onClick={() => apply({ kind: 'restart', node: target })} data-testid="restart">
        Restart
      </button>
      <button onClick={() => apply({ kind: 'pause', node: target, ms: 500 })}>Pause 500 ms</button>
      <button onClick={() => apply({ kind: 'partition', groups: [[target]] })} data-testid="isolate">
        Isolate
      </button>
      <button
        onClick={() => {
          const other = nodes.find((n) => n.id !== target)?.id;
          if (other) apply({ kind: 'one-way', from: target, to: other });
        }}
      >
        Block {target} → next
      </button>
      <button onClick={() => apply({ kind: 'heal' })} data-testid="heal">
        Heal
      </button>
      <button onClick={() => apply({ kind: 'clock-jump', node: target, ms: 1000 })}>Clock +1 s</button>
      <label>
        Drift{' '}
        <select
          aria-label={`Clock drift of ${target}`}
          data-testid="drift"
          value=""
          onChange={(e) => {
            if (e.target.value !== '')
              apply({ kind: 'clock-drift', node: target, ppm: Number(e.target.value) });
          }}
        >
          <option value="">set…</option>
          <option value={-500000}>−50% (half speed)</option>
          <option value={-1000}>−1000 ppm</option>
          <option value={0}>none</option>
          <option value={1000}>+1000 ppm</option>
          <option value={500000}>+50%</option>
        </select>
      </label>
      <button onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { loss: 0.2 } })}>
        Loss 20%
      </button>
      <button onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { duplicate: 0.2 } })}>
        Duplicate 20%
      </button>
      <button onClick={() => apply({ kind: 'link', from: '*', to: '*', config: { loss: 0, duplicate: 0 } })}>
        Loss and duplicates 0
      </button>
    </div>
  );
}
