// Installs the Debian packages the tests and the lab need (Chromium, Redis, …) when they are absent.
// As root it runs apt-get; otherwise it stops with one line naming what to install.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Each entry: a binary the project runs, and the Debian package that provides it. */
export const systemPackages = [
  { binary: '/usr/bin/chromium', deb: 'chromium', why: 'browser tests of the lab (playwright-core)' },
  { binary: '/usr/bin/redis-server', deb: 'redis-server', why: 'checks against real Redis' },
];

/** Needed only by benchmarks (`npm run bench etcd`): installed on demand, not by `npm test`. */
export const benchPackages = [
  { binary: '/usr/bin/etcd', deb: 'etcd-server', why: 'the etcd side of the Raft KV comparison' },
];

export function missingPackages(wanted = systemPackages) {
  return wanted.filter((p) => !existsSync(p.binary));
}

export function ensureSystemPackages(wanted = systemPackages) {
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const names = missing.map((p) => p.deb).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`dslab: missing system packages; run as root: apt-get install -y ${names}`);
    process.exit(2);
  }
  console.log(`dslab: installing Debian packages: ${names}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execSync('apt-get update -qq', { stdio: 'inherit', env });
  execSync(`apt-get install -y -qq --no-install-recommends ${names}`, { stdio: 'inherit', env });
  const still = missingPackages(wanted);
  if (still.length > 0) {
    console.error(`dslab: apt-get did not provide: ${still.map((p) => p.binary).join(', ')}`);
    process.exit(2);
  }
  // Debian starts redis-server and etcd as services on install; we start our own on free ports.
  for (const service of ['redis-server', 'etcd']) {
    try {
      execSync(`service ${service} stop`, { stdio: 'ignore' });
    } catch {
      /* not running or no service manager: fine */
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureSystemPackages(
    process.argv.includes('--bench') ? [...systemPackages, ...benchPackages] : systemPackages,
  );
}
