/** What a system page needs before it draws: the system's definition and, if it has one, its view. */
import { loadSystem, type SystemDefinition } from '@dslab/systems';
import { loadView } from '../views/registry';
import type { ViewEntry } from '../views/types';

export interface LoadedSystem {
  readonly system: SystemDefinition<unknown>;
  readonly view: ViewEntry | undefined;
}

const loading = new Map<string, Promise<LoadedSystem>>();

/**
 * Loads one system's chunk, then its view's chunk. The same promise for the same id every time, so a
 * page that suspends on it (React's `use`) resumes instead of starting over; a failed load is forgotten
 * so that opening the page again retries it.
 */
export function loadSystemPage(id: string): Promise<LoadedSystem> {
  const known = loading.get(id);
  if (known) return known;
  const promise = loadSystem(id).then(async (system) => ({ system, view: await loadView(system.view) }));
  loading.set(id, promise);
  promise.catch(() => loading.delete(id));
  return promise;
}
