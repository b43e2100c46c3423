/**
 * The database server as a simulated node: one engine, one session per client node. Statements arrive
 * as messages and results leave as messages, so the kit's faults (loss, duplication, delay, pauses,
 * partitions, client crashes) apply to sessions as to any system's clients.
 */
import type { Env, NodeId, SimNode } from '@dslab/sim';
import { MvccEngine } from './engine';
import type { MvccMessage } from './messages';
import type { Row, StatementResult, TableSchema } from './statements';
import type { EngineOptions } from './types';

export interface ServerConfig {
  readonly tables: readonly { readonly schema: TableSchema; readonly rows: readonly Row[] }[];
  readonly engine: Partial<EngineOptions>;
}

interface SessionState {
  epoch: number;
  seq: number;
  result: StatementResult | undefined;
}

export class MvccServer implements SimNode<MvccMessage> {
  readonly engine: MvccEngine;
  private readonly sessions = new Map<NodeId, SessionState>();
  statements = 0;

  constructor(
    private readonly env: Env<MvccMessage>,
    config: ServerConfig,
  ) {
    this.engine = new MvccEngine(
      {
        now: () => env.now(),
        setTimer: (ms, fire) => env.setTimer(ms, fire),
        clearTimer: (timer) => env.clearTimer(timer),
      },
      config.engine,
    );
    for (const { schema, rows } of config.tables) this.engine.createTable(schema, rows);
  }

  onMessage(from: NodeId, msg: MvccMessage): void {
    if (msg.type !== 'exec') return;
    let state = this.sessions.get(from);
    if (state && state.epoch !== msg.epoch) {
      // The client restarted: its old connection is gone, and with it its transaction and locks.
      this.engine.closeSession(from);
      state = undefined;
    }
    if (!state) {
      state = { epoch: msg.epoch, seq: 0, result: undefined };
      this.sessions.set(from, state);
      const session = state;
      this.engine.openSession(from, (result) => {
        session.result = result;
        this.env.send(from, { type: 'result', epoch: session.epoch, seq: session.seq, result });
      });
    }
    if (msg.seq < state.seq) return; // an old duplicate
    if (msg.seq === state.seq) {
      // A retry: answer again when done; still running otherwise.
      if (state.result)
        this.env.send(from, { type: 'result', epoch: state.epoch, seq: state.seq, result: state.result });
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
