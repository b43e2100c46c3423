/**
 * The database server as a simulated node: one engine, one session per client node. Statements arrive
 * as messages and results leave as messages, so the kit's faults (loss, duplication, delay, pauses,
 * partitions, client crashes) apply to sessions as to any system's clients.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { MvccEngine, type CommitRecord } from './engine';
import type { MvccMessage } from './messages';
import type { Row, StatementResult, TableSchema } from './statements';
import type { EngineOptions } from './types';

export interface ServerConfig {
  readonly tables: readonly { readonly schema: TableSchema; readonly rows: readonly Row[] }[];
  readonly engine: Partial<EngineOptions>;
}

/** The commit log on the node's disk: one JSON commit record per line, synced before the commit is answered. */
export const WAL_FILE = 'commits.log';

/** Rows after replaying the log over the initial tables (logical redo of committed changes). */
export function recover(
  tables: ServerConfig['tables'],
  log: Uint8Array | undefined,
): { tables: { schema: TableSchema; rows: Row[] }[]; lastXid: number | undefined; records: number } {
  const state = tables.map(({ schema, rows }) => ({
    schema,
    rows: new Map(rows.map((row) => [row[schema.key] as number, row])),
  }));
  let lastXid: number | undefined;
  let records = 0;
  if (log) {
    const lines = new TextDecoder().decode(log).split('\n');
    for (const line of lines) {
      if (line.trim() === '') continue;
      let record: CommitRecord;
      try {
        record = JSON.parse(line) as CommitRecord;
      } catch {
        break; // a torn last record: its commit was never acknowledged
      }
      records++;
      lastXid = record.xid;
      for (const change of record.changes) {
        const table = state.find((t) => t.schema.name === change.table);
        if (!table) continue;
        if ('addColumn' in change) {
          table.schema = { ...table.schema, columns: [...table.schema.columns, change.addColumn] };
          continue;
        }
        if (change.oldKey !== undefined) table.rows.delete(change.oldKey);
        if (change.row) table.rows.set(change.row[table.schema.key] as number, change.row);
      }
    }
  }
  return {
    tables: state.map((t) => ({ schema: t.schema, rows: [...t.rows.values()] })),
    lastXid,
    records,
  };
}

/**
 * A number that differs at every start of a node: a boot counter kept on its disk (a node's random
 * stream starts over identically after a restart, so it cannot tell incarnations apart).
 */
export function nextBoot(env: Env<MvccMessage>): number {
  const stored = env.disk.read('boot');
  const boot = (stored ? Number(new TextDecoder().decode(stored)) : 0) + 1;
  env.disk.write('boot', new TextEncoder().encode(String(boot)));
  env.disk.sync();
  return boot;
}

interface SessionState {
  epoch: number;
  seq: number;
  result: StatementResult | undefined;
}

export class MvccServer implements SimNode<MvccMessage> {
  readonly engine: MvccEngine;
  private readonly sessions = new Map<NodeId, SessionState>();
  /** Drawn at each start: a session opened on an earlier incarnation is gone with it. */
  readonly incarnation: number;
  statements = 0;
  /** Commit records replayed at start. */
  readonly recovered: number;

  constructor(
    private readonly env: Env<MvccMessage>,
    config: ServerConfig,
  ) {
    this.incarnation = nextBoot(env);
    this.engine = new MvccEngine(
      {
        now: () => env.now(),
        setTimer: (ms, fire) => env.setTimer(ms, fire),
        clearTimer: (timer) => env.clearTimer(timer),
        logCommit: (record) => {
          env.disk.append(WAL_FILE, new TextEncoder().encode(JSON.stringify(record) + '\n'));
          env.disk.sync();
        },
      },
      config.engine,
    );
    const state = recover(config.tables, env.disk.read(WAL_FILE));
    for (const { schema, rows } of state.tables) this.engine.createTable(schema, rows);
    if (state.lastXid !== undefined) this.engine.resumeXidsAfter(state.lastXid);
    this.recovered = state.records;
    if (state.records > 0) env.trace('recovered', { commits: state.records });
  }

  onMessage(from: NodeId, msg: MvccMessage): void {
    if (msg.type === 'hello') {
      const old = this.sessions.get(from);
      if (old && old.epoch !== msg.epoch) {
        this.engine.closeSession(from);
        this.sessions.delete(from);
      }
      this.env.send(from, { type: 'welcome', epoch: msg.epoch });
      return;
    }
    if (msg.type !== 'exec') return;
    let state = this.sessions.get(from);
    if (state && state.epoch !== msg.epoch) {
      // The client restarted: its old connection is gone, and with it its transaction and locks.
      this.engine.closeSession(from);
      state = undefined;
    }
    if (!state && msg.server !== undefined && msg.server !== this.incarnation) {
      // The session lived on an incarnation that crashed: its connection, transaction and locks are gone.
      const result: StatementResult = {
        tag: 'ERROR',
        error: { code: '08006', message: 'server closed the connection unexpectedly' },
      };
      this.env.send(from, {
        type: 'result',
        epoch: msg.epoch,
        seq: msg.seq,
        result,
        server: this.incarnation,
      });
      return;
    }
    if (!state) {
      state = { epoch: msg.epoch, seq: 0, result: undefined };
      this.sessions.set(from, state);
      const session = state;
      this.engine.openSession(from, (result) => {
        session.result = result;
        this.env.send(from, {
          type: 'result',
          epoch: session.epoch,
          seq: session.seq,
          result,
          server: this.incarnation,
        });
      });
    }
    if (msg.seq < state.seq) return; // an old duplicate
    if (msg.seq === state.seq) {
      // A retry: answer again when done; still running otherwise.
      if (state.result)
        this.env.send(from, {
          type: 'result',
          epoch: state.epoch,
          seq: state.seq,
          result: state.result,
          server: this.incarnation,
        });
      return;
    }
    state.seq = msg.seq;
    state.result = undefined;
    this.statements++;
    this.env.trace('exec', { session: from, seq: msg.seq, kind: msg.statement.kind });
    this.engine.execute(from, msg.statement);
  }

  snapshot(): unknown {
    return {
      statements: this.statements,
      stats: { ...this.engine.stats },
      transactions: this.engine.transactions(),
      waits: this.engine.waitForGraph(),
    };
  }
}
