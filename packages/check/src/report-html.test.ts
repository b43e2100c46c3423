import { describe, expect, it } from 'vitest';
import { generateKvHistory } from './generate';
import { checkLinearizable, type CheckResult } from './linearizable';
import { kvModel } from './model';
import { HistoryRecorder } from './history';
import { historyTimeline, renderHistoryHtml } from './report-html';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('history report page', () => {
  it('draws a small violation op by op: every operation, the linearized ones numbered, the stuck one red', () => {
    const r = new HistoryRecorder();
    r.ok(r.invoke('a', 'write', ['x', '1'], 0), undefined, 10);
    r.ok(r.invoke('b', 'read', ['x'], 20), '2', 30);
    const history = r.history();
    const result = checkLinearizable(history, kvModel(null));
    const html = renderHistoryHtml('small', history, result);
    expect(html).toMatch(/Not linearizable/);
    expect(count(html, /<rect [^>]*class="(op|placed|stuck|info|fail)"/g)).toBe(2);
    expect(html).toMatch(/class="stuck"/);
    expect(html).toMatch(/all 2 operations drawn/);
    expect(html).not.toMatch(/per bucket/); // nothing left to aggregate
  });

  it('stays usable at a million operations: a window drawn op by op, the rest aggregated per time bucket', () => {
    const history = generateKvHistory({
      seed: 1,
      operations: 1_000_000,
      processes: 10,
      infoRate: 0.01,
      failRate: 0.02,
    });
    expect(history).toHaveLength(1_000_000);
    // A violation deep in the history, as the checker would report it (checking a million operations
    // is the checker's business, measured in bench/; here only the report is under test).
    const stuck = 765_432;
    const violation: CheckResult = {
      verdict: 'not-linearizable',
      model: 'kv',
      operations: history.length,
      parts: [
        { verdict: 'linearizable', operations: 250_000, states: 250_000 },
        {
          verdict: 'not-linearizable',
          operations: 250_000,
          states: 400_000,
          longestLinearization: Array.from({ length: 190_000 }, (_, i) => i * 4 + 1),
          stuckOperation: stuck,
          stateAfterLongest: '"v765000"',
        },
      ],
    };
    const html = renderHistoryHtml('a million operations', history, violation, { timeUnit: 'ms' });
    expect(html.length).toBeLessThan(2_000_000);
    expect(html).toMatch(/1,000,000 operations/);
    const drawn = count(html, /<rect [^>]*class="(op|placed|stuck|info|fail)"/g);
    expect(drawn).toBeGreaterThan(100);
    expect(drawn).toBeLessThanOrEqual(1_000);
    expect(html).toContain(`#${stuck} `);
    expect(count(html, /class="stuck"/g)).toBe(1);
    // Throughput and latency over the whole history, per bucket.
    expect(html).toMatch(/Operations completed per bucket/);
    expect(html).toMatch(/Latency per bucket/);
    expect(html).toMatch(/Slowest operations/);

    const valid = renderHistoryHtml('valid', history, {
      verdict: 'linearizable',
      model: 'kv',
      operations: history.length,
      parts: [{ verdict: 'linearizable', operations: history.length, states: history.length }],
    });
    expect(valid.length).toBeLessThan(2_000_000);
    expect(valid).toMatch(/first \d[\d,]* of 1,000,000 operations drawn/);
  });

  it('the timeline aggregates every operation into its bucket', () => {
    const history = generateKvHistory({
      seed: 2,
      operations: 20_000,
      processes: 5,
      infoRate: 0.05,
      failRate: 0.05,
    });
    const timeline = historyTimeline(history, 50);
    let ok = 0;
    let fail = 0;
    let info = 0;
    for (let b = 0; b < timeline.buckets; b++) {
      ok += timeline.ok[b] as number;
      fail += timeline.fail[b] as number;
      info += timeline.info[b] as number;
      expect(timeline.p50[b] as number).toBeLessThanOrEqual(timeline.p99[b] as number);
      expect(timeline.p99[b] as number).toBeLessThanOrEqual(timeline.max[b] as number);
    }
    expect([ok, fail, info]).toEqual(
      ['ok', 'fail', 'info'].map((o) => history.filter((op) => op.outcome === o).length),
    );
  });
});
