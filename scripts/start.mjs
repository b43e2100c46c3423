// `npm start`: installs what is missing, builds the CLI when stale and the lab, serves the lab on loopback
// and prints its URL.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ensureDeps } from './ensure-deps.mjs';
import { ensureCliBuilt } from './build-cli.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps();
await ensureCliBuilt();

const port = process.env.PORT ? Number(process.env.PORT) : 5173;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`dslab: PORT must be a port number, got '${process.env.PORT}'`);
  process.exit(2);
}
const { build, preview } = await import('vite');
const configFile = join(root, 'packages', 'lab', 'vite.config.ts');
console.log('dslab: building the lab…');
await build({ configFile, logLevel: 'warn' });
const server = await preview({
  configFile,
  preview: { port, host: '127.0.0.1', strictPort: false },
  logLevel: 'warn',
});
const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
console.log(`\ndslab lab: ${url}\n(Ctrl-C to stop)`);
