/**
 * The workbench's page for people: the verdict and its reason, the figures Maelstrom prints (and the
 * preset's targets), messages per time bucket by kind, and a message timeline — one lane per party,
 * an arrow per message from send to delivery (a cross where it was dropped). The page is bounded
 * whatever the run's length: at most MAX_ARROWS arrows, MAX_LANES lanes, MAX_BUCKETS buckets, and
 * short lists; everything is computed in loops over the timeline the result keeps (itself bounded).
 */
import type { TargetOutcome } from './presets';
import type { WorkbenchResult } from './run';

const MAX_ARROWS = 400;
const MAX_LANES = 40;
const MAX_BUCKETS = 200;
const MAX_LISTED = 50;

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

/** Lane order: the clients, the nodes by number, then services. */
function laneRank(id: string): [number, number, string] {
  const m = /^n(\d+)$/.exec(id);
  if (m) return [1, Number(m[1]), id];
  return [id === 'clients' ? 0 : 2, 0, id];
}

function compareLanes(a: string, b: string): number {
  const [ka, na, ia] = laneRank(a);
  const [kb, nb, ib] = laneRank(b);
  return ka - kb || na - nb || (ia < ib ? -1 : ia > ib ? 1 : 0);
}

function messageChart(result: WorkbenchResult): string {
  const timeline = result.timeline;
  const end = Math.max(1, result.durationMs);
  const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(end / 100)));
  const width = end / buckets;
  const between = new Float64Array(buckets);
  const other = new Float64Array(buckets);
  const dropped = new Float64Array(buckets);
  for (const e of timeline) {
    const i = Math.min(buckets - 1, Math.max(0, Math.floor(e.sent / width)));
    if (e.dropped) dropped[i] = (dropped[i] ?? 0) + 1;
    else if (/^n\d+$/.test(e.src) && /^n\d+$/.test(e.dest)) between[i] = (between[i] ?? 0) + 1;
    else other[i] = (other[i] ?? 0) + 1;
  }
  let max = 1;
  for (let i = 0; i < buckets; i++)
    max = Math.max(max, (between[i] ?? 0) + (other[i] ?? 0) + (dropped[i] ?? 0));
  const w = 1000;
  const h = 140;
  const bw = (w - 60) / buckets;
  let bars = '';
  for (let i = 0; i < buckets; i++) {
    let y = h - 20;
    for (const [values, cls] of [
      [between, 'between'],
      [other, 'other'],
      [dropped, 'dropped'],
    ] as const) {
      const v = values[i] ?? 0;
      if (v === 0) continue;
      const bh = (v / max) * (h - 40);
      y -= bh;
      bars += `<rect class="${cls}" x="${(50 + i * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${bh.toFixed(1)}"/>`;
    }
  }
  const faults = result.faults
    .slice(0, MAX_LISTED)
    .map((f) => {
      const x0 = 50 + (f.start / end) * (w - 60);
      const x1 = 50 + (Math.min(Number.isFinite(f.end) ? f.end : end, end) / end) * (w - 60);
      return `<rect class="fault ${f.kind}" x="${x0.toFixed(1)}" y="10" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${h - 30}"><title>${escape(f.detail)}</title></rect>`;
    })
    .join('');
  const note =
    timeline.length < result.messages.total
      ? ` (the first ${timeline.length.toLocaleString('en-US')} of ${result.messages.total.toLocaleString('en-US')} messages)`
      : '';
  return `<h2>Messages per ${(width / 1000).toFixed(2)} s${note}</h2>
<svg viewBox="0 0 ${w} ${h}" width="100%">${faults}${bars}<text x="4" y="20">${max}</text><text x="4" y="${h - 20}">0</text><text x="${w - 60}" y="${h - 4}">${(end / 1000).toFixed(1)} s</text></svg>
<p><span class="k between">■</span> between nodes <span class="k other">■</span> with clients and services <span class="k dropped">■</span> dropped; shaded: faults</p>`;
}

/** Every client shares one lane (they are interchangeable drivers); nodes and services have their own. */
const laneName = (id: string) => (/^c\d+$/.test(id) ? 'clients' : id);
const isNodeId = (id: string) => /^n\d+$/.test(id);

