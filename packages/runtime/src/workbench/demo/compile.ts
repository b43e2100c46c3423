/**
 * Builds a demo node (TypeScript) into one JavaScript file and returns the command that runs it, for
 * tests, benchmarks and `dslab workbench demo`. esbuild bundles the node library in, so the node
 * starts as fast as plain `node file.mjs`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

export const demoNodes = [
  'echo',
  'unique-ids',
  'broadcast',
  'lin-kv',
  'g-set',
  'g-counter',
  'pn-counter',
  'kafka',
  'txn-list-append',
  'txn-rw-register',
] as const;
export type DemoNode = (typeof demoNodes)[number];

const built = new Map<string, string>();

/**
 * The command for a demo node; `broken` names the deliberately broken variant (DEMO_BREAK), `strategy`
 * a design the node offers (DEMO_STRATEGY, e.g. broadcast's `direct`).
 */
export function demoCommand(name: DemoNode, broken?: string, strategy?: string): string {
  let file = built.get(name);
  if (!file) {
    const dir = join(tmpdir(), `dslab-workbench-demos-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    file = join(dir, `${name}.mjs`);
    buildSync({
      entryPoints: [fileURLToPath(new URL(`./${name}.ts`, import.meta.url))],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'warning',
    });
    built.set(name, file);
  }
  const node = JSON.stringify(process.execPath);
  const env = [broken ? `DEMO_BREAK=${broken}` : '', strategy ? `DEMO_STRATEGY=${strategy}` : ''].filter(
    Boolean,
  );
  return env.length > 0 ? `env ${env.join(' ')} ${node} ${file}` : `${node} ${file}`;
}
