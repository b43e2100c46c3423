// `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) and writes bench/results/<name>.json.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import type { Benchmark } from './benchmark';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exit(2);
}
mkdirSync(join(here, 'results'), { recursive: true });
for (const file of files) {
  const module = (await import(join(here, file))) as { default: Benchmark };
  const bench = module.default;
  console.log(`\n== bench ${bench.name}`);
  const started = performance.now();
  const results = await bench.run();
  const report = {
    name: bench.name,
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryBytes: totalmem(),
      node: process.version,
    },
    wallSeconds: (performance.now() - started) / 1000,
    results,
  };
  const out = join(here, 'results', `${bench.name}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
  console.log(`→ ${out}`);
}
