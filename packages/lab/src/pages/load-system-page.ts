/** What a system page needs before it draws: the system's definition and, if it has one, its view. */
import { loadSystem, systemEntry, type SystemDefinition } from '@dslab/systems';
import { loadView } from '../views/registry';
import type { ViewEntry } from '../views/types';

export interface LoadedSystem {
  readonly system: SystemDefinition<unknown>;
  readonly view: ViewEntry | undefined;
}

const loading = new Map<string, Promise<LoadedSystem>>();

/**
 * Loads one system's chunk and its view's chunk side by side (the lazy registry knows the view kind, so
 * the view need not wait for the definition). The same promise for the same id every time, so a
 * page that suspends on it (React's `use`) resumes instead of starting over; a failed load is forgotten
 * so that opening the page again retries it.
 */
export function loadSystemPage(id: string): Promise<LoadedSystem> {
  const known = loading.get(id);
  if (known) return known;
  const named = systemEntry(id)?.view;
  const promise = Promise.all([loadSystem(id), loadView(named)]).then(([system, view]) => {
    // The lazy registry's test keeps the two in step; a page never draws one system with another's view.
    // (A kind nothing draws yet loads no view: the page falls back to the generic node cards.)
    if (system.view !== named) throw new Error(`the view kind of '${id}' is not the one its entry names`);
    return { system, view };
  });
  loading.set(id, promise);
  promise.catch(() => loading.delete(id));
  return promise;
}
