// The lab loads systems through the lazy registry; the CLI and the tests through the eager one. Both must
// list the same systems, in the same order, with the same titles, rows and view kinds, and each lazy entry must load
// the very definition the eager registry holds.
import { describe, expect, it } from 'vitest';
import { systems } from './registry';
import { loadSystem, systemEntries, systemEntry } from './lazy-registry';

const summary = (s: { id: string; title: string; rows: readonly string[]; view?: string | undefined }) => ({
  id: s.id,
  title: s.title,
  rows: [...s.rows],
  view: s.view,
});

describe('the lazy registry', () => {
  it('lists the systems of registry.ts, in its order, with their titles, rows and view kinds', () => {
    expect(
      systemEntries.map(summary),
      'registry.ts and lazy-registry.ts disagree: a system added to one needs its line in the other',
    ).toEqual(systems.map(summary));
  });

  it('loads, for each id, the definition registry.ts holds', async () => {
    for (const system of systems) expect(await loadSystem(system.id), system.id).toBe(system);
  });

  it('refuses an unknown id without loading anything', async () => {
    expect(systemEntry('no-such-system')).toBeUndefined();
    await expect(loadSystem('no-such-system')).rejects.toThrow("unknown system 'no-such-system'");
  });
});
