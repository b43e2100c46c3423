// The linearizability checker against issue 21 §1's targets, on generated etcd-shaped histories (the
// real Jepsen etcd corpus is held back for judging): 99 histories of a compare-and-set register, 5
// clients, 70–150 operations, ~20% indeterminate :info (timed-out clients retired), values 0–4, a fifth
// of them with an injected stale read. Measured two ways:
//   - whole process, as issue 21 measured Porcupine and dslab: `dslab check <folder>` (the built CLI) —
//     wall time, CPU time, and the time it reports inside the checker per history;
//   - in this process, per history: wall and CPU time, configurations explored.
// And key-value histories of 20,000+ operations with 50 clients: in this process (all parts in this
// thread, and on worker threads as `dslab check` does) and as a whole `dslab check` process.
// The machine is shared: the load average is reported beside every figure, and CPU time with wall time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkLinearizable,
  generateEtcdCorpus,
  generateKvHistory,
  historyToJsonLines,
  modelFor,
  readJepsenLog,
  type History,
  type Operation,
} from '@dslab/check';
import { checkHistory, type ModelSpec } from '../packages/cli/src/check-parallel';
import type { Benchmark } from './benchmark';

const root = join(import.meta.dirname, '..');
const WHOLE_RUNS = 5;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const load = () => round(loadavg()[0] ?? 0, 2);

function quantiles(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: round(at(0.5), 2), p90: round(at(0.9), 2), max: round(at(1), 2) };
}

