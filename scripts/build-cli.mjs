// Builds the `dslab` command to JavaScript: packages/cli/dist/dslab.js and the fuzz worker beside it.
// Everything is bundled in, our workspace packages and third-party ones alike, so that a start parses one
// file and resolves nothing (docs/decisions/0013-the-cli-is-built.md); their licences go to dist/.
//
//   node scripts/build-cli.mjs            build now
//   node scripts/build-cli.mjs --if-stale build only when dist is missing or older than what it is built from
//
// Plain JS: it runs from `npm test`, `npm start` and the CLI package's `prepare`.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cliDir = join(root, 'packages', 'cli');
export const distDir = join(cliDir, 'dist');
export const cliBundle = join(distDir, 'dslab.js');
const recordPath = join(distDir, '.build.json'); // what the last build read and wrote

const entries = [
  { in: join(cliDir, 'src', 'main.ts'), out: 'dslab' },
  { in: join(cliDir, 'src', 'fuzz', 'worker.ts'), out: 'fuzz-worker' },
  { in: join(cliDir, 'src', 'check-worker.ts'), out: 'check-worker' },
];

/**
 * Files the sources locate beside themselves (`new URL('…', import.meta.url)`), and where each lives
 * once bundled: every `import.meta.url` in bundled code must be listed here, or the build fails.
 */
const relocations = {
  'packages/cli/src/fuzz/pool.ts': {
    '../../bin/ts-worker.mjs': './fuzz-worker.js', // the worker thread boots the built worker directly
    './worker.ts': './fuzz-worker.js',
  },
  'packages/cli/src/check-parallel.ts': {
    '../bin/ts-worker.mjs': './check-worker.js', // parts of a history checked on worker threads
    './check-worker.ts': './check-worker.js',
  },
  'packages/cli/src/commands/cluster.ts': {
    '../../bin/dslab.js': './dslab.js', // child processes run this same bundle
  },
};

const toPosix = (path) => path.split(sep).join('/');

/** Build inputs that are not source files: a change to any of them rebuilds. */
function configInputs() {
  return [
    join(root, 'scripts', 'build-cli.mjs'),
    join(root, 'package-lock.json'),
    ...['sim', 'check', 'systems', 'runtime', 'cli'].map((p) => join(root, 'packages', p, 'package.json')),
  ];
}

/** Why the bundle must be (re)built, or undefined when it is current. */
export function staleReason() {
  if (!existsSync(cliBundle)) return `${toPosix(relative(root, cliBundle))} is missing`;
  let record;
  try {
    record = JSON.parse(readFileSync(recordPath, 'utf8'));
  } catch {
    return 'no record of the last build';
  }
  const outputs = record.outputs.map((p) => join(root, p));
  for (const output of outputs)
    if (!existsSync(output)) return `${toPosix(relative(root, output))} is missing`;
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  for (const input of [...record.inputs.map((p) => join(root, p)), ...configInputs()]) {
    if (!existsSync(input)) return `${toPosix(relative(root, input))} is gone`;
    if (statSync(input).mtimeMs > built) return `${toPosix(relative(root, input))} changed`;
  }
  return undefined;
}

/**
 * zod's `z` namespace carries every locale (≈40 languages, a third of zod's size); dslab's messages are
 * English, so the bundle keeps `en` only. Parsing less code is most of a CLI's start time.
 */
function zodEnglishOnlyPlugin() {
  return {
    name: 'dslab-zod-en',
    setup(build) {
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
          ? { path: join(args.resolveDir, '..', 'locales', 'en-only.js'), namespace: 'zod-en' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
        contents: "export { default as en } from './en.js';",
        resolveDir: dirname(args.path),
        loader: 'js',
      }));
    },
  };
}

/**
 * ioredis serves only `dslab jepsen`, yet initialising it (and the Node modules it pulls in: net, tls,
 * dns…) took a fifth of every start. Our sources get a stand-in whose `Redis` loads the real one on
 * first construction (a bundled CommonJS module runs only when required). The stand-in exports only
 * what the sources use, so any other import from ioredis fails the build instead of misbehaving; it
 * can go once the sources import ioredis lazily themselves.
 */
function lazyIoredisPlugin() {
  return {
    name: 'dslab-lazy-ioredis',
    setup(build) {
      build.onResolve({ filter: /^ioredis$/ }, (args) =>
        args.namespace === 'lazy-ioredis' || /[\\/]node_modules[\\/]/.test(args.importer)
          ? undefined
          : { path: 'ioredis', namespace: 'lazy-ioredis' },
      );
      build.onLoad({ filter: /.*/, namespace: 'lazy-ioredis' }, () => ({
        resolveDir: root,
        loader: 'js',
        contents: [
          'let real;',
          'export class Redis {',
          '  constructor(...args) {',
          "    real ??= require('ioredis');",
          '    return new real.Redis(...args);',
          '  }',
          '}',
          'export default Redis;',
        ].join('\n'),
      }));
    },
  };
}

