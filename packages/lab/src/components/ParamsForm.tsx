import { useMemo, useState } from 'react';
import { z } from 'zod';
import type { SystemDefinition } from '@dslab/systems';
import { systemLink } from '../route';

interface Field {
  readonly name: string;
  readonly kind: 'number' | 'integer' | 'boolean' | 'enum';
  readonly defaultValue: unknown;
  readonly min?: number;
  readonly max?: number;
  readonly options?: readonly string[];
}

interface JsonProperty {
  readonly type?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly enum?: readonly string[];
}

/** The editable fields of a params schema (numbers, booleans, enums), read from its JSON Schema. */
function fieldsOf(system: SystemDefinition<unknown>): Field[] {
  let schema: { properties?: Record<string, JsonProperty> };
  try {
    schema = z.toJSONSchema(system.params, { io: 'input' }) as typeof schema;
  } catch {
    return []; // a schema JSON Schema cannot express: the URL still takes the params
  }
  return Object.entries(schema.properties ?? {}).flatMap(([name, p]): Field[] => {
    if (p.enum) return [{ name, kind: 'enum', defaultValue: p.default, options: p.enum }];
    if (p.type === 'boolean') return [{ name, kind: 'boolean', defaultValue: p.default }];
    if (p.type === 'number' || p.type === 'integer') {
      return [
        {
          name,
          kind: p.type,
          defaultValue: p.default,
          ...(p.minimum !== undefined || p.exclusiveMinimum !== undefined
            ? { min: p.minimum ?? p.exclusiveMinimum }
            : {}),
          ...(p.maximum !== undefined ? { max: p.maximum } : {}),
        },
      ];
    }
    return [];
  });
}

interface Props {
  readonly system: SystemDefinition<unknown>;
  readonly params: Record<string, unknown>;
  readonly seed: number;
}

/** The system's parameters as a form generated from its schema; applying it opens the new run's link. */
export function ParamsForm({ system, params, seed }: Props) {
  const fields = useMemo(() => fieldsOf(system), [system]);
  const [draft, setDraft] = useState<Record<string, unknown>>(params);
  if (fields.length === 0) return null;
  const value = (f: Field) => (f.name in draft ? draft[f.name] : f.defaultValue);
  const changed = Object.fromEntries(
    fields
      .filter((f) => f.name in draft && draft[f.name] !== f.defaultValue)
      .map((f) => [f.name, draft[f.name]]),
  );
  const parsed = system.params.safeParse(changed);
  const problem = parsed.success
    ? undefined
    : parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ');
  const set = (name: string, v: unknown) => setDraft((d) => ({ ...d, [name]: v }));
  return (
    <details className="params" data-testid="params">
      <summary>
        Parameters{Object.keys(params).length > 0 ? ` (${Object.keys(params).length} changed)` : ''}
      </summary>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!problem) window.location.hash = systemLink(system.id, seed, changed);
        }}
      >
        <div className="params-grid">
          {fields.map((f) => (
            <label key={f.name}>
              <span>{f.name}</span>
              {f.kind === 'boolean' ? (
                <input
                  type="checkbox"
                  checked={value(f) === true}
                  onChange={(e) => set(f.name, e.target.checked)}
                  data-testid={`param-${f.name}`}
                />
              ) : f.kind === 'enum' ? (
                <select
                  value={(value(f) as string | undefined) ?? ''}
                  onChange={(e) => set(f.name, e.target.value === '' ? undefined : e.target.value)}
                  data-testid={`param-${f.name}`}
                >
                  {f.defaultValue === undefined && <option value="">(none)</option>}
                  {f.options?.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  type="number"
                  value={String(value(f) ?? '')}
                  min={f.min}
                  max={f.max}
                  step={f.kind === 'integer' ? 1 : 'any'}
                  onChange={(e) => set(f.name, e.target.value === '' ? undefined : Number(e.target.value))}
                  data-testid={`param-${f.name}`}
                />
              )}
            </label>
          ))}
        </div>
        {problem && (
          <p className="invalid" role="alert" data-testid="params-error">
            {problem}
          </p>
        )}
        <button type="submit" disabled={problem !== undefined} data-testid="params-apply">
          Run with these parameters
        </button>
      </form>
    </details>
  );
}
