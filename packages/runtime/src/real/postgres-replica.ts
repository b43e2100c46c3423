// PostgreSQL 15 streaming replication on loopback, for tests and benchmarks: a primary started by
// `startPostgresServer`, and standbys cloned from it with pg_basebackup (-R writes standby.signal and
// primary_conninfo), each with its own application_name so synchronous_standby_names can name it.
// As root, everything runs as the `postgres` user, which owns the temporary directories.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { postgresBinDir, startPostgresServer, type PostgresServer } from './postgres-server';
import { freePort } from './redis-server';

/** How long a server may take to come up before the launcher gives up. */
const READY_TIMEOUT_MS = 30_000;

export interface PostgresStandby {
  /** Its application_name, as synchronous_standby_names and pg_stat_replication know it. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
}

export interface PostgresReplicaSet {
  readonly primary: PostgresServer;
  readonly standbys: readonly PostgresStandby[];
  /** SIGKILL to the primary's postmaster: no shutdown checkpoint, no last WAL sent. */
  killPrimary(): Promise<void>;
  /** Stops every server and removes every data directory. */
  stop(): Promise<void>;
}

export interface ReplicaSetOptions {
  /** Standbys to clone (1 or 2 keeps a test to seconds). */
  readonly standbys: number;
  /** Extra primary settings; fsync stays off (a killed process loses nothing the OS has). */
  readonly settings?: Readonly<Record<string, string>>;
}

function account(dir: string): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  // The primary's directory belongs to the account its server runs as.
  const stat = statSync(dir);
  return { uid: stat.uid, gid: stat.gid };
}

/** Starts `postgres -D dataDir` and resolves once it accepts connections (read-only ones on a standby). */
async function startServer(
  dataDir: string,
  dir: string,
  port: number,
  as: { uid: number; gid: number } | undefined,
): Promise<ChildProcess> {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    logging_collector: 'off',
    // As the primary's throwaway settings: a killed test server need not survive a power cut.
    fsync: 'off',
    full_page_writes: 'off',
    shared_buffers: '16MB',
    max_connections: '40',
  };
  const args = ['-D', dataDir];
  for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
  const child = spawn(join(postgresBinDir, 'postgres'), args, {
    ...(as ?? {}),
    env: { ...process.env, LC_ALL: 'C', LANG: 'C', HOME: dir },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`standby on port ${port} not ready in ${READY_TIMEOUT_MS} ms: ${output}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/ready to accept (read-only )?connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited (${code}) before it was ready: ${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGQUIT'); // immediate shutdown: the data directory is removed next
  await exited;
}

/**
 * A primary (WAL level replica, the PostgreSQL 15 default) and `standbys` hot standbys streaming from
 * it, all on free loopback ports. Replication starts asynchronous; a test sets
 * synchronous_standby_names and synchronous_commit with ALTER SYSTEM / SET as it needs.
 */
export async function startPostgresReplicaSet(options: ReplicaSetOptions): Promise<PostgresReplicaSet> {
  if (!Number.isInteger(options.standbys) || options.standbys < 1 || options.standbys > 4)
    throw new Error(`standbys must be an integer from 1 to 4, got ${options.standbys}`);
  const primary = await startPostgresServer({
    settings: {
      synchronous_commit: 'on',
      wal_level: 'replica',
      max_wal_senders: '10',
      hot_standby: 'on',
      // Replies after every WAL write/flush/replay are what synchronous commit waits on; a 1 s status
      // interval keeps pg_stat_replication fresh for lag measurements too.
      wal_receiver_status_interval: '1s',
      ...options.settings,
    },
  });
  const as = account(dirname(primary.dataDir));
  const standbys: PostgresStandby[] = [];
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const cleanUp = async () => {
    for (const child of children) await stopChild(child);
    await primary.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < options.standbys; i++) {
      const name = `s${i + 1}`;
      const dir = mkdtempSync(join(tmpdir(), `dslab-postgres-${name}-`));
      dirs.push(dir);
      if (as) chownSync(dir, as.uid, as.gid);
      const dataDir = join(dir, 'data');
      const backup = spawnSync(
        join(postgresBinDir, 'pg_basebackup'),
        [
          '-h',
          primary.host,
          '-p',
          String(primary.port),
          '-U',
          primary.user,
          '-D',
          dataDir,
          '-X',
          'stream',
          '-c',
          'fast',
          '--no-sync',
          '-R',
        ],
        { ...(as ?? {}), cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', HOME: dir } },
      );
      if (backup.status !== 0)
        throw new Error(
          `pg_basebackup failed (${backup.status}): ${backup.stderr || backup.stdout || backup.error}`,
        );
      // -R wrote primary_conninfo; the later line wins, adding the name synchronous_standby_names uses.
      appendFileSync(
        join(dataDir, 'postgresql.auto.conf'),
        `primary_conninfo = 'host=${primary.host} port=${primary.port} user=${primary.user} application_name=${name}'\n`,
      );
      const port = await freePort();
      children.push(await startServer(dataDir, dir, port, as));
      standbys.push({ name, host: '127.0.0.1', port, dataDir });
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    primary,
    standbys,
    killPrimary: async () => {
      const pid = Number(readFileSync(join(primary.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0) throw new Error('no postmaster.pid for the primary');
      process.kill(pid, 'SIGKILL');
      // The postmaster is gone once signal 0 fails.
      for (let i = 0; i < 200; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`primary postmaster ${pid} did not exit after SIGKILL`);
    },
    stop: cleanUp,
  };
}
