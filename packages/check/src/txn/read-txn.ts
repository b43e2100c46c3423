/**
 * Reads transactional histories: Jepsen's history.edn (`{:type :invoke, :f :txn, :value [[:append 5 1]
 * [:r 5 nil]], :process 0}`, one map per line, or all of them in one vector) and the same events as a
 * JSON array. Invocations and completions are paired per process. Every error names the line (or, for
 * a JSON document on one line, the event) and what was expected; nothing else is thrown.
 */
import { EdnError, EdnKeyword, EdnReader, EdnSet, keyword, type EdnValue } from '../edn';
import { TxnRecorder } from './build';
import type { MicroOp, Scalar, TxnHistory, TxnType } from './types';

export type TxnFormat = 'edn' | 'json';

export class TxnHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TxnHistoryError';
  }
}

interface RawEvent {
  readonly type: 'invoke' | TxnType;
  readonly process: string;
  /** The micro-ops, or null when the event carries none (a fail or info may omit them). */
  readonly ops: MicroOp[] | null;
  readonly where: string;
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);
const FUNCTIONS = new Set(['append', 'r', 'w']);

/** JSON when the text starts like a JSON array of objects or a JSON object; EDN otherwise. */
export function detectTxnFormat(text: string): TxnFormat {
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at] as string)) at++;
    if (text[at] !== ';') break;
    while (at < text.length && text[at] !== '\n') at++;
  }
  if (text[at] === '{') return /^\{\s*"/.test(text.slice(at, at + 64)) ? 'json' : 'edn';
  if (text[at] === '[') return /^\[\s*(\{\s*"|\]|\[\s*"|$)/.test(text.slice(at, at + 64)) ? 'json' : 'edn';
  return 'edn';
}

export function readTxnHistory(text: string, format: TxnFormat = detectTxnFormat(text)): TxnHistory {
  return pair(format === 'json' ? jsonEvents(text) : ednEvents(text));
}

/** A short description of a value for error messages (never walks into it: values may nest deeply). */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (value instanceof EdnKeyword) return `:${value.name}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Map || value instanceof EdnSet) return value instanceof Map ? 'a map' : 'a set';
  return 'an object';
}

/** A key or element: a number, a string, or a keyword (its name). */
function scalar(value: unknown): Scalar | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return value;
  if (value instanceof EdnKeyword) return value.name;
  return undefined;
}

/** `[:append k v]`, `[:w k v]`, `[:r k v]` (v a scalar, a list of scalars, or nil). */
function badMicroOp(index: number, where: string, problem: string): never {
  throw new TxnHistoryError(
    `${where}: micro-op ${index + 1} ${problem}; expected [:append k v], [:r k value] or [:w k v]`,
  );
}

function microOp(raw: unknown, index: number, where: string): MicroOp {
  if (!Array.isArray(raw)) return badMicroOp(index, where, `is ${describe(raw)}`);
  if (raw.length !== 3) return badMicroOp(index, where, `has ${raw.length} elements`);
  const fName = scalar(raw[0]);
  const f = typeof fName === 'string' ? fName.replace(/^:/, '') : undefined;
  if (f === undefined || !FUNCTIONS.has(f))
    return badMicroOp(index, where, `starts with ${describe(raw[0])}`);
  const key = scalar(raw[1]);
  if (key === undefined)
    return badMicroOp(index, where, `has key ${describe(raw[1])}, not a number, string or keyword`);
  const rawValue: unknown = raw[2];
  if (f !== 'r') {
    const value = scalar(rawValue);
    if (value === undefined)
      return badMicroOp(index, where, `${f === 'w' ? 'writes' : 'appends'} ${describe(rawValue)}`);
    return { f: f as 'append' | 'w', key, value };
  }
  if (rawValue === null || rawValue === undefined) return { f: 'r', key, value: null };
  if (Array.isArray(rawValue)) {
    const list: Scalar[] = new Array(rawValue.length);
    for (let i = 0; i < rawValue.length; i++) {
      const element = scalar(rawValue[i]);
      if (element === undefined)
        return badMicroOp(index, where, `reads element ${i + 1} as ${describe(rawValue[i])}`);
      list[i] = element;
    }
    return { f: 'r', key, value: list };
  }
  const value = scalar(rawValue);
  if (value === undefined) return badMicroOp(index, where, `reads ${describe(rawValue)}`);
  return { f: 'r', key, value };
}

function microOps(raw: unknown, type: RawEvent['type'], where: string): MicroOp[] | null {
  if (raw === null || raw === undefined) {
    if (type === 'invoke' || type === 'ok')
      throw new TxnHistoryError(`${where}: an :${type} needs a :value, the transaction's micro-ops`);
    return null;
  }
  if (!Array.isArray(raw))
    throw new TxnHistoryError(`${where}: expected :value to be a list of micro-ops, got ${describe(raw)}`);
  const ops: MicroOp[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) ops[i] = microOp(raw[i], i, where);
  return ops;
}