/**
 * The drawn window: from a little before the first message between nodes (the request that caused
 * it), or from the first message after init and topology when nodes never talk to each other.
 */
function windowStart(result: WorkbenchResult): number {
  const t = result.timeline;
  const firstBetween = t.findIndex((e) => isNodeId(e.src) && isNodeId(e.dest));
  if (firstBetween >= 0) return Math.max(0, firstBetween - 5);
  const firstWork = t.findIndex((e) => !/^(init|topology)(_ok)?$/.test(e.type));
  return Math.max(0, firstWork);
}

function sequenceDiagram(result: WorkbenchResult): string {
  const drawn = result.timeline.slice(windowStart(result), windowStart(result) + MAX_ARROWS);
  if (drawn.length === 0) return '<p>No messages.</p>';
  const seen = new Set<string>();
  for (const e of drawn) {
    seen.add(laneName(e.src));
    seen.add(laneName(e.dest));
  }
  const parties = [...seen].sort(compareLanes);
  const lanes = parties.slice(0, MAX_LANES);
  const laneOf = new Map(lanes.map((id, i) => [id, i]));
  const folded = parties.length > lanes.length;
  const laneCount = lanes.length + (folded ? 1 : 0);
  const x = (id: string) => 60 + (laneOf.get(laneName(id)) ?? lanes.length) * 70;
  // Time runs down in order, not to scale: every send and delivery instant of the window gets its own
  // step, so a quiet second takes no room and a burst is not squeezed into a line.
  const instants: number[] = [];
  for (const e of drawn) {
    instants.push(e.sent);
    if (e.delivered !== undefined) instants.push(e.delivered);
  }
  instants.sort((a, b) => a - b);
  const t0 = instants[0] ?? 0;
  const t1 = instants[instants.length - 1] ?? t0;
  const step = 8;
  const height = 50 + instants.length * step;
  const yOf = (t: number) => {
    let lo = 0;
    let hi = instants.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((instants[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return 30 + lo * step;
  };
  let svg = '';
  lanes.forEach((id) => {
    svg += `<line class="lane" x1="${x(id)}" y1="24" x2="${x(id)}" y2="${height}"/><text class="party" x="${x(id)}" y="16">${escape(id)}</text>`;
  });
  if (folded)
    svg += `<text class="party" x="${60 + lanes.length * 70}" y="16">others</text><line class="lane" x1="${60 + lanes.length * 70}" y1="24" x2="${60 + lanes.length * 70}" y2="${height}"/>`;
  for (const e of drawn) {
    const xa = x(e.src);
    const xb = x(e.dest);
    const ya = yOf(e.sent);
    const yb = e.delivered !== undefined ? yOf(e.delivered) : ya + 8;
    const cls = e.dropped
      ? 'msg dropped'
      : /^n\d+$/.test(e.src) && /^n\d+$/.test(e.dest)
        ? 'msg between'
        : 'msg';
    const title = `${e.src} → ${e.dest} ${e.type} at ${e.sent.toFixed(1)} ms${e.delivered !== undefined ? `, delivered ${e.delivered.toFixed(1)} ms` : `, dropped (${e.dropped ?? '?'})`}`;
    const xm = e.dropped ? xa + (xb - xa) / 2 : xb;
    svg += `<g class="${cls}"><title>${escape(title)}</title><line x1="${xa}" y1="${ya.toFixed(1)}" x2="${xm.toFixed(1)}" y2="${yb.toFixed(1)}"/>${e.dropped ? `<text x="${xm.toFixed(1)}" y="${(yb + 4).toFixed(1)}">✕</text>` : `<circle cx="${xb}" cy="${yb.toFixed(1)}" r="2"/>`}<text class="label" x="${((xa + xm) / 2).toFixed(1)}" y="${((ya + yb) / 2 - 2).toFixed(1)}">${escape(e.type.slice(0, 16))}</text></g>`;
  }
  const width = 100 + laneCount * 70;
  return `<h2>Message timeline: ${drawn.length} messages, ${(t0 / 1000).toFixed(2)}–${(t1 / 1000).toFixed(2)} s (in order, not to scale; hover for times)</h2>
<div class="scroll"><svg class="seq" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${svg}</svg></div>`;
}

const row = (k: string, v: string) => `<tr><th>${escape(k)}</th><td>${v}</td></tr>`;

export function renderWorkbenchHtml(result: WorkbenchResult, targets: readonly TargetOutcome[] = []): string {
  const o = result.options;
  const stable = result.details.stableLatencyMs as Readonly<Record<string, number>> | undefined;
  const targetRows = targets
    .map(
      (t) =>
        `<tr><th>${escape(t.what)} &lt; ${t.below}${t.unit ? ` ${t.unit}` : ''}</th><td class="${t.met ? 'valid' : 'invalid'}">${t.measured === undefined ? 'not measured' : `${t.measured}${t.unit ? ` ${t.unit}` : ''}`}: ${t.met ? 'met' : 'NOT met'}</td></tr>`,
    )
    .join('');
  const problems = result.problems.slice(0, MAX_LISTED);
  return `<!doctype html><meta charset="utf-8"><title>dslab workbench ${escape(result.workload)}</title>
<style>body{font:14px system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1d2127}
.valid{color:#1d7a3e}.invalid{color:#b3261e}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd;vertical-align:top}
.fault{opacity:.15}.fault.kill{fill:#b3261e}.fault.pause{fill:#c98a00}.fault.partition{fill:#2f5bd3}
rect.between,.k.between{fill:#2f5bd3;color:#2f5bd3}rect.other,.k.other{fill:#8a94a6;color:#8a94a6}rect.dropped,.k.dropped{fill:#b3261e;color:#b3261e}
.scroll{overflow:auto;max-height:80vh;border:1px solid #ddd}.lane{stroke:#ccc}.party{font-size:11px;text-anchor:middle}
.msg line{stroke:#8a94a6}.msg.between line{stroke:#2f5bd3}.msg.dropped line{stroke:#b3261e;stroke-dasharray:3 2}
.msg circle{fill:#555}.msg text{font-size:9px;fill:#555}.msg.dropped text{fill:#b3261e}.label{text-anchor:middle}
code{word-break:break-all}</style>
<h1>${escape(result.workload)}: <span class="${result.valid ? 'valid' : 'invalid'}">${result.valid ? 'valid' : 'INVALID'}</span></h1>
<p>${escape(result.reason)}</p>
<table>
${row('node', `<code>${escape(o.bin)}</code> × ${result.nodes.length}`)}
${row('settings', escape(`rate ${o.rate}/s, ${o.timeLimitS} s, latency ${o.latencyMs} ms ${o.latencyDist}, topology ${o.topology}, nemesis ${o.nemesis.join(',') || 'none'}, seed ${o.seed}`))}
${row('operations', `${result.operations.total} (ok ${result.operations.ok}, fail ${result.operations.fail}, unknown ${result.operations.info}); availability ${(result.availability * 100).toFixed(1)} %`)}
${row('latency', `p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`)}
${stable ? row('stable latency', `p50 ${stable.p50} ms, p95 ${stable.p95} ms, p99 ${stable.p99} ms, max ${stable.max} ms`) : ''}
${row('messages', `${result.messages.total} (${result.messages.perOperation} per operation); between nodes ${result.messages.betweenNodes} (${result.messages.betweenNodesPerOperation} per operation); with services ${result.messages.withServices}; dropped ${result.messages.dropped}`)}
${row('faults', `${result.faults.length}`)}
${row('problems', `${result.problemCount}`)}
${targetRows}
</table>
${messageChart(result)}
${sequenceDiagram(result)}
<h2>Faults</h2><ul>${result.faults.length === 0 ? '<li>none</li>' : ''}${result.faults
    .slice(0, MAX_LISTED)
    .map((f) => `<li>${(f.start / 1000).toFixed(2)}–${(f.end / 1000).toFixed(2)} s: ${escape(f.detail)}</li>`)
    .join(
      '',
    )}${result.faults.length > MAX_LISTED ? `<li>… and ${result.faults.length - MAX_LISTED} more</li>` : ''}</ul>
<h2>Problems</h2><ul>${problems.length === 0 ? '<li>none</li>' : ''}${problems.map((p) => `<li><code>${escape(p.slice(0, 500))}</code></li>`).join('')}${result.problemCount > problems.length ? `<li>… ${result.problemCount - problems.length} more</li>` : ''}</ul>`;
}
