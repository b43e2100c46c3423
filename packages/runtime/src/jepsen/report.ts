/** The Jepsen-style report for people: verdict, numbers, throughput and latency over time with fault windows. */
import type { JepsenReport } from './run';

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

export function renderJepsenHtml(report: JepsenReport): string {
  const end = Math.max(1, report.durationMs);
  const width = 1000;
  const height = 160;
  const x = (t: number) => 50 + (t / end) * (width - 70);
  const buckets = Math.max(1, Math.ceil(end / 1000));
  const okPerBucket = new Array<number>(buckets).fill(0);
  const latencies: number[][] = Array.from({ length: buckets }, () => []);
  for (const op of report.history) {
    if (op.outcome !== 'ok') continue;
    const b = Math.min(buckets - 1, Math.floor(op.ret / 1000));
    okPerBucket[b] = (okPerBucket[b] ?? 0) + 1;
    latencies[b]?.push(op.ret - op.call);
  }
  const maxOk = Math.max(1, ...okPerBucket);
  const p99 = latencies.map((l) => {
    const s = [...l].sort((a, b) => a - b);
    return s[Math.floor(0.99 * (s.length - 1))] ?? 0;
  });
  const maxLat = Math.max(1, ...p99);
  const windows = report.faults
    .map(
      (w) =>
        `<rect x="${x(w.start)}" y="10" width="${Math.max(1, x(Math.min(w.end, end)) - x(w.start))}" height="${height - 30}" class="fault ${w.kind}"><title>${escape(w.detail)}</title></rect>`,
    )
    .join('');
  const line = (values: number[], max: number, cls: string) =>
    `<polyline class="${cls}" points="${values.map((v, i) => `${x((i + 0.5) * 1000)},${height - 20 - (v / max) * (height - 40)}`).join(' ')}"/>`;
  const plot = (title: string, values: number[], max: number, cls: string, unit: string) => `
    <h2>${title}</h2>
    <svg viewBox="0 0 ${width} ${height}" width="100%">${windows}${line(values, max, cls)}
      <text x="4" y="20">${max.toFixed(0)} ${unit}</text><text x="4" y="${height - 20}">0</text>
      <text x="${width - 60}" y="${height - 4}">${(end / 1000).toFixed(0)} s</text></svg>`;
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
${plot('Throughput (ok operations per second)', okPerBucket, maxOk, 'ok', 'ops/s')}
${plot('Latency (p99 per second)', p99, maxLat, 'lat', 'ms')}
<p>Shaded: <span style="color:#b3261e">kill -9</span>, <span style="color:#c98a00">SIGSTOP</span>, <span style="color:#2f5bd3">partition</span>.</p>
<h2>Faults</h2><ul>${report.faults.map((w) => `<li>${(w.start / 1000).toFixed(2)}–${(w.end / 1000).toFixed(2)} s: ${escape(w.detail)}</li>`).join('')}</ul>`;
}
