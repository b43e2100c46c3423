// The CLI as a package: `npm pack` gives a tarball that installs in an empty folder, away from the
// repository, and its `dslab` runs there (checks a history, fuzzes through its worker threads).
import { describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = fileURLToPath(new URL('..', import.meta.url));

/** The environment without what an enclosing `npm test` exports (npm_config_*, npm_package_*, …). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function run(command: string, args: string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: cleanEnv(), timeout });
}

const networkError = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)|network/i;

const goodHistory = `[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 1}]
`;
const badHistory = goodHistory.replace(':ok, :f :read, :value 1', ':ok, :f :read, :value 2');

describe('the CLI package', () => {
  it('packs, installs in an empty folder from the tarball alone, and runs dslab check there', (context) => {
    const npm = run('npm', ['--version'], cliDir);
    if (npm.error || npm.status !== 0) return context.skip('npm is not on the PATH');
    const work = mkdtempSync(join(tmpdir(), 'dslab-pack-'));
    try {
      // npm pack runs the package's prepare, which builds dist/ when it is missing or stale.
      const pack = run('npm', ['pack', '--json', '--pack-destination', work], cliDir, 120_000);
      expect(pack.status, pack.stderr).toBe(0);
      const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
        filename: string;
        files: { path: string }[];
      }[];
      if (!info) throw new Error(`npm pack printed no package: ${pack.stdout}`);
      const files = info.files.map((f) => f.path).sort();
      expect(files).toContain('dist/dslab.js');
      expect(files).toContain('dist/fuzz-worker.js');
      expect(files).toContain('dist/THIRD-PARTY-LICENSES.txt');
      expect(files.some((f) => /^dist\/chunk-[\w-]+\.js$/.test(f))).toBe(true); // code shared with the worker
      expect(files.filter((f) => !f.startsWith('dist/') && f !== 'package.json')).toEqual([]);
      expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);

      const app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'probe', private: true }) + '\n');
      const install = run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)],
        app,
      );
      if (install.status !== 0 && networkError.test(install.stderr)) {
        return context.skip(`npm cannot reach the registry: ${install.stderr.trim().split('\n')[0]}`);
      }
      expect(install.status, install.stderr).toBe(0);
      const installed = JSON.parse(
        readFileSync(join(app, 'node_modules', '@dslab', 'cli', 'package.json'), 'utf8'),
      ) as { dependencies?: Record<string, string> };
      expect(Object.keys(installed.dependencies ?? {}).filter((d) => d.startsWith('@dslab/'))).toEqual([]);

      const dslab = join(app, 'node_modules', '.bin', 'dslab');
      const version = run(dslab, ['--version'], app);
      expect(version.stdout.trim(), version.stderr).toBe('0.1.0');

      writeFileSync(join(app, 'good.edn'), goodHistory);
      writeFileSync(join(app, 'bad.edn'), badHistory);
      const good = run(dslab, ['check', 'good.edn', '--model', 'register', '--initial', '0'], app);
      expect(good.status, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/linearizable/);
      const bad = run(dslab, ['check', 'bad.edn', '--model', 'register', '--initial', '0'], app);
      expect(bad.status, bad.stderr).toBe(1);

      // Fuzzing runs on worker threads: the built worker must be in the package too.
      const fuzz = run(dslab, ['fuzz', 'echo', '--seeds', '8', '--workers', '2'], app);
      expect(fuzz.status, fuzz.stderr).toBe(0);
      expect(fuzz.stdout).toMatch(/8 seeds, 0 failing/);
      const mutant = run(
        dslab,
        ['fuzz', 'echo', '--seeds', '4', '--mutant', 'wrong-reply', '--workers', '1'],
        app,
      );
      expect(mutant.status).toBe(1);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
