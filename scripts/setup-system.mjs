// Installs the Debian packages the tests and the lab need (Chromium, Redis, …) when they are absent.
// As root it runs apt-get; otherwise it stops with one line naming what to install.
//
//   node scripts/setup-system.mjs                       what `npm test` needs
//   node scripts/setup-system.mjs --bench --servers     also the benchmark and server packages
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
  { binary: '/usr/bin/wrk', deb: 'wrk', why: 'one load generator of equal cost for etcd and dslab' },
  {
    binary: '/usr/bin/redis-benchmark',
    deb: 'redis-tools',
    why: "dslab's RESP side driven by Redis's own load generator",
  },
  {
    binary: '/usr/bin/go',
    deb: 'golang-go',
    why: "builds etcd's own benchmark tool (bench/native-clients.ts)",
  },
  {
    binary: '/usr/share/gocode/src/go.etcd.io/etcd/clientv3/client.go',
    deb: 'golang-etcd-server-dev',
    why: "the Go sources etcd's benchmark tool is built against",
  },
];

/**
 * Real servers that systems are checked against. Not installed by `npm test` up front: a test that
 * needs one calls `installPackages([serverPackage('postgresql-15')])` and fails or skips with the line
 * it returns.
 */
export const serverPackages = [
  {
    binary: '/usr/lib/postgresql/15/bin/postgres',
    deb: 'postgresql-15',
    why: 'PostgreSQL 15 (initdb, pg_ctl and postgres in /usr/lib/postgresql/15/bin)',
  },
  { binary: '/usr/sbin/nats-server', deb: 'nats-server', why: 'NATS (JetStream) as a real message log' },
];

/** Services Debian starts when their package is installed; tests start their own on free ports. */
const servicesStartedOnInstall = ['redis-server', 'etcd', 'postgresql', 'nats-server'];

/** The entry of a server package by its Debian name. */
export function serverPackage(deb) {
  const found = serverPackages.find((p) => p.deb === deb);
  if (!found) throw new Error(`no server package '${deb}' in scripts/setup-system.mjs`);
  return found;
}

export function missingPackages(wanted = systemPackages) {
  return wanted.filter((p) => !existsSync(p.binary));
}

/**
 * Installs what is missing of `wanted`. Returns undefined when everything is there afterwards, or one
 * line saying why not (not root, apt-get failed) for the caller to print, fail or skip with.
 */
export function installPackages(wanted) {
  const missing = missingPackages(wanted);
  if (missing.length === 0) return undefined;
  const names = missing.map((p) => p.deb).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return `dslab: missing system packages; run as root: apt-get install -y ${names}`;
  console.log(`dslab: installing Debian packages: ${names}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execSync('apt-get update -qq', { stdio: 'inherit', env });
    execSync(`apt-get install -y -qq --no-install-recommends ${names}`, { stdio: 'inherit', env });
  } catch {
    return `dslab: apt-get install ${names} failed`;
  }
  for (const service of servicesStartedOnInstall) {
    try {
      execSync(`service ${service} stop`, { stdio: 'ignore' });
    } catch {
      /* not running or no service manager: fine */
    }
  }
  const still = missingPackages(wanted);
  if (still.length > 0) return `dslab: apt-get did not provide: ${still.map((p) => p.binary).join(', ')}`;
  return undefined;
}

/** For `npm test` and the CLI below: installs what is missing or exits 2 with one line. */
export function ensureSystemPackages(wanted = systemPackages) {
  const problem = installPackages(wanted);
  if (problem === undefined) return;
  console.error(problem);
  process.exit(2);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureSystemPackages([
    ...systemPackages,
    ...(process.argv.includes('--bench') ? benchPackages : []),
    ...(process.argv.includes('--servers') ? serverPackages : []),
  ]);
}
