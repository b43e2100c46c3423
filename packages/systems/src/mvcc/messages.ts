/** What sessions and the database server send each other: plain data. */
import type { Statement, StatementResult } from './statements';

export type MvccMessage =
  /** A client's statement; `seq` numbers a session's statements so a retry or duplicate runs once. */
  | { readonly type: 'exec'; readonly epoch: number; readonly seq: number; readonly statement: Statement }
  | {
      readonly type: 'result';
      readonly epoch: number;
      readonly seq: number;
      readonly result: StatementResult;
    };
