// Installs npm packages when node_modules is missing or older than package-lock.json.
// Plain JS on purpose: it must run before any dependency (tsx, typescript) exists.
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
  if (current === lockHash && existsSync(join(root, 'node_modules', '.bin', 'tsx'))) return;
  console.log('dslab: installing npm packages (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  writeFileSync(stampPath, lockHash + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDeps();
