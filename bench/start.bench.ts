// CLI start time: `dslab --version` as a whole process, as scripts call it. Runs interleaved with
// `node -e 0` (the floor nothing of ours can go under) and the source launcher (bin/dslab.js, TypeScript
// compiled by tsx at each start: the CLI before it was built), and reports medians.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './benchmark';

const root = join(import.meta.dirname, '..');
const RUNS = 20;

function wallMs(args: string[]): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return ms;
}

function summary(samples: number[]): { medianMs: number; minMs: number; p90Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? at(0.5) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { medianMs: round(median), minMs: round(at(0)), p90Ms: round(at(0.9)) };
}

const benchmark: Benchmark = {
  name: 'start',
  async run() {
    const build = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--if-stale'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('the CLI build failed');
    const variants = {
      node: ['-e', '0'],
      built: ['packages/cli/dist/dslab.js', '--version'],
      source: ['packages/cli/bin/dslab.js', '--version'],
    };
    const samples: Record<string, number[]> = { node: [], built: [], source: [] };
    const load = loadavg()[0] ?? 0;
    for (const args of Object.values(variants)) wallMs(args); // warm the file cache
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args] of Object.entries(variants)) samples[name]?.push(wallMs(args));
    }
    const built = summary(samples.built ?? []);
    return {
      command: 'dslab --version (node packages/cli/dist/dslab.js --version), whole process',
      target: '≤ 150 ms median',
      runs: RUNS,
      loadAverageBefore: Math.round(load * 100) / 100,
      loadAverageAfter: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      built,
      nodeAlone: summary(samples.node ?? []),
      sourceThroughTsx: summary(samples.source ?? []),
      overNodeMs: Math.round((built.medianMs - summary(samples.node ?? []).medianMs) * 10) / 10,
      meetsTarget: built.medianMs <= 150,
    };
  },
};
export default benchmark;
