import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  detectFormat,
  readEdnHistory,
  readHistory,
  readJepsenLog,
  readJsonHistory,
  HistoryParseError,
} from './readers';

describe('history readers', () => {
  it('EDN: lists or vectors, comments, extra keys, nemesis events ignored', () => {
    const text = `; a comment\n({:type :invoke, :f :cas, :value [1 2], :process 3, :time 12}\n {:type :info, :f :start, :process :nemesis}\n {:type :ok, :f :cas, :value [1 2], :process 3})`;
    const history = readEdnHistory(text);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ f: 'cas', input: [1, 2], outcome: 'ok', process: '3' });
  });

  it('Jepsen log: tab-separated lines; a failed read that timed out is unknown', () => {
    const text = [
      'INFO  jepsen.util - 3\t:invoke\t:read\tnil',
      'some other log line',
      'INFO  jepsen.util - 3\t:fail\t:read\t:timed-out',
      'INFO  jepsen.util - 4\t:invoke\t:cas\t[1 2]',
      'INFO  jepsen.util - 4\t:fail\t:cas\t[1 2]',
    ].join('\n');
    const history = readJepsenLog(text);
    expect(history.map((op) => op.outcome)).toEqual(['info', 'fail']);
  });

  it('errors name the line and what was expected', () => {
    expect(() => readJepsenLog('INFO  jepsen.util - 3\t:invoke')).toThrow(
      /line 1: expected 'process :type :f value'/,
    );
    expect(() => readJepsenLog('INFO  jepsen.util - 3\t:ok\t:read\t1')).toThrow(
      /line 1: ok for process 3, which has no open operation/,
    );
    expect(() => readEdnHistory('[{:type :invoke :f :read :process 1}')).toThrow(/expected '\]'/);
    expect(() => readJsonHistory('{"nope": 1}')).toThrow(/expected a JSON array/);
  });

  it('never crash on arbitrary input: either a history or a HistoryParseError', () => {
    for (const reader of [readEdnHistory, readJepsenLog, readJsonHistory]) {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.string({
              unit: fc.constantFrom(
                '[',
                ']',
                '{',
                '}',
                ':',
                'a',
                ' ',
                '1',
                '"',
                '\\\\',
                ';',
                '\\n',
                '\\t',
                ',',
                '#',
                'jepsen.util - ',
              ),
            }),
          ),
          (text) => {
            try {
              reader(text);
            } catch (error) {
              expect(error).toBeInstanceOf(HistoryParseError);
            }
          },
        ),
      );
    }
  });
});

/** One event of a Jepsen text log, before it is laid out on a line. */
interface LogEvent {
  readonly process: string;
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: string;
  readonly value: string;
}

/** A well-formed run of events: each process invokes, then completes, at most one open at a time. */
const logEvents = fc
  .array(
    fc.record({
      process: fc.integer({ min: 0, max: 3 }),
      outcome: fc.constantFrom('ok', 'ok', 'fail', 'info'),
      f: fc.constantFrom('read', 'write', 'cas'),
      value: fc.constantFrom('nil', '3', '[1 2]', '"x 0 1 y"', '[k1 "a  b"]', '{:a 1}'),
    }),
    { maxLength: 30 },
  )
  .map((steps) => {
    const open = new Map<number, { f: string; value: string }>();
    const events: LogEvent[] = [];
    for (const step of steps) {
      const pending = open.get(step.process);
      if (pending) {
        events.push({
          process: String(step.process),
          type: step.outcome as LogEvent['type'],
          f: pending.f,
          value: pending.value,
        });
        open.delete(step.process);
      } else {
        events.push({ process: String(step.process), type: 'invoke', f: step.f, value: step.value });
        open.set(step.process, step);
      }
    }
    return events;
  });

const blanks = (min: number) =>
  fc.array(fc.constantFrom(' ', '\t'), { minLength: min, maxLength: 5 }).map((b) => b.join(''));

/** A layout for each line: blanks before, between and after the columns, and a logger prefix or none. */
const layout = fc.record({
  lead: blanks(0),
  gaps: fc.tuple(blanks(1), blanks(1), blanks(1)),
  trail: blanks(0),
  prefix: fc.constantFrom(
    'INFO  jepsen.util - ',
    'INFO jepsen.util -\t',
    '2016-01-01 INFO  jepsen.util -   ',
  ),
});

type Layout = typeof layout extends fc.Arbitrary<infer L> ? L : never;

function renderLine(event: LogEvent, l: Layout, withPrefix: boolean): string {
  const [a, b, c] = l.gaps;
  const body = `${event.process}${a}:${event.type}${b}:${event.f}${c}${event.value}${l.trail}`;
  return withPrefix ? `${l.prefix}${body}` : `${l.lead}${body}`;
}

