/**
 * History readers: Knossos/Jepsen EDN, Jepsen's text log lines, and our JSON. Each returns a paired
 * History and names the line of the first problem.
 */
import { EdnError, EdnKeyword, EdnReader, MAX_EDN_DEPTH, ednToPlain, keyword, type EdnValue } from './edn';
import { pairEvents, type History, type HistoryEvent, type Outcome } from './history';

export type HistoryFormat = 'edn' | 'jepsen-log' | 'json';

export class HistoryParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryParseError';
  }
}

const TYPES = new Set(['invoke', 'ok', 'fail', 'info']);

function eventType(raw: unknown, where: string): HistoryEvent['type'] {
  if (typeof raw !== 'string' || !TYPES.has(raw)) {
    throw new HistoryParseError(
      `${where}: expected :type to be :invoke, :ok, :fail or :info, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as HistoryEvent['type'];
}

/** `[{:type :invoke, :f :cas, :value [1 2], :process 3} …]` as a vector or a list, or bare maps. */
export function readEdnHistory(text: string): History {
  const reader = new EdnReader(text);
  const events: HistoryEvent[] = [];
  const kType = keyword('type');
  const kF = keyword('f');
  const kValue = keyword('value');
  const kProcess = keyword('process');
  const kKey = keyword('key');
  const addOp = (value: EdnValue, line: number) => {
    if (!(value instanceof Map))
      throw new HistoryParseError(`line ${line}: expected an operation map {:type … :f … :process …}`);
    const where = `line ${line}`;
    const type = eventType(
      value.get(kType) instanceof EdnKeyword ? (value.get(kType) as EdnKeyword).name : value.get(kType),
      where,
    );
    const f = value.get(kF);
    const process = value.get(kProcess);
    if (!(f instanceof EdnKeyword) && typeof f !== 'string')
      throw new HistoryParseError(`${where}: expected :f to be a keyword`);
    if (process === undefined || process === null) throw new HistoryParseError(`${where}: missing :process`);
    // Jepsen logs the nemesis (fault injector) as a keyword process; only client operations count.
    if (process instanceof EdnKeyword) return;
    const key = value.get(kKey);
    events.push({
      type,
      f: f instanceof EdnKeyword ? f.name : f,
      process: String(ednToPlain(process)),
      value: value.has(kValue) ? ednToPlain(value.get(kValue) as EdnValue) : null,
      ...(key !== undefined && key !== null ? { key: ednToPlain(key) } : {}),
      line,
    });
  };
  try {
    let first = true;
    while (!reader.atEnd()) {
      const line = reader.position.line;
      const form = reader.read();
      if (first && Array.isArray(form)) {
        // The whole history as one vector or list: each element's line is not tracked, so count.
        form.forEach((op, i) => addOp(op, line + i));
      } else addOp(form, line);
      first = false;
    }
  } catch (error) {
    if (error instanceof EdnError) throw new HistoryParseError(error.message);
    throw error;
  }
  return pairWithLines(events);
}

/** `jepsen.util -` with any blanks: the logger's prefix before a history line. */
const LOG_MARKER = /\bjepsen\.util[ \t]+-(?=[ \t]|$)/;
/** A history line without a prefix: `process :type :f value`, columns separated by any blanks. */
const BARE_OPERATION = /^[ \t]*\S+[ \t]+:(?:invoke|ok|fail|info)(?=[ \t]|$)/;
/** How much of an offending line an error message quotes. */
const QUOTE = 80;
const quote = (text: string) => {
  const trimmed = text.trim();
  return trimmed.length > QUOTE ? `${trimmed.slice(0, QUOTE)}…` : trimmed;
};

/** The first three blank-separated columns and the rest of the line (the value, possibly with blanks). */
function columns(body: string): [string, string, string, string] | undefined {
  const found: string[] = [];
  let at = 0;
  while (found.length < 3) {
    while (at < body.length && isBlank(body.charCodeAt(at))) at++;
    if (at >= body.length) return undefined;
    const start = at;
    while (at < body.length && !isBlank(body.charCodeAt(at))) at++;
    found.push(body.slice(start, at));
  }
  return [found[0] as string, found[1] as string, found[2] as string, body.slice(at).trim()];
}
/** Space, tab, and the other blanks a log may carry (\r of a CRLF line end, form feed, no-break space). */
function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 11 || code === 12 || code === 160;
}

/**
 * Jepsen's log lines: `INFO  jepsen.util - 3\t:invoke\t:read\tnil`, columns separated by any run of
 * tabs or spaces, with or without the logger's prefix. When some line carries the `jepsen.util -`
 * prefix, only such lines are history (the rest is other log output); otherwise every line that is not
 * blank must be a history line (`3 :invoke :read nil`, as in Jepsen's history.txt). The value is one
 * EDN form (anything after it, such as an error column, is ignored); a missing value is nil. A read
 * that fails with :timed-out is an unknown result (info). Errors name the line.
 */
export function readJepsenLog(text: string): History {
  const events: HistoryEvent[] = [];
  const lines = text.split(/\r?\n/);
  const prefixed = lines.some((raw) => LOG_MARKER.test(raw));
  lines.forEach((raw, index) => {
    const line = index + 1;
    let body = raw;
    if (prefixed) {
      const marker = LOG_MARKER.exec(raw);
      if (!marker) return; // other log output
      body = raw.slice(marker.index + marker[0].length);
    } else if (raw.trim() === '') return;
    const cols = columns(body);
    if (!cols)
      throw new HistoryParseError(
        `line ${line}: expected 'process :type :f value' (columns separated by blanks), got '${quote(raw)}'`,
      );
    const [process, typeText, fText, valueText] = cols;
    if (!typeText.startsWith(':'))
      throw new HistoryParseError(
        `line ${line}: expected 'process :type :f value', but the second column '${quote(typeText)}' is not a keyword`,
      );
    let type: HistoryEvent['type'] = eventType(typeText.slice(1), `line ${line}`);
    if (process.startsWith(':')) return; // :nemesis and other non-client processes
    if (!fText.startsWith(':') || fText.length === 1)
      throw new HistoryParseError(`line ${line}: expected :f to be a keyword, got '${quote(fText)}'`);
    let value: unknown;
    try {
      value = ednToPlain(new EdnReader(valueText === '' ? 'nil' : valueText).read());
    } catch (error) {
      throw new HistoryParseError(
        `line ${line}: bad value '${quote(valueText)}': ${(error as Error).message}`,
      );
    }
    if (type === 'fail' && fText === ':read' && value === 'timed-out') type = 'info';
    if (type === 'info' && typeof value === 'string' && value === 'timed-out') value = null;
    events.push({ type, process, f: fText.slice(1), value, line });
  });
  return pairWithLines(events);
}

/** Our JSON: an array of events `{type, process, f, value}` (or `{history: [...]}`). */
export function readJsonHistory(text: string): History {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new HistoryParseError(`not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(data)
    ? data
    : data && typeof data === 'object' && Array.isArray((data as { history?: unknown }).history)
      ? (data as { history: unknown[] }).history
      : undefined;
  if (!list) throw new HistoryParseError('expected a JSON array of events, or {"history": [...]}');
  const events = list.map((raw, index): HistoryEvent => {
    const where = `event ${index + 1}`;
    if (!raw || typeof raw !== 'object') throw new HistoryParseError(`${where}: expected an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.f !== 'string') throw new HistoryParseError(`${where}: expected "f" to be a string`);
    if (typeof e.process !== 'string' && typeof e.process !== 'number')
      throw new HistoryParseError(`${where}: expected "process"`);
    if (nestedDeeperThan(e.value, MAX_EDN_DEPTH) || nestedDeeperThan(e.key, MAX_EDN_DEPTH))
      throw new HistoryParseError(`${where}: values nested deeper than ${MAX_EDN_DEPTH} levels`);
    return {
      type: eventType(e.type, where),
      process: String(e.process),
      f: e.f,
      value: e.value ?? null,
      ...(e.key !== undefined && e.key !== null ? { key: e.key } : {}),
      line: index + 1,
    };
  });
  return pairWithLines(events);
}

/** Whether a JSON value nests deeper than `max` levels (walked with an explicit stack, never recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

function pairWithLines(events: HistoryEvent[]): History {
  try {
    return pairEvents(events);
  } catch (error) {
    throw new HistoryParseError((error as Error).message);
  }
}

export function readHistory(text: string, format: HistoryFormat): History {
  if (format === 'edn') return readEdnHistory(text);
  if (format === 'jepsen-log') return readJepsenLog(text);
  return readJsonHistory(text);
}

/** Guesses the format from the content (the CLI's default). */
export function detectFormat(text: string): HistoryFormat {
  if (LOG_MARKER.test(text)) return 'jepsen-log';
  const start = text.replace(/^(\s|;[^\n]*\n)*/, '');
  if (BARE_OPERATION.test(start.slice(0, start.indexOf('\n') >>> 0))) return 'jepsen-log';
  if (
    start.startsWith('[{"') ||
    start.startsWith('{"') ||
    start.startsWith('[\n  {"') ||
    /^\[\s*\{\s*"/.test(start)
  )
    return 'json';
  return 'edn';
}

/**
 * Whether a history carries each operation's key in its own field (`{:f :get, :key "4", :value nil}`,
 * the shape of Porcupine's key-value histories, where a key never written reads as ""), rather than
 * in the value (`:value [k v]`, Jepsen's independent histories).
 */
export function usesKeyField(text: string, format: HistoryFormat): boolean {
  if (format === 'edn') return /:key[\s,]/.test(text);
  if (format === 'json') return /"key"\s*:/.test(text);
  return false;
}

export type { Outcome };
