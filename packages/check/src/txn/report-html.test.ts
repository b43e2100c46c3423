import { describe, expect, it } from 'vitest';
import { txnHistory } from './build';
import { checkTransactions } from './check';
import { renderTxnReportHtml } from './report-html';
import { simulateStore } from './simulated-store';

describe('transactional report page', () => {
  it('draws each anomaly: its cycle as a graph, the transactions with their explaining micro-ops marked', () => {
    const history = txnHistory([
      {
        ops: [
          ['r', 'x', []],
          ['r', '<y>', []],
          ['append', 'x', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', []],
          ['r', '<y>', []],
          ['append', '<y>', 1],
        ],
      },
      {
        ops: [
          ['r', 'x', [1]],
          ['r', '<y>', [1]],
        ],
      },
    ]);
    const result = checkTransactions(history, { model: 'list-append', consistency: 'serializable' });
    const html = renderTxnReportHtml(result, { title: 'write skew <demo>' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>write skew &lt;demo&gt;</title>');
    expect(html).toContain('Not serializable: G2-item (1).');
    expect(html).toContain('<section id="G2-item">');
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(html).toContain('<mark>[:r &quot;&lt;y&gt;&quot; []]</mark>');
    expect(html).not.toContain('<y>');
    expect(html).toContain('T0 –rw→ T1');
  });

  it('stays bounded for a history with thousands of anomalies: a few per type, each counted', () => {
    const history = simulateStore({ store: 'dirty', model: 'list-append', seed: 2, transactions: 20_000 });
    const result = checkTransactions(history, { model: 'list-append', consistency: 'serializable' });
    expect(result.counts.G1a).toBeGreaterThan(100);
    expect(result.anomalies.filter((a) => a.type === 'G1a')).toHaveLength(100);
    const html = renderTxnReportHtml(result, { perType: 3 });
    expect(html).toContain(`<h2>G1a <small>${result.counts.G1a} found, 3 shown</small></h2>`);
    expect(html.length).toBeLessThan(400_000);
  });

  it('says so when the history is valid', () => {
    const result = checkTransactions(txnHistory([{ ops: [['append', 'x', 1]] }]), {
      model: 'list-append',
      consistency: 'strict-serializable',
    });
    expect(renderTxnReportHtml(result)).toContain('Valid under strict-serializable');
  });
});
