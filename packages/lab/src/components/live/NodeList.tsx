import type { LiveNodeView } from '@dslab/systems';
import { formatValue } from '../ResultTableView';

/** The generic picture of a live run: one card per node with its state and facts. */
export function NodeList({ nodes }: { nodes: readonly LiveNodeView[] }) {
  return (
    <ul className="nodes" data-testid="nodes">
      {nodes.map((n) => (
        <li
          key={n.id}
          className={`node ${n.up ? (n.paused ? 'paused' : 'up') : 'down'}`}
          data-testid={`node-${n.id}`}
        >
          <strong>{n.id}</strong>{' '}
          <span className="role">{n.up ? (n.paused ? 'paused' : (n.role ?? 'up')) : 'crashed'}</span>
          <dl>
            {Object.entries(n.facts).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{formatValue(v)}</dd>
              </div>
            ))}
          </dl>
        </li>
      ))}
    </ul>
  );
}
