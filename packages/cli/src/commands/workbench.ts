/**
 * `dslab workbench`: bring your own node, written for Maelstrom's protocol in any language.
 *   test    runs the nodes as processes against a workload, faults and a checker (Maelstrom's flags)
 *   replay  runs a binary again against a recorded run's deliveries, in the recorded order
 *   node    runs one of dslab's own nodes on stdin/stdout (raft: the Raft KV speaking lin-kv)
 *   demo    builds a demo node and prints the command that runs it
 * Exit codes: 0 valid (and every preset target met), 1 invalid, 2 error.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import {
  judgeTargets,
  presetNamed,
  presetNames,
  readDeliveriesHeader,
  renderWorkbenchHtml,
  replayDeliveries,
  runRaftNode,
  runWorkbench,
  topologies,
  validateWorkbenchOptions,
  workbenchFaults,
  workloadNames,
  type LatencyDistribution,
  type TargetOutcome,
  type Topology,
  type WorkbenchFault,
  type WorkbenchOptions,
  type WorkbenchPreset,
  type WorkbenchResult,
} from '@dslab/runtime';
import { parseCount, parsePositiveCount } from '../options';
import { CliError, EXIT_INVALID, EXIT_VALID } from '../errors';
import { selfCommand } from './cluster';

/** esbuild's API, loaded at run time from a checkout (never bundled, ADR 0013). */
interface EsbuildApi {
  buildSync(options: {
    entryPoints: string[];
    outfile: string;
    bundle: boolean;
    platform: 'node';
    format: 'esm';
    logLevel: 'error';
  }): unknown;
}

const latencyDists: readonly LatencyDistribution[] = ['constant', 'uniform', 'exponential'];

/** A decimal number in [min, max] ('1e3', '0x10', '' and '-1' are refused). */
export function parseDecimal(flag: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+(\.\d+)?$/.test(value.trim()))
      throw new InvalidArgumentError(`${flag} expects a number, got '${value}'`);
    const n = Number(value);
    if (!(n >= min && n <= max))
      throw new InvalidArgumentError(`${flag} must be in [${min}, ${max}], got '${value}'`);
    return n;
  };
}