/** Wall and CPU milliseconds of fn in this process. */
function measure<T>(fn: () => T): { value: T; wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = fn();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

async function measureAsync<T>(fn: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

interface WholeRun {
  wallMs: number;
  cpuMs: number | undefined;
  maxRssKb: number | undefined;
  stdout: string;
  loadBefore: number;
}

/** One `dslab check` process (the built CLI), with its CPU time and peak memory when GNU time is there. */
function dslabCheck(args: string[], env: Record<string, string> = {}): WholeRun {
  const loadBefore = load();
  const gnuTime = existsSync('/usr/bin/time');
  const command = gnuTime ? '/usr/bin/time' : process.execPath;
  const argv = [
    ...(gnuTime ? ['-f', '@@time %e %U %S %M', process.execPath] : []),
    join(root, 'packages', 'cli', 'dist', 'dslab.js'),
    'check',
    ...args,
  ];
  const started = performance.now();
  const child = spawnSync(command, argv, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, ...env },
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0 && child.status !== 1)
    throw new Error(`dslab check exited ${child.status}: ${child.stderr}`);
  const timing = /@@time (\S+) (\S+) (\S+) (\S+)/.exec(child.stderr);
  return {
    wallMs,
    cpuMs: timing ? (Number(timing[2]) + Number(timing[3])) * 1000 : undefined,
    maxRssKb: timing ? Number(timing[4]) : undefined,
    stdout: child.stdout,
    loadBefore,
  };
}

/** An etcd-shaped register per key, one kv history: the hard case (a fifth :info in every part). */
function etcdKeys(keys: number): Operation[] {
  const ops = generateEtcdCorpus({ count: keys, firstSeed: 5000 }).flatMap((h, k) =>
    h.history.map((op) => ({
      ...op,
      id: 0,
      process: `${k}:${op.process}`,
      input: [`k${k}`, op.f === 'read' ? null : op.input],
      call: op.call + k * 0.001,
      ret: op.ret + k * 0.001,
    })),
  );
  ops.sort((a, b) => a.call - b.call);
  return ops.map((op, id) => ({ ...op, id }));
}

/** Distinct clients in a history (a retired client's new process ids count as the same client). */
function clients(history: History): number {
  return new Set(history.map((op) => op.process.replace(/\.\d+$/, ''))).size;
}

const benchmark: Benchmark = {
  name: 'check-etcd',
  async run() {
    const build = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--if-stale'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('the CLI build failed');
    const folder = mkdtempSync(join(tmpdir(), 'dslab-check-etcd-'));
    try {
      // ---- the 99 etcd-shaped histories
      const corpus = generateEtcdCorpus({ count: 99 });
      const etcdDir = join(folder, 'etcd');
      spawnSync('mkdir', ['-p', etcdDir]);
      for (const h of corpus)
        writeFileSync(join(etcdDir, `etcd_${String(h.seed).padStart(3, '0')}.log`), h.log);
      const operations = corpus.map((h) => h.history.length);
      const infoShare =
        corpus.reduce((n, h) => n + h.history.filter((op) => op.outcome === 'info').length, 0) /
        operations.reduce((a, b) => a + b, 0);

      // Whole process: `dslab check folder --model cas-register --json`, as Porcupine was timed.
      const whole: {
        wallMs: number;
        cpuMs: number | undefined;
        inCheckerMs: number;
        maxHistoryMs: number;
        load: number;
      }[] = [];
      let verdictsMatch = true;
      for (let i = 0; i < WHOLE_RUNS; i++) {
        const run = dslabCheck([etcdDir, '--model', 'cas-register', '--json']);
        const lines = (JSON.parse(run.stdout) as { results: { file: string; verdict: string; ms: number }[] })
          .results;
        for (const line of lines) {
          const seed = Number(/etcd_(\d+)/.exec(line.file)?.[1]);
          const expected = corpus.find((h) => h.seed === seed)?.linearizable
            ? 'linearizable'
            : 'not-linearizable';
          if (line.verdict !== expected) verdictsMatch = false;
        }
        whole.push({
          wallMs: round(run.wallMs),
          cpuMs: run.cpuMs !== undefined ? round(run.cpuMs) : undefined,
          inCheckerMs: round(lines.reduce((sum, l) => sum + l.ms, 0)),
          maxHistoryMs: round(Math.max(...lines.map((l) => l.ms))),
          load: run.loadBefore,
        });
      }
      const best = [...whole].sort((a, b) => a.wallMs - b.wallMs)[0];
      const node = dslabCheck(['--help']); // start-up floor: the built CLI up to the check command's help

      // In this process, per history (after one warm-up pass).
      const model = () => modelFor('cas-register', 'jepsen-log');
      const texts = corpus.map((h) => h.log);
      for (const text of texts) checkLinearizable(readJepsenLog(text), model());
      const perHistory = corpus.map((h, i) => {
        const { value, wallMs, cpuMs } = measure(() =>
          checkLinearizable(readJepsenLog(texts[i] as string), model()),
        );
        return {
          seed: h.seed,
          linearizable: h.linearizable,
          verdict: value.verdict,
          wallMs,
          cpuMs,
          states: value.parts[0]?.states ?? 0,
        };
      });
      const folderInProcess = measure(() =>
        texts.map((text) => checkLinearizable(readJepsenLog(text), model())),
      );
      const slowest = [...perHistory].sort((a, b) => b.wallMs - a.wallMs).slice(0, 5);

      // ---- key-value histories, 20,000+ operations, 50 clients
      const kvSpec: ModelSpec = {
        name: 'kv',
        format: 'json',
        keyField: false,
        initial: undefined,
        nilRead: undefined,
        failedCas: undefined,
      };
      const kvCases: { name: string; history: Operation[] }[] = [
        {
          name: 'uniform: 200 keys, reads and writes, all ok',
          history: [...generateKvHistory({ seed: 7, operations: 20_000, processes: 50, keys: 200 })],
        },
        {
          name: 'few keys: 8 keys, 1% info, 2% fail',
          history: [
            ...generateKvHistory({
              seed: 7,
              operations: 20_000,
              processes: 50,
              keys: 8,
              infoRate: 0.01,
              failRate: 0.02,
            }),
          ],
        },
        { name: 'etcd-shaped keys: 200 cas registers, ~20% info each', history: etcdKeys(200) },
      ];
      const kv = [];
      for (const kase of kvCases) {
        const kvModel = modelFor('kv', 'json');
        const sequential = measure(() => checkLinearizable(kase.history, kvModel));
        const threaded = await measureAsync(() =>
          checkHistory(kase.history, kvModel, { spec: kvSpec, minOperations: 0 }),
        );
        const file = join(folder, `kv-${kv.length}.json`);
        writeFileSync(file, [...historyToJsonLines(kase.history)].join(''));
        const process1 = dslabCheck([file, '--model', 'kv', '--json']);
        const cliLine = (JSON.parse(process1.stdout) as { results: { verdict: string; ms: number }[] })
          .results[0];
        kv.push({
          case: kase.name,
          operations: kase.history.length,
          clients: clients(kase.history),
          parts: sequential.value.parts.length,
          verdict: sequential.value.verdict,
          sameResultOnWorkers: JSON.stringify(threaded.value) === JSON.stringify(sequential.value),
          oneThread: { wallMs: round(sequential.wallMs), cpuMs: round(sequential.cpuMs) },
          workerThreads: {
            workers: Math.min(availableParallelism(), sequential.value.parts.length),
            wallMs: round(threaded.wallMs),
            cpuMsAllThreads: round(threaded.cpuMs),
          },
          dslabCheckProcess: {
            wallMs: round(process1.wallMs),
            cpuMs: process1.cpuMs !== undefined ? round(process1.cpuMs) : undefined,
            inCheckerMs: cliLine?.ms,
            maxRssMb: process1.maxRssKb !== undefined ? Math.round(process1.maxRssKb / 1024) : undefined,
            load: process1.loadBefore,
          },
          underOneSecond: sequential.wallMs < 1000,
        });
      }

      // ---- one large history (150,000 operations, 4 keys): `dslab check` with one thread, then with one
      // worker per core — the case the worker threads are for (docs/decisions/0015).
      const largeHistory = generateKvHistory({
        seed: 9,
        operations: 150_000,
        processes: 50,
        keys: 4,
        infoRate: 0.01,
        failRate: 0.02,
      });
      const largeFile = join(folder, 'kv-large.json');
      writeFileSync(largeFile, [...historyToJsonLines(largeHistory)].join(''));
      const largeRun = (workers: number) => {
        const run = dslabCheck([largeFile, '--model', 'kv', '--json', '--timeout', '600s'], {
          DSLAB_CHECK_WORKERS: String(workers),
        });
        const line = (JSON.parse(run.stdout) as { results: { verdict: string; ms: number }[] }).results[0];
        return {
          workers,
          verdict: line?.verdict,
          wallMs: round(run.wallMs),
          cpuMs: run.cpuMs !== undefined ? round(run.cpuMs) : undefined,
          inCheckerMs: line?.ms,
          maxRssMb: run.maxRssKb !== undefined ? Math.round(run.maxRssKb / 1024) : undefined,
          load: run.loadBefore,
        };
      };
      const large = {
        operations: largeHistory.length,
        keys: 4,
        runs: [largeRun(1), largeRun(availableParallelism()), largeRun(1), largeRun(availableParallelism())],
      };

      return {
        loadAverageAtEnd: load(),
        cores: availableParallelism(),
        etcdShaped: {
          histories: corpus.length,
          notLinearizableByConstruction: corpus.filter((h) => !h.linearizable).length,
          operations: { min: Math.min(...operations), max: Math.max(...operations) },
          infoShare: round(infoShare, 3),
          verdictsMatchConstruction:
            verdictsMatch && perHistory.every((h) => (h.verdict === 'linearizable') === h.linearizable),
          wholeProcess: {
            command: 'node packages/cli/dist/dslab.js check <folder> --model cas-register --json',
            runs: whole,
            best,
            cliStartupFloorMs: round(node.wallMs),
            target: 'whole folder ≤ 510 ms (Porcupine 1.3, Go 1.19, per issue 21); no history over 50 ms',
            meetsFolderTarget: (best?.wallMs ?? Infinity) <= 510,
            meetsPerHistoryTarget: (best?.maxHistoryMs ?? Infinity) <= 50,
          },
          inProcess: {
            folderWallMs: round(folderInProcess.wallMs),
            folderCpuMs: round(folderInProcess.cpuMs),
            perHistoryWallMs: quantiles(perHistory.map((h) => h.wallMs)),
            perHistoryCpuMs: quantiles(perHistory.map((h) => h.cpuMs)),
            statesTotal: perHistory.reduce((n, h) => n + h.states, 0),
            slowest: slowest.map((h) => ({
              seed: h.seed,
              linearizable: h.linearizable,
              wallMs: round(h.wallMs, 2),
              cpuMs: round(h.cpuMs, 2),
              states: h.states,
            })),
          },
        },
        kv: { target: '20,000+ operations, 50 clients, under 1 s', cases: kv },
        largeKvOnWorkers: large,
      };
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  },
};
export default benchmark;
