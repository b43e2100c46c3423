/**
 * A self-contained HTML page for one checked history: operations as bars per process on a time
 * axis; for a violation, the longest linearization in order and the operation that could not be
 * placed, highlighted.
 */
import type { History } from './history';
import type { CheckResult } from './linearizable';

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

export function renderHistoryHtml(title: string, history: History, result: CheckResult): string {
  const processes = [...new Set(history.map((op) => op.process))];
  const finite = history.flatMap((op) => [op.call, Number.isFinite(op.ret) ? op.ret : op.call]);
  const end = Math.max(1, ...finite) * 1.05;
  const failing = result.parts.find((p) => p.verdict === 'not-linearizable');
  const order = new Map((failing?.longestLinearization ?? []).map((id, i) => [id, i + 1]));
  const stuck = failing?.stuckOperation;
  const laneHeight = 26;
  const width = 1100;
  const x = (t: number) => 110 + (t / end) * (width - 130);
  const bars = history
    .map((op) => {
      const y = 30 + processes.indexOf(op.process) * laneHeight;
      const x1 = x(op.call);
      const x2 = Number.isFinite(op.ret) ? x(op.ret) : width - 20;
      const cls =
        op.id === stuck
          ? 'stuck'
          : order.has(op.id)
            ? 'placed'
            : op.outcome === 'info'
              ? 'info'
              : op.outcome === 'fail'
                ? 'fail'
                : 'op';
      const label = `${op.f} ${JSON.stringify(op.input) ?? ''}${op.output !== undefined ? ' → ' + JSON.stringify(op.output) : ''}`;
      const badge = order.has(op.id)
        ? `<text x="${x1 + 2}" y="${y - 2}" class="n">${order.get(op.id)}</text>`
        : '';
      return `<g><title>${escape(`#${op.id} process ${op.process}: ${label} (${op.outcome})`)}</title><rect x="${x1}" y="${y}" width="${Math.max(3, x2 - x1)}" height="${laneHeight - 8}" class="${cls}"/><text x="${x1 + 3}" y="${y + 13}">${escape(label)}</text>${badge}</g>`;
    })
    .join('\n');
  const lanes = processes
    .map((p, i) => `<text x="8" y="${43 + i * laneHeight}" class="lane">process ${escape(p)}</text>`)
    .join('');
  const height = 40 + processes.length * laneHeight;
  const explanation = failing
    ? `<p class="bad">Not linearizable. The search could order at most ${failing.longestLinearization?.length ?? 0} operations (numbered, in green), reaching state <code>${escape(failing.stateAfterLongest ?? '?')}</code>; operation #${stuck ?? '?'} (red) then completed before it could be placed.</p>`
    : `<p class="${result.verdict === 'linearizable' ? 'good' : 'bad'}">${result.verdict}.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2127}svg text{font-size:11px}rect.op{fill:#c9d6f5}rect.placed{fill:#9fdcb2}rect.stuck{fill:#f2a29b}rect.info{fill:#eee;stroke:#999;stroke-dasharray:3 2}rect.fail{fill:#f6e3b0}.n{fill:#1d7a3e;font-weight:bold}.lane{fill:#555}.bad{color:#b3261e}.good{color:#1d7a3e}.wrap{overflow-x:auto}</style></head>
<body><h1>${escape(title)}</h1><p>Model: ${escape(result.model)} · ${result.operations} operations · ${result.parts.length} part(s)</p>${explanation}
<div class="wrap"><svg width="${width}" height="${height}" role="img" aria-label="operations per process">${lanes}${bars}</svg></div>
<p>Bars span invocation to completion; dashed bars are operations whose outcome is unknown (open to the end).</p></body></html>\n`;
}