/** Writes the licence of every third-party package in the bundle beside it. */
function writeLicences(inputs, dir) {
  const dirs = new Set();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(match[1]);
  }
  const sections = [...dirs].sort().map((pkg) => {
    const manifest = JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(join(root, pkg)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenceFile
      ? readFileSync(join(root, pkg, licenceFile), 'utf8').trim()
      : '(no licence file)';
    return `${manifest.name}@${manifest.version} — ${manifest.license ?? 'see below'}\n\n${text}\n`;
  });
  writeFileSync(
    join(dir, 'THIRD-PARTY-LICENSES.txt'),
    `dslab's bundle includes these packages:\n\n${sections.join('\n' + '-'.repeat(78) + '\n\n')}`,
  );
}

function relocationPlugin() {
  const pattern = /new URL\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'dslab-relocate',
    setup(build) {
      build.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.tsx?$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const file = toPosix(relative(root, args.path));
        const table = relocations[file] ?? {};
        const errors = [];
        const contents = text.replace(pattern, (whole, quote, target) => {
          const moved = table[target];
          if (moved === undefined) {
            errors.push({
              text: `${file}: where does '${target}' live in dist? Add it to relocations in scripts/build-cli.mjs`,
            });
            return whole;
          }
          return `new URL(${quote}${moved}${quote}, import.meta.url)`;
        });
        if (contents.replace(pattern, '').includes('import.meta')) {
          errors.push({ text: `${file}: uses import.meta in a way scripts/build-cli.mjs cannot relocate` });
        }
        return errors.length > 0 ? { errors } : { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
    },
  };
}

/**
 * Builds dist/dslab.js, dist/fuzz-worker.js and their shared chunks; returns their size in bytes.
 * The build goes to a fresh folder that then replaces dist/ whole: no chunk of an earlier build lingers,
 * and a test packing or running dist/ meanwhile (the tree is shared) never sees it half written.
 */
export async function buildCli({ quiet = false } = {}) {
  const { build } = await import('esbuild');
  const staging = join(cliDir, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const started = performance.now();
  let result;
  try {
    result = await build({
      absWorkingDir: root,
      entryPoints: entries,
      outdir: staging,
      bundle: true,
      platform: 'node',
      format: 'esm',
      // Code shared by the command and the worker goes to chunks beside them (same folder, so that the
      // relocated URLs above hold wherever a module lands); a dynamic import() becomes a lazy chunk.
      splitting: true,
      chunkNames: '[name]-[hash]',
      target: 'node20.19',
      // Bundled CommonJS packages (commander, ioredis) require Node's modules: give them a require.
      banner: {
        js: "#!/usr/bin/env node\nimport { createRequire as __dslabCreateRequire } from 'node:module';\nconst require = __dslabCreateRequire(import.meta.url);",
      },
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'warning',
      plugins: [zodEnglishOnlyPlugin(), lazyIoredisPlugin(), relocationPlugin()],
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  chmodSync(join(staging, 'dslab.js'), 0o755);
  // Inputs as files (not the plugin's virtual module), relative to the repository.
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(':'))
    .map(toPosix)
    .sort();
  const outputs = Object.keys(result.metafile.outputs)
    .map((p) => toPosix(join(relative(root, distDir), relative(staging, join(root, p)))))
    .sort();
  writeLicences(inputs, staging);
  writeFileSync(join(staging, '.build.json'), JSON.stringify({ inputs, outputs }, null, 1) + '\n');
  const old = join(cliDir, `.dist-old-${process.pid}`);
  try {
    renameSync(distDir, old);
  } catch {
    /* no dist yet */
  }
  try {
    renameSync(staging, distDir);
  } catch {
    /* a concurrent build put its own dist/ in place: it is built from the same files */
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
  const bytes = outputs.reduce((sum, p) => sum + statSync(join(root, p)).size, 0);
  if (!quiet) {
    const ms = Math.round(performance.now() - started);
    // stderr: `npm run dslab -- … --json` keeps a clean stdout.
    console.error(
      `dslab: built ${toPosix(relative(root, distDir))}/ (${outputs.length} files, ${Math.round(bytes / 1024)} KiB, ${ms} ms)`,
    );
  }
  return bytes;
}

/** Builds the CLI when it is missing or older than its inputs. */
export async function ensureCliBuilt() {
  const reason = staleReason();
  if (reason === undefined) return;
  console.error(`dslab: building the CLI (${reason})…`);
  await buildCli();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--if-stale')) await ensureCliBuilt();
    else await buildCli();
  } catch (error) {
    // esbuild has printed the errors already.
    if (!(error && Array.isArray(error.errors))) console.error(error);
    process.exit(1);
  }
}
