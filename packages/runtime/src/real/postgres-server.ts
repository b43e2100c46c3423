// Starts a throwaway PostgreSQL 15 (Debian's postgresql-15) on a free loopback port with a fresh data
// directory, for tests and benchmarks. PostgreSQL refuses to run as root: as root, initdb and the server
// run as the `postgres` user the Debian package creates, in a temporary directory that user owns.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

export const postgresBinDir = '/usr/lib/postgresql/15/bin';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The data directory (removed by `stop`). */
  readonly dataDir: string;
  /**
   * Stops the server and starts it again on the same port over the same data directory. `crash: true`
   * stops it the way a power cut would, as far as PostgreSQL can tell (immediate shutdown, SIGQUIT: no
   * shutdown checkpoint, WAL replay on the next start); otherwise a fast shutdown (SIGINT). Open
   * connections are cut either way.
   */
  restart(options?: { readonly crash?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Extra `-c name=value` server settings (deadlock_timeout, autovacuum, …). */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Start with this next transaction id (pg_resetwal -x after initdb, with the commit-log segment it
   * needs created empty): a way to reach transaction ids two hundred million ahead at once.
   */
  readonly nextXid?: number;
  /**
   * Binary-upgrade mode (`postgres -b`): among other things no autovacuum, not even against
   * wraparound, so a test can watch the id limits without a worker racing to fix them.
   */
  readonly binaryUpgrade?: boolean;
}

/** Why PostgreSQL cannot be started here (binaries absent), or undefined when it can. */
export function postgresMissing(): string | undefined {
  for (const binary of ['initdb', 'postgres']) {
    if (!existsSync(join(postgresBinDir, binary)))
      return `PostgreSQL 15 is not installed (${join(postgresBinDir, binary)} is missing; apt-get install postgresql-15, or run npm test as root)`;
  }
  if (isRoot() && postgresAccount() === undefined)
    return 'running as root and there is no `postgres` user to run PostgreSQL as';
  return undefined;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid and gid of the `postgres` account, from /etc/passwd. */
function postgresAccount(): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'postgres' && fields.length >= 4)
      return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  return undefined;
}

/** Runs initdb into a fresh temporary directory and starts postgres on a free 127.0.0.1 port. */
export async function startPostgresServer(options: PostgresOptions = {}): Promise<PostgresServer> {
  const missing = postgresMissing();
  if (missing !== undefined) throw new Error(missing);
  const account = isRoot() ? postgresAccount() : undefined;
  const as = account ? { uid: account.uid, gid: account.gid } : {};
  const dir = mkdtempSync(join(tmpdir(), 'dslab-postgres-'));
  const dataDir = join(dir, 'data');
  if (account) chownSync(dir, account.uid, account.gid);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', HOME: dir };
  const init = spawnSync(
    join(postgresBinDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { ...as, env, cwd: dir, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout || init.error}`);
  }
  if (options.nextXid !== undefined) {
    // pg_xact keeps 2 status bits per transaction: 32 pages of 8 kB per segment, 1,048,576 ids each.
    const segment = Math.floor(options.nextXid / 1_048_576)
      .toString(16)
      .toUpperCase()
      .padStart(4, '0');
    const file = join(dataDir, 'pg_xact', segment);
    if (!existsSync(file)) {
      writeFileSync(file, Buffer.alloc(262_144));
      if (account) chownSync(file, account.uid, account.gid);
    }
    const reset = spawnSync(
      join(postgresBinDir, 'pg_resetwal'),
      ['-x', String(options.nextXid), '-D', dataDir],
      {
        ...as,
        env,
        cwd: dir,
        encoding: 'utf8',
      },
    );
    if (reset.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`pg_resetwal failed (${reset.status}): ${reset.stderr || reset.stdout || reset.error}`);
    }
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '40',
    shared_buffers: '16MB',
    logging_collector: 'off',
    ...options.settings,
  };
  writeFileSync(join(dir, 'settings.txt'), JSON.stringify(settings)); // for a person looking at the dir
  if (account) chownSync(join(dir, 'settings.txt'), account.uid, account.gid);
  const args = ['-D', dataDir, ...(options.binaryUpgrade ? ['-b'] : [])];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const launch = () => launchPostgres(args, { ...as, env, cwd: dir });
  let child: ChildProcess;
  try {
    child = await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const halt = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    }
  };
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    dataDir,
    restart: async (restartOptions = {}) => {
      // SIGQUIT: immediate shutdown, recovery from the WAL at the next start. SIGINT: fast shutdown.
      await halt(restartOptions.crash ? 'SIGQUIT' : 'SIGINT');
      child = await launch();
    },
    stop: async () => {
      await halt('SIGINT'); // fast shutdown: roll back open transactions, close connections
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts `postgres` with `args` and resolves once it accepts connections (rejects if it exits first). */
async function launchPostgres(args: readonly string[], options: SpawnOptions): Promise<ChildProcess> {
  const child = spawn(join(postgresBinDir, 'postgres'), args, {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('database system is ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`postgres exited (${code}) before it was ready: ${output}`)),
    );
    child.once('error', reject);
  });
  // Keep draining the server's log so a full pipe never stalls it.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}
