import { useState } from 'react';
import type { Fault } from '@dslab/sim';
import type { LiveNodeView } from '@dslab/systems';

interface Props {
  readonly nodes: readonly LiveNodeView[];
  readonly apply: (fault: Fault) => void;
}

/** Tick servers, then cut them off from the rest (clients stay reachable from both sides). */
export function PartitionBuilder({ nodes, apply }: Props) {
  const [cutOff, setCutOff] = useState<readonly string[]>([]);
  const servers = nodes.filter((n) => n.role !== 'client').map((n) => n.id);
  return (
    <fieldset className="partition-builder" aria-label="Partition">
      <legend>Partition</legend>
      {servers.map((id) => (
        <label key={id}>
          <input
            type="checkbox"
            checked={cutOff.includes(id)}
            data-testid={`cut-${id}`}
            onChange={(e) => setCutOff((c) => (e.target.checked ? [...c, id] : c.filter((x) => x !== id)))}
          />{' '}
          {id}
        </label>
      ))}
      <button
        data-testid="partition"
        disabled={cutOff.length === 0}
        onClick={() => {
          const rest = servers.filter((id) => !cutOff.includes(id));
          apply({ kind: 'partition', groups: rest.length > 0 ? [[...cutOff], rest] : [[...cutOff]] });
        }}
      >
        Cut off the ticked nodes
      </button>
    </fieldset>
  );
}
