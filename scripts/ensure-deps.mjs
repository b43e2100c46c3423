// Installs npm packages when node_modules is missing or was installed from another package-lock.json;
// run as a script, it then builds the CLI when stale (scripts/build-cli.mjs).
// Plain JS on purpose: it must run before any dependency (tsx, typescript, esbuild) exists.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = join(root, 'package-lock.json');
const stampPath = join(root, 'node_modules', '.dslab-lock-hash');

export function ensureDeps() {
  const lockHash = createHash('sha256').update(readFileSync(lockPath)).digest('hex');
  const current = existsSync(stampPath) ? readFileSync(stampPath, 'utf8').trim() : '';
  const installed = ['.bin/tsx', 'esbuild/package.json'].every((p) =>
    existsSync(join(root, 'node_modules', p)),
  );
  if (current === lockHash && installed) return;
  console.log('dslab: installing npm packages (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  writeFileSync(stampPath, lockHash + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureDeps();
  const { ensureCliBuilt } = await import('./build-cli.mjs');
  await ensureCliBuilt();
}
