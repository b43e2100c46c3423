import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readEdnHistory, readJepsenLog, readJsonHistory, HistoryParseError } from './readers';

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
      /line 1: expected 'process<TAB>:type/,
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
