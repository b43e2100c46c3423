import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { systems } from '@dslab/systems';
import { loadView, views } from './registry';

const labSource = join(fileURLToPath(import.meta.url), '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(tsx?|css)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('the view registry', () => {
  it('every view kind a system declares is drawn by a registered view, and every view is used', async () => {
    for (const system of systems)
      if (system.view !== undefined)
        expect(await loadView(system.view), `${system.id}: '${system.view}'`).toBeDefined();
    for (const lazy of views) {
      expect(
        systems.some((system) => system.view === lazy.kind),
        `no system declares '${lazy.kind}'`,
      ).toBe(true);
      const entry = await loadView(lazy.kind);
      expect(entry?.kind, `'${lazy.kind}' loads no view of its kind`).toBe(lazy.kind);
      expect(entry?.Live ?? entry?.Explorer, `'${lazy.kind}' draws nothing`).toBeDefined();
    }
  });

  it('a kind nothing draws loads no view', async () => {
    expect(await loadView(undefined)).toBeUndefined();
    expect(await loadView('no-such-view-kind')).toBeUndefined();
  });

  it("a live run's detail is of the kind its system declares, and that kind's view draws it", async () => {
    for (const system of systems) {
      if (!system.live) continue;
      const run = system.live(system.params.parse({}), 1);
      run.world.runEvents(300);
      const detail = run.view().detail;
      if (detail === undefined) continue;
      expect(detail.kind, system.id).toBe(system.view);
      const Live = (await loadView(system.view))?.Live;
      expect(Live, `${system.id}: no live view for '${detail.kind}'`).toBeDefined();
      const html = renderToStaticMarkup(createElement(Live!, { detail }));
      expect(html, system.id).not.toContain('view-mismatch');
    }
  });

  it('a live view checks the kind at run time and says so instead of drawing the wrong data', async () => {
    for (const lazy of views) {
      const entry = await loadView(lazy.kind);
      if (!entry?.Live) continue;
      const html = renderToStaticMarkup(createElement(entry.Live, { detail: { kind: `not-${entry.kind}` } }));
      expect(html).toContain('view-mismatch');
      const hollow = renderToStaticMarkup(createElement(entry.Live, { detail: { kind: entry.kind } }));
      expect(hollow).toContain('view-mismatch');
    }
  });

  it('no lab file outside a view folder names a system or a view kind', () => {
    const names = [...new Set([...systems.map((s) => s.id), ...views.map((v) => v.kind)])];
    const pattern = new RegExp(
      `(^|[^\\w-])(${names.map((n) => n.replace(/-/g, '\\-')).join('|')})(?![\\w-])`,
      'i',
    );
    const offenders: string[] = [];
    for (const path of sourceFiles(labSource)) {
      const file = relative(labSource, path);
      // A view's own folder names its system; the registry names each view once, by its import.
      if (views.some((v) => file.startsWith(join('views', v.kind))) || file === join('views', 'registry.ts'))
        continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (pattern.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
