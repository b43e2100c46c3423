/**
 * A run is a link: `#/system/<id>?seed=<n>&<param>=<json>`. Parsing never throws: a bad link becomes
 * an error route that says what is wrong, so the page can offer the default run instead.
 */
export type Route =
  | { readonly page: 'home' }
  | {
      readonly page: 'system';
      readonly system: string;
      readonly seed: number;
      readonly params: Record<string, unknown>;
    }
  | { readonly page: 'error'; readonly message: string; readonly system?: string };

export const DEFAULT_SEED = 1;

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  if (text === '' || text === '/') return { page: 'home' };
  const [path = '', query = ''] = text.split('?', 2);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] !== 'system' || parts.length !== 2) return { page: 'error', message: `no page at '${path}'` };
  let system: string;
  try {
    system = decodeURIComponent(parts[1] as string);
  } catch {
    return { page: 'error', message: `the system name in '${path}' is not valid URL encoding` };
  }
  let seed = DEFAULT_SEED;
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
    } else {
      try {
        params[key] = JSON.parse(value);
      } catch {
        params[key] = value;
      }
    }
  }
  return { page: 'system', system, seed, params };
}

export function systemLink(system: string, seed: number, params: Record<string, unknown> = {}): string {
  const query = [
    `seed=${seed}`,
    ...Object.entries(params).map(
      ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(JSON.stringify(v))}`,
    ),
  ];
  return `#/system/${encodeURIComponent(system)}?${query.join('&')}`;
}
