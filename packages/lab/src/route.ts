/**
 * A run is a link: `#/system/<id>?seed=<n>&<param>=<json>&faults=<script>&t=<ms>`. Parsing never throws: a bad link becomes
 * an error route that says what is wrong, so the page can offer the default run instead.
 * `#/<id>` (a registered system's id, as someone would type it) is short for `#/system/<id>`.
 */
import { faultScriptSchema, systemEntry } from '@dslab/systems';
import type { Command } from './live/session';

export type Route =
  | { readonly page: 'home' }
  /** The linearizability checker: paste or upload a history. */
  | { readonly page: 'check' }
  /** A workbench run, opened from its results file. */
  | { readonly page: 'workbench' }
  | {
      readonly page: 'system';
      readonly system: string;
      readonly seed: number;
      readonly params: Record<string, unknown>;
      /** The fault script of a live run, and the virtual time the link points at. */
      readonly faults: readonly Command[];
      readonly at: number;
    }
  | { readonly page: 'error'; readonly message: string; readonly system?: string };

export const DEFAULT_SEED = 1;

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  if (text === '' || text === '/') return { page: 'home' };
  if (text === '/check' || text === 'check') return { page: 'check' };
  if (text === '/workbench' || text === 'workbench') return { page: 'workbench' };
  const [path = '', query = ''] = text.split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 1 && systemEntry(parts[0] as string)) parts.unshift('system');
  if (parts[0] !== 'system' || parts.length !== 2) return { page: 'error', message: `no page at '${path}'` };
  let system: string;
  try {
    system = decodeURIComponent(parts[1] as string);
  } catch {
    return { page: 'error', message: `the system name in '${path}' is not valid URL encoding` };
  }
  let seed = DEFAULT_SEED;
  let faults: readonly Command[] = [];
  let at = 0;
  const params: Record<string, unknown> = {};
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
    } catch {
      return { page: 'error', system, message: `'${pair}' in the link is not valid URL encoding` };
    }
    if (key === 'seed') {
      if (!/^\d{1,15}$/.test(value))
        return { page: 'error', system, message: `seed must be a whole number, got '${value}'` };
      seed = Number(value);
    } else if (key === 't') {
      const time = Number(value);
      if (value === '' || !Number.isFinite(time) || time < 0)
        return { page: 'error', system, message: `t must be a time in ms ≥ 0, got '${value}'` };
      at = time;
    } else if (key === 'faults') {
      let json: unknown;
      try {
        json = JSON.parse(value);
      } catch {
        return { page: 'error', system, message: 'the fault script in the link is not valid JSON' };
      }
      const parsed = faultScriptSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          page: 'error',
          system,
          message: `the fault script in the link is invalid at ${issue?.path.join('.') || 'its root'}: ${issue?.message ?? 'unknown problem'}`,
        };
      }
      faults = parsed.data;
    } else {
      let parsed: unknown = value;
      try {
        parsed = JSON.parse(value);
      } catch {
        /* a plain string */
      }
      // defineProperty, not assignment: a key like __proto__ must stay a plain (and rejected) param.
      Object.defineProperty(params, key, {
        value: parsed,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return { page: 'system', system, seed, params, faults, at };
}

export function systemLink(
  system: string,
  seed: number,
  params: Record<string, unknown> = {},
  live?: { readonly faults: readonly Command[]; readonly at: number },
): string {
  const query = [
    `seed=${seed}`,
    ...Object.entries(params).map(
      ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(JSON.stringify(v))}`,
    ),
  ];
  if (live) {
    if (live.faults.length > 0) query.push(`faults=${encodeURIComponent(JSON.stringify(live.faults))}`);
    query.push(`t=${live.at}`); // full precision: the link must land on the exact moment
  }
  return `#/system/${encodeURIComponent(system)}?${query.join('&')}`;
}
