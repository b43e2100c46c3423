// `npm test`: installs what is missing, builds the CLI when stale, then format check, lint, typecheck
// (the whole repo, then sim/check/systems without DOM or Node types), and every test.
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';
import { ensureSystemPackages, installPackages, serverPackage } from './setup-system.mjs';
import { ensureCliBuilt } from './build-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps();
ensureSystemPackages();
// Real servers systems are judged against (PostgreSQL 15, NATS with JetStream): installed when root;
// without them those tests skip and say why.
for (const [deb, tests] of [
  ['postgresql-15', 'PostgreSQL'],
  ['nats-server', 'JetStream'],
]) {
  const problem = installPackages([serverPackage(deb)]);
  if (problem !== undefined) console.log(`${problem} (the ${tests} tests will skip)`);
}
await ensureCliBuilt();

const steps = [
  ['format', 'npx prettier --check . --log-level warn'],
  ['lint', 'npx eslint . --max-warnings 0'],
  ['typecheck', 'npx tsc -p tsconfig.json'],
  ['typecheck portable', 'npx tsc -p tsconfig.portable.json'],
  ['tests', 'npx vitest run'],
];
for (const [name, command] of steps) {
  const started = Date.now();
  console.log(`\n== ${name}: ${command}`);
  try {
    execSync(command, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  } catch {
    console.error(`\n== ${name} failed`);
    process.exit(1);
  }
  console.log(`== ${name} ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