function oneOf<T extends string>(flag: string, known: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(known as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${flag}: unknown '${value}' (known: ${known.join(', ')})`);
    return value as T;
  };
}

/** `partition,kill,pause`, or `none`. */
export function parseFaults(value: string): WorkbenchFault[] {
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const out: WorkbenchFault[] = [];
  for (const kind of kinds) {
    if (kind === 'none') continue;
    if (!(workbenchFaults as readonly string[]).includes(kind))
      throw new InvalidArgumentError(
        `unknown nemesis '${kind}' (known: ${workbenchFaults.join(', ')}, none)`,
      );
    if (!out.includes(kind as WorkbenchFault)) out.push(kind as WorkbenchFault);
  }
  return out;
}

function parseModels(value: string): string[] {
  const models = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of models)
    if (!/^[a-z][a-z0-9-]*$/.test(m)) throw new InvalidArgumentError(`bad consistency model name '${m}'`);
  return models;
}

export interface TestFlags {
  workload?: string;
  bin?: string;
  nodeCount?: number;
  timeLimit?: number;
  rate?: number;
  latency?: number;
  latencyDist?: LatencyDistribution;
  nemesis?: WorkbenchFault[];
  nemesisInterval?: number;
  topology?: Topology;
  consistencyModels?: string[];
  seed?: number;
  preset?: string;
  out: string;
  json?: boolean;
  dryRun?: boolean;
}

/** What runs when nothing says otherwise (Maelstrom's defaults where it has them). */
const defaults = {
  nodeCount: 3,
  timeLimitS: 10,
  rate: 10,
  latencyMs: 0,
  latencyDist: 'constant', // as Maelstrom's --latency-dist
  nemesis: [],
  topology: 'grid',
  consistencyModels: [],
  seed: 1,
} as const;

/** Defaults, then the preset's settings, then the flags given: the run's options (validated). */
export function resolveTestOptions(flags: TestFlags): {
  options: Omit<WorkbenchOptions, 'progress' | 'deliveriesFile'>;
  preset?: WorkbenchPreset;
} {
  let preset: WorkbenchPreset | undefined;
  if (flags.preset !== undefined) {
    try {
      preset = presetNamed(flags.preset);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  const p = preset?.options ?? {};
  const workload = flags.workload ?? p.workload;
  if (workload === undefined)
    throw new CliError(`-w/--workload is required (known: ${workloadNames.join(', ')})`);
  if (preset && flags.workload !== undefined && flags.workload !== p.workload)
    throw new CliError(`preset ${preset.name} is for the ${p.workload} workload, not ${flags.workload}`);
  if (flags.bin === undefined || flags.bin.trim() === '')
    throw new CliError('--bin is required: the command that runs your node (e.g. --bin "python3 node.py")');
  const options = {
    workload,
    bin: flags.bin,
    nodeCount: flags.nodeCount ?? p.nodeCount ?? defaults.nodeCount,
    timeLimitS: flags.timeLimit ?? p.timeLimitS ?? defaults.timeLimitS,
    rate: flags.rate ?? p.rate ?? defaults.rate,
    latencyMs: flags.latency ?? p.latencyMs ?? defaults.latencyMs,
    latencyDist: flags.latencyDist ?? p.latencyDist ?? defaults.latencyDist,
    nemesis: flags.nemesis ?? p.nemesis ?? defaults.nemesis,
    ...(flags.nemesisInterval !== undefined ? { nemesisIntervalS: flags.nemesisInterval } : {}),
    topology: flags.topology ?? p.topology ?? defaults.topology,
    consistencyModels: flags.consistencyModels ?? p.consistencyModels ?? defaults.consistencyModels,
    seed: flags.seed ?? defaults.seed,
  };
  try {
    validateWorkbenchOptions(options);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  return preset ? { options, preset } : { options };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The result as Maelstrom prints it, and more; one line per fact. */
export function formatResult(
  result: WorkbenchResult,
  targets: readonly TargetOutcome[],
  preset?: string,
): string[] {
  const lines: string[] = [];
  const o = result.operations;
  lines.push(`${result.workload}: ${result.valid ? 'valid' : 'INVALID'} — ${result.reason}`);
  lines.push(
    `  operations: ${o.total} (ok ${o.ok}, fail ${o.fail}, unknown ${o.info}); availability ${pct(result.availability)}`,
  );
  const l = result.latencyMs;
  lines.push(`  latency: p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms`);
  const stable = result.details.stableLatencyMs as Readonly<Record<string, number>> | undefined;
  if (stable)
    lines.push(
      `  stable latency: p50 ${stable.p50} ms, p95 ${stable.p95} ms, p99 ${stable.p99} ms, max ${stable.max} ms`,
    );
  const m = result.messages;
  lines.push(
    `  messages: ${m.total} (${m.perOperation} per operation); between nodes ${m.betweenNodes} (${m.betweenNodesPerOperation} per operation); with services ${m.withServices}; dropped ${m.dropped}`,
  );
  lines.push(
    `  faults: ${result.faults.length}${result.faults.length > 0 ? ` (${[...new Set(result.faults.map((f) => f.kind))].join(', ')})` : ''}`,
  );
  if (result.problemCount > 0)
    lines.push(`  node problems: ${result.problemCount}; first: ${result.problems[0] ?? ''}`);
  if (targets.length > 0) {
    lines.push(`  preset ${preset ?? ''} targets:`);
    for (const t of targets)
      lines.push(
        `    ${t.what} < ${t.below}${t.unit ? ` ${t.unit}` : ''}: ${t.measured === undefined ? 'not measured' : `${t.measured}${t.unit ? ` ${t.unit}` : ''}`} — ${t.met ? 'met' : 'NOT met'}`,
      );
  }
  return lines;
}

/** results.json (the whole result and the targets), report.html (bounded page); deliveries.jsonl is written by the run. */
export function writeWorkbenchFiles(
  out: string,
  result: WorkbenchResult,
  targets: readonly TargetOutcome[],
  preset?: string,
): void {
  writeFileSync(
    join(out, 'results.json'),
    JSON.stringify({ ...result, ...(preset ? { preset, targets } : {}) }, null, 1) + '\n',
  );
  writeFileSync(join(out, 'report.html'), renderWorkbenchHtml(result, targets));
}

async function testAction(flags: TestFlags): Promise<void> {
  const { options, preset } = resolveTestOptions(flags);
  if (flags.dryRun) {
    console.log(JSON.stringify({ ...options, ...(preset ? { preset: preset.name } : {}) }, null, 2));
    return;
  }
  const out = resolve(flags.out);
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new CliError(`cannot create --out ${flags.out}: ${(error as Error).message}`);
  }
  const interactive = process.stderr.isTTY === true && !flags.json;
  const bar = new SingleBar(
    {
      format: `workbench ${options.workload} [{bar}] {percentage}% | {ops} operations`,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  if (interactive) bar.start(100, 0, { ops: 0 });
  let result: WorkbenchResult;
  try {
    result = await runWorkbench({
      ...options,
      deliveriesFile: join(out, 'deliveries.jsonl'),
      progress: (fraction, ops) => {
        if (interactive) bar.update(Math.round(fraction * 100), { ops });
      },
    });
  } finally {
    if (interactive) bar.stop();
  }
  const targets = preset ? judgeTargets(preset, result) : [];
  writeWorkbenchFiles(out, result, targets, preset?.name);
  if (flags.json) {
    const { timeline: _timeline, ...summary } = result;
    console.log(JSON.stringify({ ...summary, ...(preset ? { preset: preset.name, targets } : {}) }, null, 2));
  } else {
    for (const line of formatResult(result, targets, preset?.name)) console.log(line);
    console.log(
      `  results: ${join(flags.out, 'results.json')}, ${join(flags.out, 'report.html')}, ${join(flags.out, 'deliveries.jsonl')}`,
    );
  }
  process.exitCode = result.valid && targets.every((t) => t.met) ? EXIT_VALID : EXIT_INVALID;
}

interface ReplayFlags {
  bin?: string;
  wait: number;
  json?: boolean;
}

async function replayAction(dir: string, flags: ReplayFlags): Promise<void> {
  const file = existsSync(dir) && statSync(dir).isDirectory() ? join(dir, 'deliveries.jsonl') : dir;
  if (!existsSync(file))
    throw new CliError(`no recording at ${file} (run dslab workbench test --out ${dir} first)`);
  let bin = flags.bin;
  try {
    const header = await readDeliveriesHeader(file);
    bin ??= header.bin;
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const result = await replayDeliveries({ deliveriesFile: file, bin, waitMs: flags.wait });
  if (flags.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`replay: ${result.faithful ? 'faithful' : 'DIVERGED'} — ${result.summary}`);
    if (result.divergence && result.divergence.printedInstead.length > 0)
      console.log(
        `  ${result.divergence.node} printed instead: ${result.divergence.printedInstead.join(' | ')}`,
      );
    console.log(`  ${result.written} messages written to nodes, ${result.matched} node messages matched`);
    if (result.unrecorded.count > 0)
      console.log(
        `  ${result.unrecorded.count} messages printed that the recording never had; first: ${result.unrecorded.first[0] ?? ''}`,
      );
    for (const p of result.problems.slice(0, 3)) console.log(`  problem: ${p}`);
    console.log(`  note: ${result.caveat}`);
  }
  process.exitCode = result.faithful ? EXIT_VALID : EXIT_INVALID;
}

/**
 * Where the demo sources are, and esbuild to build them: both come with a dslab checkout (the bundled
 * CLI carries neither, ADR 0013). Resolved from the running script, so `npm run dslab` finds them.
 */
function demoToolchain(): { build: (entry: string, outfile: string) => void; dir: string } {
  const script = process.argv[1] ?? join(process.cwd(), 'x');
  const load = createRequire(resolve(script));
  try {
    const esbuild = load('esbuild') as EsbuildApi;
    const dir = join(dirname(load.resolve('@dslab/runtime')), 'workbench', 'demo');
    if (!existsSync(dir)) throw new Error(`${dir} is missing`);
    return {
      dir,
      build: (entry, outfile) =>
        void esbuild.buildSync({
          entryPoints: [entry],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'esm',
          logLevel: 'error',
        }),
    };
  } catch (error) {
    throw new CliError(
      `dslab workbench demo builds the demo nodes from a dslab checkout (esbuild and packages/runtime/src/workbench/demo); not found from ${script}: ${(error as Error).message.split('\n')[0] ?? ''}`,
    );
  }
}

function demoAction(name: string, flags: { broken?: string }): void {
  if (name === 'raft') {
    console.log(selfCommand().concat(['workbench', 'node', 'raft']).map(quote).join(' '));
    return;
  }
  if (flags.broken !== undefined && !/^[a-z][a-z-]*$/.test(flags.broken))
    throw new CliError(`--broken expects a variant name like no-forward, got '${flags.broken}'`);
  const toolchain = demoToolchain();
  const known = readdirSync(toolchain.dir)
    .filter((f) => f.endsWith('.ts') && workloadNames.includes(f.slice(0, -3)))
    .map((f) => f.slice(0, -3))
    .sort();
  if (!known.includes(name))
    throw new CliError(`no demo node '${name}' (known: ${[...known, 'raft'].join(', ')})`);
  const outDir = join(tmpdir(), 'dslab-workbench-demos');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  // Built aside and renamed into place: a node another run starts from this path never reads half a file.
  const staging = join(outDir, `${name}.${process.pid}.mjs`);
  toolchain.build(join(toolchain.dir, `${name}.ts`), staging);
  renameSync(staging, outfile);
  const command = `${quote(process.execPath)} ${quote(outfile)}`;
  console.log(flags.broken ? `env DEMO_BREAK=${flags.broken} ${command}` : command);
  console.error(
    `dslab: built ${outfile}; try: dslab workbench test -w ${name} --bin '${flags.broken ? `env DEMO_BREAK=${flags.broken} ` : ''}${command}'`,
  );
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

async function nodeAction(name: string): Promise<void> {
  if (name !== 'raft')
    throw new CliError(`no dslab node '${name}' (known: raft; for demo nodes see dslab workbench demo)`);
  await runRaftNode({
    input: process.stdin,
    write: (line) => void process.stdout.write(line + '\n'),
    log: (line) => void process.stderr.write(line + '\n'),
    ...(process.env.DSLAB_WORKBENCH_DIR ? { dataDir: process.env.DSLAB_WORKBENCH_DIR } : {}),
  });
}

export function registerWorkbenchCommand(program: Command): void {
  const workbench = program
    .command('workbench')
    .description(
      'bring your own node (Maelstrom protocol, any language): run it against workloads, faults and checkers',
    );
  workbench
    .command('test')
    .description('run a node binary as N processes against a workload; exit 0 valid, 1 invalid, 2 error')
    .option('-w, --workload <name>', `workload: ${workloadNames.join(', ')}`)
    .option('--bin <command>', 'the command that runs one node (run by /bin/sh)')
    .option('--node-count <n>', `nodes (default ${defaults.nodeCount})`, parsePositiveCount)
    .option(
      '--time-limit <s>',
      `seconds of client operations (default ${defaults.timeLimitS})`,
      parseDecimal('--time-limit', 0.1, 3_600),
    )
    .option(
      '--rate <r>',
      `operations per second, all clients (default ${defaults.rate})`,
      parseDecimal('--rate', 0.01, 100_000),
    )
    .option(
      '--latency <ms>',
      `mean network latency in ms (default ${defaults.latencyMs})`,
      parseDecimal('--latency', 0, 60_000),
    )
    .option(
      '--latency-dist <dist>',
      `constant, uniform or exponential (default ${defaults.latencyDist})`,
      oneOf('--latency-dist', latencyDists),
    )
    .option('--nemesis <faults>', 'faults: partition,kill,pause or none (default none)', parseFaults)
    .option(
      '--nemesis-interval <s>',
      'mean seconds between faults (default 2)',
      parseDecimal('--nemesis-interval', 0.05, 600),
    )
    .option(
      '--topology <kind>',
      `broadcast topology: ${topologies.join(', ')} (default grid)`,
      oneOf('--topology', topologies),
    )
    .option(
      '--consistency-models <models>',
      'transactional models to check (txn workloads), comma-separated',
      parseModels,
    )
    .option('--seed <n>', 'seed of the network, nemesis and clients (default 1)', parseCount)
    .option('--preset <name>', `challenge settings and targets: ${presetNames.join(', ')}`)
    .option('--out <dir>', 'where results.json, report.html and deliveries.jsonl go', 'workbench-report')
    .option('--json', 'print the results as JSON')
    .option('--dry-run', 'print the options the run would use, and stop')
    .action(testAction);
  workbench
    .command('replay')
    .description(
      "run a binary against a recorded run's deliveries in the recorded order; exit 0 faithful, 1 diverged",
    )
    .argument('<dir>', 'a --out directory of dslab workbench test (or its deliveries.jsonl)')
    .option('--bin <command>', 'the node to replay (default: the recorded one)')
    .option(
      '--wait <ms>',
      'how long a node may take to print the next recorded message',
      parseDecimal('--wait', 1, 600_000),
      2_000,
    )
    .option('--json', 'print the result as JSON')
    .action(replayAction);
  workbench
    .command('node')
    .description("run one of dslab's nodes on stdin/stdout (raft: the Raft KV, speaking lin-kv)")
    .argument('<name>', 'raft')
    .action(nodeAction);
  workbench
    .command('demo')
    .description('build a demo node and print the command that runs it')
    .argument('<name>', 'a workload with a demo node (echo, broadcast, …) or raft')
    .option('--broken <variant>', 'the deliberately broken variant (e.g. no-forward for broadcast)')
    .action(demoAction);
}
