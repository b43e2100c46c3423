/**
 * Bad input gets a clear error naming the operation, before any checking starts. One pass: each
 * operation's shape, and for shared consumers what ties operations together (every poll of a consumer
 * agrees on its topic and guarantee; an ack follows a delivery of its message to that worker).
 */
import { printable } from '@dslab/sim';
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
const ACK_KINDS = new Set(['ack', 'nak', 'term']);
const SEP = '\u0000';

/** What the operations before the current one declared about shared consumers. */
interface SharedContext {
  /** consumer name → its topic and guarantee, from its first poll. */
  readonly consumers: Map<string, { topic: string; ordered: boolean; op: number }>;
  /** consumer + worker + value: delivered, so the worker may settle it. */
  readonly delivered: Set<string>;
}

function isOffset(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function requireString(op: number, value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '')
    throw new LogHistoryError(op, `${field} must be a non-empty string`);
}

function validateConsumer(i: number, op: Partial<Record<string, unknown>>, context: SharedContext): void {
  const consumer = op.consumer as Partial<Record<string, unknown>> | null;
  if (consumer === null || typeof consumer !== 'object' || Array.isArray(consumer))
    throw new LogHistoryError(i, 'consumer must be an object {kind: "shared", name}');
  if (consumer.kind !== 'shared')
    throw new LogHistoryError(i, `consumer.kind must be "shared", got ${printable(consumer.kind)}`);
  requireString(i, consumer.name, 'consumer.name');
  if (consumer.ordered !== undefined && typeof consumer.ordered !== 'boolean')
    throw new LogHistoryError(i, 'consumer.ordered must be a boolean');
  if (op.group !== undefined || op.reset !== undefined)
    throw new LogHistoryError(
      i,
      'a poll of a shared consumer has no group or reset (those describe a Kafka consumer owning a partition)',
    );
  if (op.invoked !== undefined && !(isOffset(op.invoked) && op.invoked <= i))
    throw new LogHistoryError(i, `invoked must be an operation index between 0 and ${i}`);
  const name = consumer.name as string;
  const ordered = consumer.ordered === true;
  const declared = context.consumers.get(name);
  if (declared === undefined) context.consumers.set(name, { topic: op.topic as string, ordered, op: i });
  else if (declared.topic !== op.topic || declared.ordered !== ordered)
    throw new LogHistoryError(
      i,
      `shared consumer ${JSON.stringify(name)} was declared by operation ${declared.op} on topic ` +
        `${JSON.stringify(declared.topic)}${declared.ordered ? ' (ordered)' : ''}; every poll of it must say the same`,
    );
  for (const record of op.records as { value: string }[])
    context.delivered.add(name + SEP + (op.process as string) + SEP + record.value);
}

function validateAck(i: number, op: Partial<Record<string, unknown>>, context: SharedContext): void {
  requireString(i, op.process, 'process');
  requireString(i, op.consumer, 'consumer');
  requireString(i, op.topic, 'topic');
  if (typeof op.value !== 'string') throw new LogHistoryError(i, 'value must be a string');
  if (!ACK_KINDS.has(op.kind as string))
    throw new LogHistoryError(i, `kind must be ack, nak or term, got ${printable(op.kind)}`);
  if (op.outcome !== 'ok' && op.outcome !== 'unknown')
    throw new LogHistoryError(i, `an ack's outcome must be ok or unknown, got ${printable(op.outcome)}`);
  const name = op.consumer as string;
  const declared = context.consumers.get(name);
  if (declared === undefined)
    throw new LogHistoryError(i, `no poll before it read for shared consumer ${JSON.stringify(name)}`);
  if (declared.topic !== op.topic)
    throw new LogHistoryError(
      i,
      `shared consumer ${JSON.stringify(name)} reads topic ${JSON.stringify(declared.topic)}, not ${JSON.stringify(op.topic)}`,
    );
  if (!context.delivered.has(name + SEP + (op.process as string) + SEP + op.value))
    throw new LogHistoryError(
      i,
      `${printable(op.process)} settles ${JSON.stringify(op.value)}, which ${JSON.stringify(name)} never delivered to it before`,
    );
}

function validateOne(i: number, raw: unknown, context: SharedContext): void {
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
          `outcome must be ok, fail, unknown or aborted, got ${printable(op.outcome)}`,
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
        if (r.delivery !== undefined) {
          if (!(isOffset(r.delivery) && r.delivery >= 1))
            throw new LogHistoryError(i, 'a record delivery count must be a positive integer');
          if (op.consumer === undefined)
            throw new LogHistoryError(i, 'delivery counts belong to polls of a shared consumer');
        }
      }
      if (op.group !== undefined) requireString(i, op.group, 'group');
      if (
        op.isolation !== undefined &&
        op.isolation !== 'read_committed' &&
        op.isolation !== 'read_uncommitted'
      )
        throw new LogHistoryError(i, 'isolation must be read_committed or read_uncommitted');
      if (op.consumer !== undefined) validateConsumer(i, op, context);
      else if (op.invoked !== undefined)
        throw new LogHistoryError(i, 'invoked belongs to polls of a shared consumer');
      return;
    }
    case 'ack':
      validateAck(i, op, context);
      return;
    case 'commit': {
      requireString(i, op.group, 'group');
      requireString(i, op.topic, 'topic');
      if (!isOffset(op.partition)) throw new LogHistoryError(i, 'partition must be a non-negative integer');
      if (!isOffset(op.offset)) throw new LogHistoryError(i, 'offset must be a non-negative integer');
      return;
    }
    default:
      throw new LogHistoryError(i, `type must be send, poll, commit or ack, got ${printable(op.type)}`);
  }
}

/** Throws a LogHistoryError at the first malformed operation; returns the history typed otherwise. */
export function validateLogHistory(history: unknown): LogHistory {
  if (!Array.isArray(history)) throw new LogHistoryError(-1, 'a log history is an array of operations');
  const context: SharedContext = { consumers: new Map(), delivered: new Set() };
  for (let i = 0; i < history.length; i++) validateOne(i, history[i], context);
  return history as LogOp[];
}
