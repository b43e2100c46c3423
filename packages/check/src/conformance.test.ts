import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEdnHistory } from './readers';
import { checkLinearizable } from './linearizable';
import { casRegisterModel, multiRegisterModel } from './model';

// Copied into the repository (conformance/README.md names the origin and licence): a clone needs nothing beside it.
const conformance = fileURLToPath(new URL('../../../conformance/knossos/', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

function files(folder: string): string[] {
  return readdirSync(join(conformance, folder))
    .filter((f) => f.endsWith('.edn'))
    .sort()
    .map((f) => join(conformance, folder, f));
}

describe('conformance with Knossos histories (recorded by Jepsen)', () => {
  it.each([
    ['cas-register/good', 'linearizable'],
    ['cas-register/bad', 'not-linearizable'],
  ] as const)('%s: every history gets the verdict of its folder', (folder, expected) => {
    const paths = files(folder);
    expect(paths.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const path of paths) {
      const result = checkLinearizable(readEdnHistory(readFileSync(path, 'utf8')), casRegisterModel(0));
      if (result.verdict !== expected) wrong.push(`${path.split('/').pop()}: ${result.verdict}`);
    }
    expect(wrong).toEqual([]);
  });

  it('multi-register/good is linearizable for {x 0, y 0}', () => {
    for (const path of files('multi-register/good')) {
      const result = checkLinearizable(
        readEdnHistory(readFileSync(path, 'utf8')),
        multiRegisterModel({ x: 0, y: 0 }),
      );
      expect(result.verdict).toBe('linearizable');
    }
  });
});

describe('the repository is self-contained', () => {
  // Paths that reach beside the repository (the team's shared folder, or an absolute checkout path).
  const outside = [
    /\.\.\/shared\b/,
    /\/work\/shared\b/,
    /'\.\.',\s*'\.\.',\s*'shared'/,
    /'\.\.',\s*'shared'/,
  ];
  const skip = new Set([
    'node_modules',
    '.git',
    'dist',
    'coverage',
    'test-artifacts',
    'results',
    'conformance',
  ]);
  const text = /\.(ts|tsx|mts|mjs|js|cjs|json|md|yml|yaml|sh)$/;

  function* walk(dir: string): Generator<string> {
    for (const name of readdirSync(dir)) {
      if (skip.has(name)) continue;
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) yield* walk(path);
      else if (text.test(name) && stat.size < 2_000_000) yield path;
    }
  }

  it('the conformance data the tests read is inside it, with its origin and licence', () => {
    expect(readFileSync(join(root, 'conformance', 'README.md'), 'utf8')).toMatch(/Eclipse Public License/);
    expect(statSync(join(conformance, 'LICENSE-EPL-1.0.txt')).size).toBeGreaterThan(5_000);
    expect(files('cas-register/good')).toHaveLength(113);
    expect(files('cas-register/bad')).toHaveLength(7);
  });

  it('no test, script or document reads a path outside it', () => {
    const self = fileURLToPath(import.meta.url);
    const offenders: string[] = [];
    for (const path of walk(root)) {
      if (path === self) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.some((pattern) => pattern.test(line)))
            offenders.push(`${relative(root, path)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
