// The layering and declared-dependency rules, run through ESLint with the repository's own config on
// snippets placed (virtually) in each package: each rule must trip where it should and only there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers, testEntryPoints } from './dslab-plugin.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packages = Object.keys(layers);
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The rule ids (with messages) ESLint reports for `code` as if it were the file at `path`. */
async function problems(path: string, code: string): Promise<{ rule: string; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId ?? 'parse', message: m.message }));
}

async function rulesFor(path: string, code: string): Promise<string[]> {
  return (await problems(path, code)).map((p) => p.rule);
}

describe('dslab/layers: imports point down only', () => {
  // Every ordered pair of packages: an import trips the rule exactly when the layers forbid it.
  const pairs = packages.flatMap((from) => packages.filter((to) => to !== from).map((to) => [from, to]));
  it.each(pairs)('%s importing @dslab/%s', async (from, to) => {
    const rules = await rulesFor(
      `packages/${from}/src/probe.ts`,
      `import { x } from '@dslab/${to}';\nexport const y = x;\n`,
    );
    const allowed = layers[from]?.includes(to) ?? false;
    expect(rules.includes('dslab/layers')).toBe(!allowed);
  });

  it('the layers are the documented ones', () => {
    expect(layers).toEqual({
      sim: [],
      check: ['sim'],
      systems: ['sim', 'check'],
      runtime: ['sim', 'check', 'systems'],
      cli: ['sim', 'check', 'systems', 'runtime'],
      lab: ['sim', 'check', 'systems', 'runtime'],
    });
    for (const deps of Object.values(layers)) expect(deps).not.toContain('cli');
    for (const deps of Object.values(layers)) expect(deps).not.toContain('lab');
  });

  it('names the offending import and what the layer may import', async () => {
    const [problem] = await problems('packages/sim/src/probe.ts', "export * from '@dslab/check';\n");
    expect(problem?.message).toBe(
      '@dslab/sim may not import @dslab/check: dependencies point down only (@dslab/sim may import nothing of ours).',
    );
  });

  it('catches re-exports and dynamic imports, not only import declarations', async () => {
    expect(await rulesFor('packages/check/src/probe.ts', "export { x } from '@dslab/systems';\n")).toContain(
      'dslab/layers',
    );
    expect(
      await rulesFor('packages/systems/src/probe.ts', "export const m = () => import('@dslab/runtime');\n"),
    ).toContain('dslab/layers');
    expect(
      await rulesFor('packages/check/src/probe.ts', "export * from '@dslab/sim/world';\n"),
    ).not.toContain('dslab/layers');
  });

  it('rejects reaching into another package by a relative path', async () => {
    const [problem] = await problems(
      'packages/check/src/probe.ts',
      "import { World } from '../../sim/src/world';\nexport const w = World;\n",
    );
    expect(problem?.rule).toBe('dslab/layers');
    expect(problem?.message).toMatch(/@dslab\/sim/);
    expect(
      await rulesFor(
        'packages/check/src/a/probe.ts',
        "import { h } from '../history';\nexport const x = h;\n",
      ),
    ).toEqual([]);
  });

  it('lets tests use the test entry points of packages above them, and nothing else above', async () => {
    const entry = testEntryPoints[0] ?? '';
    const code = `import { useRedis } from '${entry}';\nexport const r = useRedis;\n`;
    expect(await rulesFor('packages/systems/src/hashring/probe.test.ts', code)).toEqual([]);
    expect(await rulesFor('packages/systems/src/hashring/probe.ts', code)).toContain('dslab/layers');
    expect(
      await rulesFor(
        'packages/systems/src/hashring/probe.test.ts',
        "import { LocalCluster } from '@dslab/runtime';\nexport const c = LocalCluster;\n",
      ),
    ).toContain('dslab/layers');
  });

  it('rejects packages that do not exist in the workspace', async () => {
    const [problem] = await problems('packages/cli/src/probe.ts', "import '@dslab/nope';\n");
    expect(problem?.rule).toBe('dslab/layers');
  });
});

describe('determinism rule: no Node modules in sim, check and systems', () => {
  const portable = ['sim', 'check', 'systems'];
  it.each(
    portable.flatMap((p) =>
      ['node:fs', 'fs', 'worker_threads', 'node:test', 'fs/promises'].map((m) => [p, m]),
    ),
  )('%s may not import %s', async (pkg, module) => {
    const rules = await rulesFor(`packages/${pkg}/src/probe.ts`, `import '${module}';\n`);
    expect(rules).toContain('no-restricted-imports');
  });

  it('tests and test-support may, and so may runtime and cli', async () => {
    expect(await rulesFor('packages/sim/src/probe.test.ts', "import 'node:worker_threads';\n")).toEqual([]);
    expect(await rulesFor('packages/sim/src/test-support/probe.ts', "import 'node:os';\n")).toEqual([]);
    expect(await rulesFor('packages/runtime/src/probe.ts', "import 'node:net';\n")).toEqual([]);
    expect(await rulesFor('packages/cli/src/probe.ts', "import 'node:fs';\n")).toEqual([]);
  });

  it('a local module whose name is a Node module is not mistaken for it', async () => {
    expect(await rulesFor('packages/sim/src/probe.ts', "import './os';\nimport '../net';\n")).toEqual([]);
  });
});

describe('dslab/declared-dependencies: each package names what it imports', () => {
  it('rejects a third-party import its package.json does not declare', async () => {
    const [problem] = await problems(
      'packages/check/src/probe.ts',
      "import { z } from 'zod';\nexport const s = z;\n",
    );
    expect(problem).toEqual({
      rule: 'dslab/declared-dependencies',
      message:
        "'zod' is imported but not declared in packages/check/package.json: add it to its dependencies.",
    });
  });

  it('accepts declared packages, subpaths of them and Node modules', async () => {
    expect(
      await rulesFor('packages/systems/src/probe.ts', "import { z } from 'zod/v4';\nexport const s = z;\n"),
    ).toEqual([]);
    expect(await rulesFor('packages/runtime/src/probe.ts', "import 'node:fs';\nimport 'fs';\n")).toEqual([]);
  });

  it('rejects an undeclared workspace package even where the layers allow it', async () => {
    expect(await rulesFor('packages/sim/src/probe.test.ts', "import '@dslab/sim';\n")).toEqual([]);
    const rules = await rulesFor('packages/check/src/probe.ts', "import '@dslab/sim';\nimport 'left-pad';\n");
    expect(rules).toEqual(['dslab/declared-dependencies']);
  });

  it('files outside packages answer to the root package.json, which links every workspace package', async () => {
    expect(await rulesFor('bench/probe.bench.ts', "import '@dslab/systems';\nimport 'hashring';\n")).toEqual(
      [],
    );
    expect(await rulesFor('bench/probe.bench.ts', "import 'left-pad';\n")).toEqual([
      'dslab/declared-dependencies',
    ]);
  });
});

describe('package.json files follow the layers', () => {
  it.each(packages)('%s declares only workspace packages its layer (or its tests) may import', (pkg) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(manifest.name).toBe(`@dslab/${pkg}`);
    const ours = (deps: Record<string, string> | undefined) =>
      Object.keys(deps ?? {})
        .filter((name) => name.startsWith('@dslab/'))
        .map((name) => name.slice('@dslab/'.length));
    const testOnly = testEntryPoints.map((entry) => entry.split('/')[1]);
    for (const dep of ours(manifest.dependencies)) expect(layers[pkg]).toContain(dep);
    for (const dep of ours(manifest.devDependencies))
      expect([...(layers[pkg] ?? []), ...testOnly]).toContain(dep);
  });
});
