import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { systems } from '@dslab/systems';
import { viewFor, views } from './registry';

const labSource = join(fileURLToPath(import.meta.url), '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(tsx?|css)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('the view registry', () => {
  it('every view kind a system declares is drawn by a registered view, and every view is used', () => {
    for (const system of systems)
      if (system.view !== undefined)
        expect(viewFor(system.view), `${system.id}: '${system.view}'`).toBeDefined();
    for (const entry of views) {
      expect(
        systems.some((system) => system.view === entry.kind),
        `no system declares '${entry.kind}'`,
      ).toBe(true);
      expect(entry.Live ?? entry.Explorer, `'${entry.kind}' draws nothing`).toBeDefined();
    }
  });

  it("a live run's detail is of the kind its system declares, and that kind's view draws it", () => {
    for (const system of systems) {
      if (!system.live) continue;
      const run = system.live(system.params.parse({}), 1);
      run.world.runEvents(300);
      const detail = run.view().detail;
      if (detail === undefined) continue;
      expect(detail.kind, system.id).toBe(system.view);
      const Live = viewFor(system.view)?.Live;
      expect(Live, `${system.id}: no live view for '${detail.kind}'`).toBeDefined();
      const html = renderToStaticMarkup(createElement(Live!, { detail }));
      expect(html, system.id).not.toContain('view-mismatch');
    }
  });

  it('a live view checks the kind at run time and says so instead of drawing the wrong data', () => {
    for (const entry of views) {
      if (!entry.Live) continue;
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
