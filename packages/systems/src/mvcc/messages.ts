/** What sessions and the database server send each other: plain data. */
import type { Statement, StatementResult } from './statements';

export type MvccMessage =
  /** A client (re)started: a session it had from an earlier life is closed (as a reset TCP connection). */
  | { readonly type: 'hello'; readonly epoch: number }
  /** The server's acknowledgement of a hello (the client repeats its hello until it arrives). */
  | { readonly type: 'welcome'; readonly epoch: number }
  /** A client's statement; `seq` numbers a session's statements so a retry or duplicate runs once. */
  | {
      readonly type: 'exec';
      readonly epoch: number;
      readonly seq: number;
      readonly statement: Statement;
      /** The server incarnation this session was opened on (absent for a new connection). */
      readonly server?: number;
    }
  | {
      readonly type: 'result';
      readonly epoch: number;
      readonly seq: number;
      readonly result: StatementResult;
      /** The server incarnation that answered. */
      readonly server: number;
    };
