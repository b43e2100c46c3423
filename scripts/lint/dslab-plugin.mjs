// dslab's own ESLint rules: imports point down the layers, and every package names what it imports.
// Plain JS: eslint.config.js loads it before any TypeScript tooling runs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The workspace packages each package may import. Dependencies point down only: sim imports nothing
 * of ours, check only sim, systems sim and check, runtime those three; cli and lab anything below
 * them; nothing imports cli or lab.
 */
export const layers = {
  sim: [],
  check: ['sim'],
  systems: ['sim', 'check'],
  runtime: ['sim', 'check', 'systems'],
  cli: ['sim', 'check', 'systems', 'runtime'],
  lab: ['sim', 'check', 'systems', 'runtime'],
};

/**
 * Entry points made for other packages' tests (real servers started for a test file), which tests may
 * import whatever their layer. Production code may not.
 */
export const testEntryPoints = ['@dslab/runtime/testing'];

/** Node's own modules, bare and with the `node:` prefix. */
export const nodeBuiltins = [...new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))];

/** A test file: `*.test.ts`, anything under `test-support/` or a package's `e2e/`. */
export function isTestFile(path) {
  const rel = relative(root, path).split(sep).join('/');
  return /\.test\.[cm]?[jt]sx?$/.test(rel) || /(^|\/)(test-support|e2e)\//.test(rel);
}

/** The workspace package a file belongs to (`packages/<name>/…`), or undefined. */
function packageOf(path) {
  const rel = relative(root, path).split(sep);
  return rel[0] === 'packages' && rel.length > 2 ? rel[1] : undefined;
}

/** The npm package name a bare specifier names (`@scope/name/sub` → `@scope/name`). */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isBare(specifier) {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-z]+:/i.test(specifier);
}

const manifests = new Map();
/** The dependencies a package.json declares (all four kinds) plus its own name; re-read when it changes. */
function declared(manifestPath) {
  const mtime = statSync(manifestPath).mtimeMs;
  const cached = manifests.get(manifestPath);
  if (cached && cached.mtime === mtime) return cached.names;
  const json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const names = new Set([json.name]);
  // The workspace root links every workspace package: bench/ and scripts/ may import them all.
  if (json.workspaces) for (const name of Object.keys(layers)) names.add(`@dslab/${name}`);
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const name of Object.keys(json[field] ?? {})) names.add(name);
  }
  manifests.set(manifestPath, { mtime, names });
  return names;
}

/** Calls `check(node, specifier)` for every import, re-export and literal dynamic import in a file. */
function onEverySource(check) {
  const visit = (node) => {
    const source = node.source;
    if (source && source.type === 'Literal' && typeof source.value === 'string') check(source, source.value);
  };
  return {
    ImportDeclaration: visit,
    ExportAllDeclaration: visit,
    ExportNamedDeclaration: visit,
    ImportExpression: visit,
  };
}

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between workspace packages point down the layers only.' },
    schema: [],
    messages: {
      up: '{{from}} may not import {{target}}: dependencies point down only ({{from}} may import {{allowed}}).',
      unknown: '{{target}} is not a workspace package of dslab.',
      relative:
        'Import another package by its name (@dslab/{{to}}), not by a relative path into packages/{{to}}.',
    },
  },
  create(context) {
    const file = context.filename;
    const from = packageOf(file);
    if (from === undefined || !(from in layers)) return {};
    const allowed = layers[from];
    const test = isTestFile(file);
    const allowedText =
      allowed.length === 0 ? 'nothing of ours' : allowed.map((p) => `@dslab/${p}`).join(', ');
    return onEverySource((node, specifier) => {
      if (isBare(specifier)) {
        if (!specifier.startsWith('@dslab/')) return;
        const target = packageName(specifier).slice('@dslab/'.length);
        if (target === from) return;
        if (!(target in layers)) {
          context.report({ node, messageId: 'unknown', data: { target: specifier } });
          return;
        }
        if (allowed.includes(target)) return;
        if (test && testEntryPoints.includes(specifier)) return;
        context.report({
          node,
          messageId: 'up',
          data: { from: `@dslab/${from}`, target: specifier, allowed: allowedText },
        });
        return;
      }
      if (specifier.startsWith('.')) {
        const to = packageOf(resolve(dirname(file), specifier));
        if (to !== undefined && to !== from) context.report({ node, messageId: 'relative', data: { to } });
      }
    });
  },
};

const declaredRule = {
  meta: {
    type: 'problem',
    docs: { description: "Every bare import is declared in the importing package's package.json." },
    schema: [],
    messages: {
      undeclared: "'{{name}}' is imported but not declared in {{manifest}}: add it to its dependencies.",
    },
  },
  create(context) {
    const file = context.filename;
    const pkg = packageOf(file);
    const manifest =
      pkg === undefined ? join(root, 'package.json') : join(root, 'packages', pkg, 'package.json');
    if (!existsSync(manifest)) return {};
    return onEverySource((node, specifier) => {
      const bare = specifier.split('?')[0];
      if (!isBare(bare) || nodeBuiltins.includes(bare) || nodeBuiltins.includes(packageName(bare))) return;
      const name = packageName(bare);
      if (declared(manifest).has(name)) return;
      context.report({
        node,
        messageId: 'undeclared',
        data: { name, manifest: relative(root, manifest).split(sep).join('/') },
      });
    });
  },
};

export default {
  meta: { name: 'dslab' },
  rules: { layers: layersRule, 'declared-dependencies': declaredRule },
};
