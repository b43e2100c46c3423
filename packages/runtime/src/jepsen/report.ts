/**
 * The Jepsen-style report for people: verdict, numbers, throughput and latency over time with fault
 * windows. The history is aggregated per time bucket (historyTimeline: typed arrays, one pass), so the
 * page is the same size for a thousand operations or a million; nothing spreads or recurses over it.
 */
import { historyTimeline } from '@dslab/check';
import type { JepsenReport } from './run';

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** At most this many points per chart: one per second up to 5 minutes, wider buckets beyond. */
const MAX_BUCKETS = 300;
/** Fault windows listed one by one; beyond this, counted per kind. */
const MAX_LISTED_FAULTS = 200;

export function renderJepsenHtml(report: JepsenReport): string {
  const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(report.durationMs / 1000)));
  const timeline = historyTimeline(report.history, buckets);
  const end = Math.max(1, report.durationMs, timeline.end);
  const width = 1000;
  const height = 160;
  const x = (t: number) => 50 + (t / end) * (width - 70);
  const seconds = timeline.width / 1000;
  const okPerSecond = Array.from(timeline.ok, (n) => (seconds > 0 ? n / seconds : 0));
  const p99 = Array.from(timeline.p99);
  let maxOk = 1;
  for (const v of okPerSecond) maxOk = Math.max(maxOk, v);
  let maxLat = 1;
  for (const v of p99) maxLat = Math.max(maxLat, v);
  const windows = report.faults
    .map(
      (w) =>
        `<rect x="${x(w.start).toFixed(1)}" y="10" width="${Math.max(1, x(Math.min(w.end, end)) - x(w.start)).toFixed(1)}" height="${height - 30}" class="fault ${w.kind}"><title>${escape(w.detail)}</title></rect>`,
    )
    .join('');
  const center = (i: number) => timeline.start + (i + 0.5) * timeline.width;
  const line = (values: readonly number[], max: number, cls: string) =>
    `<polyline class="${cls}" points="${values.map((v, i) => `${x(center(i)).toFixed(1)},${(height - 20 - (v / max) * (height - 40)).toFixed(1)}`).join(' ')}"/>`;
  const plot = (title: string, values: readonly number[], max: number, cls: string, unit: string) => `
    <h2>${title}</h2>
    <svg viewBox="0 0 ${width} ${height}" width="100%">${windows}${line(values, max, cls)}
      <text x="4" y="20">${max.toFixed(0)} ${unit}</text><text x="4" y="${height - 20}">0</text>
      <text x="${width - 60}" y="${height - 4}">${(end / 1000).toFixed(0)} s</text></svg>`;
  const bucketLabel = seconds === 1 ? 'per second' : `per ${seconds.toFixed(seconds < 10 ? 1 : 0)} s bucket`;
  const listed = report.faults.slice(0, MAX_LISTED_FAULTS);
  const rest = report.faults.length - listed.length;
  return `<!doctype html><meta charset="utf-8"><title>dslab jepsen ${escape(report.system)}</title>
<style>body{font:14px system-ui,sans-serif;max-width:1040px;margin:2rem auto;padding:0 1rem;color:#1d2127}
.valid{color:#1d7a3e}.invalid{color:#b3261e}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}
.fault{opacity:.18}.fault.kill{fill:#b3261e}.fault.pause{fill:#c98a00}.fault.partition{fill:#2f5bd3}
polyline{fill:none;stroke-width:2}.ok{stroke:#1d7a3e}.lat{stroke:#7a3e9d}</style>
<h1>${escape(report.system)}: <span class="${report.valid ? 'valid' : 'invalid'}">${report.valid ? 'valid' : 'INVALID'}</span></h1>
<table>
<tr><th>nodes / clients</th><td>${report.nodes} / ${report.clients}</td></tr>
<tr><th>nemesis</th><td>${escape(report.nemesis.join(', '))} (${report.faults.length} faults)</td></tr>
<tr><th>linearizability</th><td>${report.verdict}</td></tr>
<tr><th>operations</th><td>${report.operations.total} (ok ${report.operations.ok}, fail ${report.operations.fail}, unknown ${report.operations.info})</td></tr>
<tr><th>throughput</th><td>${report.throughputOkPerSecond.toFixed(1)} ok/s</td></tr>
<tr><th>latency</th><td>p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms, max ${report.latencyMs.max.toFixed(0)} ms</td></tr>
<tr><th>lost acknowledged writes</th><td>${report.lostAcknowledgedWrites}</td></tr>
<tr><th>final reads failed</th><td>${report.finalReadsFailed}</td></tr>
</table>
${plot(`Throughput (ok operations per second, ${bucketLabel})`, okPerSecond, maxOk, 'ok', 'ops/s')}
${plot(`Latency (p99 ${bucketLabel})`, p99, maxLat, 'lat', 'ms')}
<p>Shaded: <span style="color:#b3261e">kill -9</span>, <span style="color:#c98a00">SIGSTOP</span>, <span style="color:#2f5bd3">partition</span>.</p>
<h2>Faults</h2><ul>${listed.map((w) => `<li>${(w.start / 1000).toFixed(2)}–${(w.end / 1000).toFixed(2)} s: ${escape(w.detail)}</li>`).join('')}${rest > 0 ? `<li>… and ${rest} more</li>` : ''}</ul>`;
}
