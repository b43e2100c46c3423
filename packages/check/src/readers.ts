/**
 * History readers: Knossos/Jepsen EDN, Jepsen's text log lines, and our JSON. Each returns a paired
 * History and names the line of the first problem.
 */
import { EdnError, EdnKeyword, EdnReader, ednToPlain, keyword, type EdnValue } from './edn';
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
    events.push({
      type,
      f: f instanceof EdnKeyword ? f.name : f,
      process: String(ednToPlain(process)),
      value: value.has(kValue) ? ednToPlain(value.get(kValue) as EdnValue) : null,
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

/**
 * Jepsen's log lines: `INFO  jepsen.util - 3\t:invoke\t:read\tnil`. Lines without the
 * `jepsen.util -` marker are ignored (other log output). A read that fails with :timed-out is an
 * unknown result (info).
 */
export function readJepsenLog(text: string): History {
  const events: HistoryEvent[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const marker = raw.indexOf('jepsen.util - ');
    if (marker < 0) return;
    const fields = raw.slice(marker + 'jepsen.util - '.length).split('\t');
    if (fields.length < 4)
      throw new HistoryParseError(
        `line ${line}: expected 'process<TAB>:type<TAB>:f<TAB>value', got '${raw.trim()}'`,
      );
    const [process, typeText, fText, ...valueParts] = fields as [string, string, string, ...string[]];
    if (!/^\S+$/.test(process.trim())) throw new HistoryParseError(`line ${line}: bad process '${process}'`);
    if (process.trim().startsWith(':')) return; // :nemesis and other non-client processes
    if (!typeText.startsWith(':') || !fText.startsWith(':'))
      throw new HistoryParseError(
        `line ${line}: expected keywords for type and f, got '${typeText}' '${fText}'`,
      );
    let type: HistoryEvent['type'] = eventType(typeText.slice(1), `line ${line}`);
    let value: unknown;
    const valueText = valueParts.join('\t').trim();
    try {
      value = ednToPlain(new EdnReader(valueText === '' ? 'nil' : valueText).read());
    } catch (error) {
      throw new HistoryParseError(`line ${line}: bad value '${valueText}': ${(error as Error).message}`);
    }
    if (type === 'fail' && fText === ':read' && value === 'timed-out') type = 'info';
    if (type === 'info' && typeof value === 'string' && value === 'timed-out') value = null;
    events.push({ type, process: process.trim(), f: fText.slice(1), value, line });
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
    return {
      type: eventType(e.type, where),
      process: String(e.process),
      f: e.f,
      value: e.value ?? null,
      line: index + 1,
    };
  });
  return pairWithLines(events);
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
  if (text.includes('jepsen.util - ')) return 'jepsen-log';
  const start = text.replace(/^(\s|;[^\n]*\n)*/, '');
  if (
    start.startsWith('[{"') ||
    start.startsWith('{"') ||
    start.startsWith('[\n  {"') ||
    /^\[\s*\{\s*"/.test(start)
  )
    return 'json';
  return 'edn';
}

export type { Outcome };
