/** Bad input gets a clear error naming the operation, before any checking starts. */
import type { LogHistory, LogOp } from './types';

export class LogHistoryError extends Error {
  constructor(
    readonly op: number,
    detail: string,
  ) {
    super(`log history, operation ${op}: ${detail}`);
    this.name = 'LogHistoryError';
  }
}

const OUTCOMES = new Set(['ok', 'fail', 'unknown', 'aborted']);

function isOffset(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function requireString(op: number, value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '')
    throw new LogHistoryError(op, `${field} must be a non-empty string`);
}

function validateOne(i: number, raw: unknown): void {
  if (raw === null || typeof raw !== 'object') throw new LogHistoryError(i, 'not an object');
  const op = raw as Partial<Record<string, unknown>>;
  switch (op.type) {
    case 'send': {
      requireString(i, op.process, 'process');
      requireString(i, op.topic, 'topic');
      if (op.key !== null && typeof op.key !== 'string')
        throw new LogHistoryError(i, 'key must be a string or null');
      if (typeof op.value !== 'string') throw new LogHistoryError(i, 'value must be a string');
      if (!OUTCOMES.has(op.outcome as string))
        throw new LogHistoryError(
          i,
          `outcome must be ok, fail, unknown or aborted, got ${String(op.outcome)}`,
        );
      if (op.partition !== undefined && !isOffset(op.partition))
        throw new LogHistoryError(i, 'partition must be a non-negative integer');
      if (op.offset !== undefined) {
        if (!isOffset(op.offset)) throw new LogHistoryError(i, 'offset must be a non-negative integer');
        if (op.partition === undefined)
          throw new LogHistoryError(i, 'a send with an offset needs its partition');
        if (op.outcome === 'fail') throw new LogHistoryError(i, 'a failed send has no offset');
      }
      return;
    }
    case 'poll': {
      requireString(i, op.process, 'process');
      requireString(i, op.topic, 'topic');
      if (!isOffset(op.partition)) throw new LogHistoryError(i, 'partition must be a non-negative integer');
      if (!Array.isArray(op.records)) throw new LogHistoryError(i, 'records must be an array');
      for (const record of op.records as unknown[]) {
        const r = record as Partial<Record<string, unknown>> | null;
        if (r === null || typeof r !== 'object') throw new LogHistoryError(i, 'a record is not an object');
        if (!isOffset(r.offset))
          throw new LogHistoryError(i, 'a record offset must be a non-negative integer');
        if (typeof r.value !== 'string') throw new LogHistoryError(i, 'a record value must be a string');
        if (r.key !== null && typeof r.key !== 'string')
          throw new LogHistoryError(i, 'a record key must be a string or null');
      }
      if (op.group !== undefined) requireString(i, op.group, 'group');
      if (
        op.isolation !== undefined &&
        op.isolation !== 'read_committed' &&
        op.isolation !== 'read_uncommitted'
      )
        throw new LogHistoryError(i, 'isolation must be read_committed or read_uncommitted');
      return;
    }
    case 'commit': {
      requireString(i, op.group, 'group');
      requireString(i, op.topic, 'topic');
      if (!isOffset(op.partition)) throw new LogHistoryError(i, 'partition must be a non-negative integer');
      if (!isOffset(op.offset)) throw new LogHistoryError(i, 'offset must be a non-negative integer');
      return;
    }
    default:
      throw new LogHistoryError(i, `type must be send, poll or commit, got ${String(op.type)}`);
  }
}

/** Throws a LogHistoryError at the first malformed operation; returns the history typed otherwise. */
export function validateLogHistory(history: unknown): LogHistory {
  if (!Array.isArray(history)) throw new LogHistoryError(-1, 'a log history is an array of operations');
  for (let i = 0; i < history.length; i++) validateOne(i, history[i]);
  return history as LogOp[];
}