function eventType(raw: unknown, where: string): RawEvent['type'] {
  const name =
    raw instanceof EdnKeyword ? raw.name : typeof raw === 'string' ? raw.replace(/^:/, '') : undefined;
  if (name === undefined || !TYPES.has(name))
    throw new TxnHistoryError(
      `${where}: expected :type to be :invoke, :ok, :fail or :info, got ${describe(raw)}`,
    );
  return name as RawEvent['type'];
}

function checkFunction(raw: unknown, where: string): void {
  const name =
    raw instanceof EdnKeyword ? raw.name : typeof raw === 'string' ? raw.replace(/^:/, '') : undefined;
  if (name !== 'txn')
    throw new TxnHistoryError(
      `${where}: expected :f :txn, got ${describe(raw)} (a transactional history holds only :txn operations)`,
    );
}

const K_TYPE = keyword('type');
const K_F = keyword('f');
const K_PROCESS = keyword('process');
const K_VALUE = keyword('value');

function ednEvent(form: EdnValue, where: string): RawEvent | undefined {
  if (!(form instanceof Map))
    throw new TxnHistoryError(
      `${where}: expected an operation map {:type … :f :txn :value … :process …}, got ${describe(form)}`,
    );
  const process = form.get(K_PROCESS);
  if (process === undefined || process === null) throw new TxnHistoryError(`${where}: missing :process`);
  // Jepsen logs the nemesis (the fault injector) as a keyword process: not a client, not a transaction.
  if (process instanceof EdnKeyword) return undefined;
  const processName = scalar(process);
  if (processName === undefined)
    throw new TxnHistoryError(
      `${where}: expected :process to be a number or a name, got ${describe(process)}`,
    );
  const type = eventType(form.get(K_TYPE), where);
  checkFunction(form.get(K_F), where);
  return { type, process: String(processName), ops: microOps(form.get(K_VALUE), type, where), where };
}

/** Index of the first character that is not blank or inside a `;` comment. */
function skipBlank(text: string, from: number): number {
  let at = from;
  for (;;) {
    while (at < text.length && /[\s,]/.test(text[at] as string)) at++;
    if (text[at] !== ';') return at;
    while (at < text.length && text[at] !== '\n') at++;
  }
}

function ednEvents(text: string): RawEvent[] {
  // A history wrapped in one vector or list is read without its outer brackets, so that each
  // operation is its own top-level form and errors can name its line (blanking keeps positions).
  let body = text;
  const start = skipBlank(text, 0);
  const open = text[start];
  if (open === '[' || open === '(') {
    const end = text.trimEnd().length - 1;
    if (end > start && text[end] === (open === '[' ? ']' : ')'))
      body = `${text.slice(0, start)} ${text.slice(start + 1, end)} ${text.slice(end + 1)}`;
  }
  const reader = new EdnReader(body);
  const events: RawEvent[] = [];
  try {
    while (!reader.atEnd()) {
      const line = reader.position.line;
      const form = reader.read();
      if (Array.isArray(form)) {
        // The brackets could not be stripped (text after them): elements are counted instead.
        for (let i = 0; i < form.length; i++) {
          const event = ednEvent(form[i] as EdnValue, `line ${line}, operation ${i + 1}`);
          if (event) events.push(event);
        }
      } else {
        const event = ednEvent(form, `line ${line}`);
        if (event) events.push(event);
      }
    }
  } catch (error) {
    if (error instanceof TxnHistoryError) throw error;
    if (error instanceof EdnError) throw new TxnHistoryError(error.message);
    // The EDN reader recurses per nesting level; past the stack, the input is not a history.
    if (error instanceof RangeError)
      throw new TxnHistoryError(`line ${reader.position.line}: values nested too deeply`);
    throw error;
  }
  return events;
}

