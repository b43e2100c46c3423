/**
 * A self-contained HTML page for a transactional check: the verdict, a table of anomaly types with
 * counts, and for each type its first anomalies, each with its cycle drawn as a small graph, the
 * transactions involved (the micro-ops that explain it marked) and every edge in words. Bounded
 * whatever the history: a few anomalies per type, a few dozen transactions and edges per anomaly,
 * the last elements of long reads.
 */
import { forbids } from './consistency';
import { describeAnomalyType } from './descriptions';
import { formatMicroOp } from './format';
import type { Anomaly, AnomalyType, CycleEdge, EdgeKindName, TxnCheckResult, TxnSummary } from './types';

export interface TxnReportOptions {
  readonly title?: string;
  /** Anomalies shown per type (the rest are counted). Default 10. */
  readonly perType?: number;
}

/** Transactions, edges and cycle nodes drawn per anomaly; micro-ops shown per transaction. */
const MAX_ROWS = 24;
const MAX_DRAWN = 16;
const MAX_OPS = 16;

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const COLORS: Readonly<Record<EdgeKindName, string>> = {
  ww: '#8e44ad',
  wr: '#1f6feb',
  rw: '#d9480f',
  process: '#2b8a3e',
  realtime: '#6b7280',
};

export function renderTxnReportHtml(result: TxnCheckResult, options: TxnReportOptions = {}): string {
  const title = options.title ?? 'Transactional check';
  const perType = options.perType ?? 10;
  const types = Object.keys(result.counts) as AnomalyType[];
  const verdict = result.valid
    ? `<p class="good">Valid under ${escape(result.consistency)}: no anomaly it forbids.</p>`
    : `<p class="bad">Not ${escape(result.consistency)}: ${result.forbidden.map((t) => `${escape(t)} (${result.counts[t]})`).join(', ')}.</p>`;
  const s = result.stats;
  const statsLine = `${s.transactions} transactions (${s.committed} ok, ${s.failed} failed, ${s.indeterminate} unknown), ${s.microOps} micro-ops over ${s.keys} keys; edges: ${Object.entries(
    s.edges,
  )
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')}; ${s.cyclicComponents} cyclic component(s), the largest of ${s.largestComponent}.`;
  const summary =
    types.length === 0
      ? '<p>No anomalies found.</p>'
      : `<table class="summary"><tr><th>type</th><th>count</th><th>under ${escape(result.consistency)}</th><th>meaning</th></tr>${types
          .map(
            (type) =>
              `<tr><td><a href="#${escape(type)}">${escape(type)}</a></td><td>${result.counts[type]}</td><td class="${forbids(result.consistency, type) ? 'bad' : 'good'}">${forbids(result.consistency, type) ? 'forbidden' : 'allowed'}</td><td>${escape(describeAnomalyType(type))}</td></tr>`,
          )
          .join('')}</table>`;
  const sections = types
    .map((type) => {
      const all = result.anomalies.filter((a) => a.type === type);
      const shown = all.slice(0, perType);
      const count = result.counts[type] ?? all.length;
      return `<section id="${escape(type)}"><h2>${escape(type)} <small>${count} found${shown.length < count ? `, ${shown.length} shown` : ''}</small></h2><p>${escape(describeAnomalyType(type))}</p>${shown.map(renderAnomaly).join('')}</section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2127;max-width:1100px}code,td.ops{font-family:ui-monospace,monospace;font-size:12px}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d4da;padding:3px 6px;text-align:left;vertical-align:top}.bad{color:#b3261e}.good{color:#1d7a3e}mark{background:#ffe28a}.anomaly{border:1px solid #d0d4da;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}svg text{font-size:11px}small{color:#666;font-weight:normal}</style></head>
<body><h1>${escape(title)}</h1><p>Model: ${escape(result.model)} · consistency: ${escape(result.consistency)}</p>${verdict}<p>${escape(statsLine)}</p>${summary}
${sections}
<p><small>Edges: ww — one transaction's write was overwritten by the next; wr — the next read it; rw — the first read a version the next overwrote; process and real-time — order of sessions and of wall-clock time. Cycles follow Adya's definitions; dependencies are inferred as Elle does.</small></p></body></html>\n`;
}

function renderAnomaly(anomaly: Anomaly): string {
  const marked = new Set(anomaly.ops.map((ref) => `${ref.txn}:${ref.op}`));
  const graph = anomaly.cycle ? renderCycle(anomaly.cycle) : '';
  const txns = anomaly.transactions.slice(0, MAX_ROWS);
  const rows = txns.map((txn) => renderTxnRow(txn, marked)).join('');
  const more =
    anomaly.transactions.length > txns.length
      ? `<tr><td colspan="4">… ${anomaly.transactions.length - txns.length} more transactions</td></tr>`
      : '';
  const edges = anomaly.cycle
    ? `<ol>${anomaly.cycle
        .slice(0, MAX_ROWS)
        .map(
          (edge) =>
            `<li><b style="color:${COLORS[edge.kind]}">T${edge.from} –${edge.kind}→ T${edge.to}</b> ${escape(edge.why)}</li>`,
        )
        .join(
          '',
        )}${anomaly.cycle.length > MAX_ROWS ? `<li>… ${anomaly.cycle.length - MAX_ROWS} more edges</li>` : ''}</ol>`
    : '';
  return `<div class="anomaly"><p>${escape(anomaly.why)}</p>${graph}<table><tr><th>txn</th><th>process</th><th>outcome</th><th>micro-ops</th></tr>${rows}${more}</table>${edges}</div>`;
}

function renderTxnRow(txn: TxnSummary, marked: ReadonlySet<string>): string {
  const ops = txn.ops
    .slice(0, MAX_OPS)
    .map((op, i) => {
      const text = escape(formatMicroOp(op));
      return marked.has(`${txn.index}:${i}`) ? `<mark>${text}</mark>` : text;
    })
    .join(' ');
  const rest = txn.ops.length > MAX_OPS ? ` … ${txn.ops.length - MAX_OPS} more` : '';
  const where = txn.line !== undefined ? ` <small>line ${txn.line}</small>` : '';
  return `<tr><td>T${txn.index}${where}</td><td>${escape(txn.process)}</td><td>${txn.type}</td><td class="ops">[${ops}${rest}]</td></tr>`;
}

/** The cycle as nodes on a circle with curved, labelled arrows (curved so that T1→T2 and T2→T1 do not overlap). */
function renderCycle(cycle: readonly CycleEdge[]): string {
  const drawn = cycle.length > MAX_DRAWN ? cycle.slice(0, MAX_DRAWN - 1) : cycle;
  const truncated = drawn.length < cycle.length;
  const labels = drawn.map((edge) => `T${edge.from}`);
  if (truncated) labels.push('…');
  const n = labels.length;
  const radius = Math.max(55, n * 16);
  const size = 2 * radius + 70;
  const centre = size / 2;
  const nodeRadius = 17;
  const at = (i: number) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return { x: centre + radius * Math.cos(angle), y: centre + radius * Math.sin(angle) };
  };
  const arrows = labels
    .map((_, i) => {
      const kind = i < drawn.length ? (drawn[i] as CycleEdge).kind : undefined;
      const a = at(i);
      const b = at((i + 1) % n);
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const length = Math.hypot(dx, dy) || 1;
      const ux = dx / length;
      const uy = dy / length;
      const start = { x: a.x + ux * nodeRadius, y: a.y + uy * nodeRadius };
      const end = { x: b.x - ux * (nodeRadius + 4), y: b.y - uy * (nodeRadius + 4) };
      const bend = Math.min(40, length / 4);
      const control = { x: (start.x + end.x) / 2 + uy * bend, y: (start.y + end.y) / 2 - ux * bend };
      const colour = kind ? COLORS[kind] : '#999';
      const dash = kind === 'realtime' || kind === undefined ? ' stroke-dasharray="4 3"' : '';
      const label = kind
        ? `<text x="${(control.x + (start.x + end.x) / 2) / 2}" y="${(control.y + (start.y + end.y) / 2) / 2}" fill="${colour}" text-anchor="middle">${kind}</text>`
        : '';
      return `<path d="M${start.x.toFixed(1)},${start.y.toFixed(1)} Q${control.x.toFixed(1)},${control.y.toFixed(1)} ${end.x.toFixed(1)},${end.y.toFixed(1)}" fill="none" stroke="${colour}" stroke-width="1.6"${dash} marker-end="url(#arrow)"/>${label}`;
    })
    .join('');
  const nodes = labels
    .map((label, i) => {
      const p = at(i);
      return `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${nodeRadius}" fill="#f4f6f9" stroke="#1d2127"/><text x="${p.x.toFixed(1)}" y="${(p.y + 4).toFixed(1)}" text-anchor="middle">${escape(label)}</text>`;
    })
    .join('');
  const note = truncated ? `<p><small>First ${drawn.length} of ${cycle.length} edges drawn.</small></p>` : '';
  return `<svg width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="dependency cycle"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>${arrows}${nodes}</svg>${note}`;
}