const canonical = (events: readonly LogEvent[]) =>
  events.map((e) => `INFO  jepsen.util - ${e.process}\t:${e.type}\t:${e.f}\t${e.value}`).join('\n');

describe('Jepsen text logs: any run of blanks between columns, with or without the logger prefix', () => {
  it('reads spaces as well as tabs (the lines from issue #14)', () => {
    const text = [
      'INFO  jepsen.util - 1   :invoke :write  3',
      'INFO  jepsen.util - 1   :ok     :write  3',
      'INFO  jepsen.util - 2 :invoke :cas [3 4]',
      'INFO  jepsen.util - 2\t  :ok \t:cas\t\t[3 4]  ',
    ].join('\n');
    const history = readJepsenLog(text);
    expect(history.map((op) => [op.process, op.f, op.input, op.outcome])).toEqual([
      ['1', 'write', 3, 'ok'],
      ['2', 'cas', [3, 4], 'ok'],
    ]);
  });

  it('reads lines without the logger prefix (a bare history.txt), and detects the format', () => {
    const text =
      '0\t:invoke\t:read\tnil\n0   :ok   :read   5\n  1 :invoke :write 5\n1 :info :write :timed-out\n';
    expect(detectFormat(text)).toBe('jepsen-log');
    const history = readJepsenLog(text);
    expect(history.map((op) => [op.f, op.output ?? op.input, op.outcome])).toEqual([
      ['read', 5, 'ok'],
      ['write', 5, 'info'],
    ]);
    expect(detectFormat('INFO  jepsen.util -   0  :invoke  :read  nil')).toBe('jepsen-log');
  });

  it('property: any blanks, either prefix style, give the history the tab-separated log gives', () => {
    fc.assert(
      fc.property(
        logEvents,
        fc.array(layout, { minLength: 30, maxLength: 30 }),
        fc.boolean(),
        (events, layouts, withPrefix) => {
          const expected = readJepsenLog(canonical(events));
          const text = events.map((e, i) => renderLine(e, layouts[i] as Layout, withPrefix)).join('\n');
          expect(readJepsenLog(text)).toEqual(expected);
          if (events.length > 0) expect(readHistory(text, detectFormat(text))).toEqual(expected);
        },
      ),
    );
  });

  it('property: a garbage line gives a HistoryParseError naming that line, never a crash', () => {
    const notAnOperation = (line: string) =>
      line.trim() !== '' &&
      !line.includes('jepsen.util') &&
      !/^\s*\S+\s+:(invoke|ok|fail|info)\s/.test(line + ' ');
    const garbage = fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.string({
          unit: fc.constantFrom(':', 'ok', 'invoke', ' ', '\t', '[', ']', '"', '1', 'x', '{', '#', ';', '\\'),
          maxLength: 20,
        }),
      )
      .map((s) => s.replace(/[\r\n]/g, ' '))
      .filter(notAnOperation);
    fc.assert(
      fc.property(logEvents, fc.nat(), garbage, fc.boolean(), (events, at, junk, withPrefix) => {
        const lines = events.map((e) =>
          withPrefix
            ? `INFO  jepsen.util - ${e.process} :${e.type} :${e.f} ${e.value}`
            : `${e.process} :${e.type} :${e.f} ${e.value}`,
        );
        const index = at % (lines.length + 1);
        lines.splice(index, 0, withPrefix ? `INFO  jepsen.util - ${junk}` : junk);
        let error: unknown;
        try {
          readJepsenLog(lines.join('\n'));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(HistoryParseError);
        expect((error as Error).message).toMatch(new RegExp(`^line ${index + 1}: `));
      }),
    );
  });

  it('other log output is ignored where the logger prefix marks the history lines', () => {
    const text =
      'INFO  jepsen.core - Running test\n INFO  jepsen.util - 0 :invoke :read nil\nWARN something else\nINFO  jepsen.util - 0 :ok :read nil';
    expect(readJepsenLog(text)).toHaveLength(1);
  });

  it('pathological input ends quickly with a clear error (deep nesting, long lines)', () => {
    const deep = '['.repeat(100_000);
    expect(() => readJepsenLog(`0 :invoke :write ${deep}`)).toThrow(/^line 1: .*nest/);
    expect(() => readEdnHistory(deep)).toThrow(HistoryParseError);
    expect(() => readEdnHistory(deep)).toThrow(/nest/);
    expect(() => readJsonHistory(`[{"type":"invoke","process":0,"f":"write","value":${deep}`)).toThrow(
      HistoryParseError,
    );
    expect(() =>
      readJsonHistory(`[{"type":"invoke","process":0,"f":"write","value":${deep}${']'.repeat(100_000)}}]`),
    ).toThrow(/event 1: .*nest/);
    expect(() => readJepsenLog(`0${' '.repeat(200_000)}x`)).toThrow(/^line 1: /);
  });
});