/**
 * The line on which each element of the event array starts (a linear scan that knows strings):
 * JSON.parse forgets positions, and an error should name the line a person can go to.
 */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let arrayDepth = -1;
  let expectElement = false;
  for (let at = 0; at < text.length; at++) {
    const ch = text.charCodeAt(at);
    if (ch === 10) {
      line++;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 13) continue;
    if (expectElement && ch !== 93) {
      lines.push(line);
      expectElement = false;
    }
    if (ch === 34) {
      for (at++; at < text.length && text.charCodeAt(at) !== 34; at++) if (text.charCodeAt(at) === 92) at++;
    } else if (ch === 91 || ch === 123) {
      depth++;
      // The events are the first array met at the top or directly inside the top object ({"history": […]}).
      if (ch === 91 && arrayDepth === -1 && depth <= 2) {
        arrayDepth = depth;
        expectElement = true;
      }
    } else if (ch === 93 || ch === 125) {
      if (depth === arrayDepth) return lines;
      depth--;
    } else if (ch === 44 && depth === arrayDepth) expectElement = true;
  }
  return lines;
}

function lineOf(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function jsonEvents(text: string): RawEvent[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? `line ${lineOf(text, Number(position[1]))}: ` : '';
    throw new TxnHistoryError(`${where}not valid JSON: ${message}`);
  }
  const list = Array.isArray(data)
    ? data
    : data !== null && typeof data === 'object' && Array.isArray((data as { history?: unknown }).history)
      ? (data as { history: unknown[] }).history
      : undefined;
  if (!list) throw new TxnHistoryError('expected a JSON array of events, or {"history": [...]}');
  const lines = elementLines(text);
  const sameLine = lines.length > 1 && lines[0] === lines[lines.length - 1];
  const events: RawEvent[] = [];
  for (let i = 0; i < list.length; i++) {
    const where = lines[i] !== undefined && !sameLine ? `line ${lines[i]}` : `event ${i + 1}`;
    const raw = list[i] as unknown;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw new TxnHistoryError(`${where}: expected an event object {"type", "f", "process", "value"}`);
    const e = raw as Record<string, unknown>;
    if (e.process === 'nemesis') continue;
    if (typeof e.process !== 'string' && typeof e.process !== 'number')
      throw new TxnHistoryError(`${where}: expected "process" to be a number or a string`);
    const type = eventType(e.type, where);
    checkFunction(e.f, where);
    events.push({ type, process: String(e.process), ops: microOps(e.value, type, where), where });
  }
  return events;
}

/** Pairs each invocation with its process's next completion; the completion must match it op by op. */
function pair(events: readonly RawEvent[]): TxnHistory {
  const recorder = new TxnRecorder();
  const open = new Map<string, { id: number; ops: MicroOp[]; where: string }>();
  for (let time = 0; time < events.length; time++) {
    const event = events[time] as RawEvent;
    const where = event.where;
    if (event.type === 'invoke') {
      const previous = open.get(event.process);
      if (previous)
        throw new TxnHistoryError(
          `${where}: process ${event.process} invokes again before its transaction (${previous.where}) completed`,
        );
      const ops = event.ops as MicroOp[];
      const line = /^line (\d+)/.exec(where);
      open.set(event.process, {
        id: recorder.invoke(event.process, ops, time, line ? Number(line[1]) : undefined),
        ops,
        where,
      });
      continue;
    }
    const pending = open.get(event.process);
    if (!pending)
      throw new TxnHistoryError(
        `${where}: :${event.type} for process ${event.process}, which has no open transaction`,
      );
    open.delete(event.process);
    if (event.type === 'ok') {
      const ops = event.ops as MicroOp[];
      if (ops.length !== pending.ops.length)
        throw new TxnHistoryError(
          `${where}: the completion has ${ops.length} micro-ops, the invocation (${pending.where}) has ${pending.ops.length}`,
        );
      for (let i = 0; i < ops.length; i++) {
        const done = ops[i] as MicroOp;
        const asked = pending.ops[i] as MicroOp;
        if (done.f !== asked.f || done.key !== asked.key || (done.f !== 'r' && done.value !== asked.value))
          throw new TxnHistoryError(
            `${where}: micro-op ${i + 1} completes as [:${done.f} ${String(done.key)} …] but was invoked as [:${asked.f} ${String(asked.key)} …] (${pending.where})`,
          );
      }
      recorder.ok(pending.id, ops, time);
    } else if (event.type === 'fail') recorder.fail(pending.id, time);
    else recorder.info(pending.id, time);
  }
  return recorder.history();
}
