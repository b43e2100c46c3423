/**
 * A self-contained HTML page for one checked history, usable from ten operations to millions:
 * - when not every operation can be drawn, throughput (completions per time bucket: ok, fail,
 *   unknown) and latency (p50, p99, max per bucket) over the whole history, aggregated in one pass;
 * - a window of at most `maxDrawn` operations drawn op by op as bars per process on a time axis — around
 *   the operation that could not be placed when the history is not linearizable (the longest
 *   linearization numbered, the stuck operation highlighted), else the first ones;
 * - the slowest operations.
 * Nothing here spreads or recurses over the history: every pass is a loop, every drawn element bounded.
 */
import type { History, Operation } from './history';
import type { CheckResult } from './linearizable';

export interface HistoryHtmlOptions {
  /** At most this many operations are drawn op by op (default 400). */
  readonly maxDrawn?: number;
  /** Time buckets of the throughput and latency charts (default: one per ~10 operations, at most 200). */
  readonly buckets?: number;
  /** The unit of the history's times for labels: 'ms' for real runs (default: none, e.g. event index). */
  readonly timeUnit?: string;
}

/** Completions and latencies of a history per time bucket. Empty buckets have latency 0. */
export interface Timeline {
  readonly start: number;
  readonly end: number;
  /** Width of one bucket, in the history's time unit. */
  readonly width: number;
  readonly buckets: number;
  /** ok and fail are counted at completion, info (no completion) at invocation. */
  readonly ok: Int32Array;
  readonly fail: Int32Array;
  readonly info: Int32Array;
  /** Latency (completion − invocation) of completed operations (ok and fail), by completion bucket. */
  readonly p50: Float64Array;
  readonly p99: Float64Array;
  readonly max: Float64Array;
}

const DEFAULT_MAX_DRAWN = 400;
const DEFAULT_BUCKETS = 200;
/** More lanes than this and the window stops growing (one lane per process). */
const MAX_LANES = 64;
const SLOWEST = 10;

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const count = (n: number) => n.toLocaleString('en-US');
const fixed = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(1) : n.toFixed(2);

/** First invocation and last known instant (a completion, or an invocation for operations still open). */
function span(history: History): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const op of history) {
    if (op.call < start) start = op.call;
    const last = Number.isFinite(op.ret) ? op.ret : op.call;
    if (last > end) end = last;
  }
  if (!Number.isFinite(start)) return { start: 0, end: 1 };
  return { start, end: end > start ? end : start + 1 };
}

/** Aggregates a history per time bucket in O(n log n) with typed arrays (no per-bucket objects). */
export function historyTimeline(history: History, buckets = DEFAULT_BUCKETS): Timeline {
  const { start, end } = span(history);
  const n = Math.max(1, Math.floor(buckets));
  const width = (end - start) / n;
  const bucketOf = (t: number) => Math.min(n - 1, Math.max(0, Math.floor((t - start) / width)));
  const ok = new Int32Array(n);
  const fail = new Int32Array(n);
  const info = new Int32Array(n);
  // Latencies grouped by bucket: count, then offsets, then fill (one Float64Array for all of them).
  const sizes = new Int32Array(n + 1);
  const add = (counts: Int32Array, b: number) => {
    counts[b] = (counts[b] as number) + 1;
  };
  for (const op of history) {
    if (op.outcome === 'info' || !Number.isFinite(op.ret)) {
      add(info, bucketOf(op.call));
      continue;
    }
    const b = bucketOf(op.ret);
    add(op.outcome === 'ok' ? ok : fail, b);
    add(sizes, b + 1);
  }
  for (let b = 0; b < n; b++) sizes[b + 1] = (sizes[b + 1] as number) + (sizes[b] as number);
  const latencies = new Float64Array(sizes[n] as number);
  const fill = sizes.slice(0, n);
  for (const op of history) {
    if (op.outcome === 'info' || !Number.isFinite(op.ret)) continue;
    const b = bucketOf(op.ret);
    const at = fill[b] as number;
    latencies[at] = op.ret - op.call;
    fill[b] = at + 1;
  }
  const p50 = new Float64Array(n);
  const p99 = new Float64Array(n);
  const max = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    const from = sizes[b] as number;
    const to = sizes[b + 1] as number;
    if (to === from) continue;
    const sorted = latencies.subarray(from, to).sort();
    const last = to - from - 1;
    p50[b] = sorted[Math.floor(0.5 * last)] as number;
    p99[b] = sorted[Math.floor(0.99 * last)] as number;
    max[b] = sorted[last] as number;
  }
  return { start, end, width, buckets: n, ok, fail, info, p50, p99, max };
}

/** Positions of the operations in invocation order (the history's own order when it is already sorted). */
function invocationOrder(history: History): ArrayLike<number> {
  let sorted = true;
  for (let i = 1; i < history.length && sorted; i++)
    sorted = (history[i - 1] as Operation).call <= (history[i] as Operation).call;
  const order = new Uint32Array(history.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (sorted) return order;
  return Array.from(order).sort(
    (a, b) => (history[a] as Operation).call - (history[b] as Operation).call || a - b,
  );
}

interface Window {
  readonly ops: Operation[];
  /** Position of the first drawn operation in invocation order. */
  readonly first: number;
  readonly lanes: Map<string, number>;
}

/**
 * A contiguous run (in invocation order) of at most `max` operations on at most MAX_LANES processes:
 * around `center` (two thirds before it: what led there), else from the start.
 */
function chooseWindow(
  history: History,
  order: ArrayLike<number>,
  center: number | undefined,
  max: number,
): Window {
  const lanes = new Map<string, number>();
  const at = (position: number) => history[order[position] as number] as Operation;
  const admit = (position: number) => {
    const process = at(position).process;
    if (lanes.has(process)) return true;
    if (lanes.size >= MAX_LANES) return false;
    lanes.set(process, lanes.size);
    return true;
  };
  let lo = center ?? 0;
  let hi = lo;
  if (order.length > 0 && admit(lo)) hi = lo + 1;
  const before = center === undefined ? 0 : Math.floor((max * 2) / 3);
  let canLeft = center !== undefined;
  let canRight = true;
  while (hi - lo < max && (canLeft || canRight)) {
    const wantLeft = canLeft && (center! - lo < before || !canRight);
    if (wantLeft) {
      if (lo > 0 && admit(lo - 1)) lo--;
      else canLeft = false;
    } else if (hi < order.length && admit(hi)) hi++;
    else canRight = false;
  }
  const ops: Operation[] = [];
  for (let p = lo; p < hi; p++) ops.push(at(p));
  // Lanes in order of first appearance within the window (admission order mixes both directions).
  const ordered = new Map<string, number>();
  for (const op of ops) if (!ordered.has(op.process)) ordered.set(op.process, ordered.size);
  return { ops, first: lo, lanes: ordered };
}

const PLOT_LEFT = 110;
const WIDTH = 1100;
const PLOT_WIDTH = WIDTH - PLOT_LEFT - 20;

function throughputChart(t: Timeline, unit: string, marks: string): string {
  const height = 150;
  const base = height - 22;
  let top = 1;
  for (let b = 0; b < t.buckets; b++)
    top = Math.max(top, (t.ok[b] as number) + (t.fail[b] as number) + (t.info[b] as number));
  const w = PLOT_WIDTH / t.buckets;
  const scale = (base - 10) / top;
  const bars: string[] = [];
  for (let b = 0; b < t.buckets; b++) {
    const x = (PLOT_LEFT + b * w).toFixed(1);
    let y = base;
    for (const [cls, value] of [
      ['ok', t.ok[b] as number],
      ['fail', t.fail[b] as number],
      ['info', t.info[b] as number],
    ] as const) {
      if (value === 0) continue;
      const h = value * scale;
      y -= h;
      bars.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${Math.max(0.5, w - 0.3).toFixed(1)}" height="${h.toFixed(1)}" class="t-${cls}"/>`,
      );
    }
  }
  return `<h2>Operations completed per bucket</h2>
<p class="note">${t.buckets} buckets of ${fixed(t.width)}${unit ? ' ' + unit : ''}: ok (green), fail (yellow), unknown outcome (grey, at invocation).</p>
<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="operations per time bucket">${marks}${bars.join('')}
<text x="4" y="16">${count(top)}</text><text x="4" y="${base}">0</text>${axis(t, unit, height)}</svg>`;
}

function latencyChart(t: Timeline, unit: string, marks: string): string {
  const height = 150;
  const base = height - 22;
  let top = 0;
  for (let b = 0; b < t.buckets; b++) top = Math.max(top, t.p99[b] as number);
  top = top > 0 ? top * 1.15 : 1;
  const w = PLOT_WIDTH / t.buckets;
  const y = (v: number) => (base - (Math.min(v, top) / top) * (base - 10)).toFixed(1);
  const line = (values: Float64Array, cls: string) => {
    const points: string[] = [];
    for (let b = 0; b < t.buckets; b++) {
      const completed = (t.ok[b] as number) + (t.fail[b] as number);
      if (completed > 0) points.push(`${(PLOT_LEFT + (b + 0.5) * w).toFixed(1)},${y(values[b] as number)}`);
    }
    return `<polyline class="${cls}" points="${points.join(' ')}"/>`;
  };
  return `<h2>Latency per bucket</h2>
<p class="note">Completed operations by completion bucket: p50 (blue), p99 (purple), max (light; cut at the top of the chart).</p>
<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="latency per time bucket">${marks}${line(t.max, 'l-max')}${line(t.p99, 'l-p99')}${line(t.p50, 'l-p50')}
<text x="4" y="16">${fixed(top)}${unit ? ' ' + unit : ''}</text><text x="4" y="${base}">0</text>${axis(t, unit, height)}</svg>`;
}

function axis(t: Timeline, unit: string, height: number): string {
  return `<text x="${PLOT_LEFT}" y="${height - 4}">${fixed(t.start)}</text><text x="${WIDTH - 20}" y="${height - 4}" text-anchor="end">${fixed(t.end)}${unit ? ' ' + unit : ''}</text>`;
}

function slowestTable(history: History, unit: string): string {
  const slow: Operation[] = [];
  const latency = (op: Operation) => op.ret - op.call;
  for (const op of history) {
    if (!Number.isFinite(op.ret) || op.outcome === 'info') continue;
    if (slow.length === SLOWEST && latency(op) <= latency(slow[SLOWEST - 1] as Operation)) continue;
    let i = Math.min(slow.length, SLOWEST - 1);
    slow[i] = op;
    while (i > 0 && latency(slow[i - 1] as Operation) < latency(op)) {
      slow[i] = slow[i - 1] as Operation;
      slow[--i] = op;
    }
  }
  if (slow.length === 0) return '';
  const rows = slow
    .map(
      (op) =>
        `<tr><td>#${op.id}</td><td>${escape(clip(op.process, 20))}</td><td>${escape(describe(op, 60))}</td><td>${op.outcome}</td><td>${fixed(op.call)}</td><td>${fixed(latency(op))}</td></tr>`,
    )
    .join('');
  return `<h2>Slowest operations</h2><table><tr><th>op</th><th>process</th><th>operation</th><th>outcome</th><th>invoked${unit ? ' (' + unit + ')' : ''}</th><th>latency${unit ? ' (' + unit + ')' : ''}</th></tr>${rows}</table>`;
}

function describe(op: Operation, max: number): string {
  const input = clip(JSON.stringify(op.input) ?? '', max);
  const output = op.output !== undefined ? ' → ' + clip(JSON.stringify(op.output) ?? '', max) : '';
  return `${op.f} ${input}${output}`;
}

export function renderHistoryHtml(
  title: string,
  history: History,
  result: CheckResult,
  options: HistoryHtmlOptions = {},
): string {
  const maxDrawn = Math.max(1, options.maxDrawn ?? DEFAULT_MAX_DRAWN);
  const unit = options.timeUnit ?? '';
  const failing = result.parts.find((p) => p.verdict === 'not-linearizable');
  const stuck = failing?.stuckOperation;

  const order = invocationOrder(history);
  let center: number | undefined;
  if (stuck !== undefined)
    for (let p = 0; p < order.length && center === undefined; p++)
      if ((history[order[p] as number] as Operation).id === stuck) center = p;
  const window = chooseWindow(history, order, center, maxDrawn);
  const drawnIds = new Set<number>();
  for (const op of window.ops) drawnIds.add(op.id);
  const badge = new Map<number, number>();
  (failing?.longestLinearization ?? []).forEach((id, i) => {
    if (drawnIds.has(id)) badge.set(id, i + 1);
  });

  // The drawn window's own time axis.
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const op of window.ops) {
    t0 = Math.min(t0, op.call);
    t1 = Math.max(t1, Number.isFinite(op.ret) ? op.ret : op.call);
  }
  if (!Number.isFinite(t0)) [t0, t1] = [0, 1];
  const end = t1 + Math.max((t1 - t0) * 0.05, 1e-9);
  const x = (t: number) => PLOT_LEFT + ((t - t0) / (end - t0)) * (WIDTH - PLOT_LEFT - 20);
  const laneHeight = 26;
  const bars = window.ops
    .map((op) => {
      const y = 30 + (window.lanes.get(op.process) as number) * laneHeight;
      const x1 = x(op.call);
      const x2 = Number.isFinite(op.ret) ? x(op.ret) : WIDTH - 20;
      const width = Math.max(3, x2 - x1);
      const cls =
        op.id === stuck
          ? 'stuck'
          : badge.has(op.id)
            ? 'placed'
            : op.outcome === 'info'
              ? 'info'
              : op.outcome === 'fail'
                ? 'fail'
                : 'op';
      const label = describe(op, 200);
      const fits = Math.floor((width - 4) / 6);
      const text =
        fits >= 4 ? `<text x="${(x1 + 3).toFixed(1)}" y="${y + 13}">${escape(clip(label, fits))}</text>` : '';
      const number = badge.has(op.id)
        ? `<text x="${(x1 + 2).toFixed(1)}" y="${y - 2}" class="n">${badge.get(op.id)}</text>`
        : '';
      return `<g><title>${escape(`#${op.id} process ${clip(op.process, 40)}: ${label} (${op.outcome})`)}</title><rect x="${x1.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${laneHeight - 8}" class="${cls}"/>${text}${number}</g>`;
    })
    .join('\n');
  const lanes = [...window.lanes.entries()]
    .map(
      ([p, i]) => `<text x="8" y="${43 + i * laneHeight}" class="lane">process ${escape(clip(p, 12))}</text>`,
    )
    .join('');
  const height = 40 + window.lanes.size * laneHeight;

  const drawn = window.ops.length;
  const caption =
    drawn === history.length
      ? `all ${count(drawn)} operations drawn`
      : center !== undefined
        ? `${count(drawn)} of ${count(history.length)} operations drawn: numbers ${count(window.first + 1)}–${count(window.first + drawn)} in invocation order, around operation #${stuck}`
        : `first ${count(drawn)} of ${count(history.length)} operations drawn (in invocation order)`;

  let okCount = 0;
  let failCount = 0;
  let infoCount = 0;
  for (const op of history) {
    if (op.outcome === 'ok') okCount++;
    else if (op.outcome === 'fail') failCount++;
    else infoCount++;
  }
  // The charts aggregate what is not drawn op by op: at least ten operations per bucket.
  const buckets = options.buckets ?? Math.min(DEFAULT_BUCKETS, Math.max(1, Math.ceil(history.length / 10)));
  const timeline = historyTimeline(history, buckets);
  const tx = (t: number) => PLOT_LEFT + ((t - timeline.start) / (timeline.end - timeline.start)) * PLOT_WIDTH;
  const marks =
    drawn < history.length
      ? `<rect x="${tx(t0).toFixed(1)}" y="0" width="${Math.max(1, tx(t1) - tx(t0)).toFixed(1)}" height="130" class="window"><title>the operations drawn below</title></rect>` +
        (stuck !== undefined && center !== undefined
          ? `<line x1="${tx((history[order[center] as number] as Operation).call).toFixed(1)}" x2="${tx((history[order[center] as number] as Operation).call).toFixed(1)}" y1="0" y2="130" class="stuck-mark"/>`
          : '')
      : '';

  const explanation = failing
    ? `<p class="bad">Not linearizable. The search could order at most ${count(failing.longestLinearization?.length ?? 0)} operations of one part (numbered, in green, where drawn), reaching state <code>${escape(clip(failing.stateAfterLongest ?? '?', 300))}</code>; operation #${stuck ?? '?'} (red) then completed before it could be placed.</p>`
    : `<p class="${result.verdict === 'linearizable' ? 'good' : 'bad'}">${result.verdict}.</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1d2127}svg text{font-size:11px}rect.op{fill:#c9d6f5}rect.placed{fill:#9fdcb2}rect.stuck{fill:#f2a29b}rect.info{fill:#eee;stroke:#999;stroke-dasharray:3 2}rect.fail{fill:#f6e3b0}.n{fill:#1d7a3e;font-weight:bold}.lane{fill:#555}.bad{color:#b3261e}.good{color:#1d7a3e}.wrap{overflow-x:auto}.note{color:#555;margin:.2rem 0}
rect.t-ok{fill:#5fb37a}rect.t-fail{fill:#e0b43c}rect.t-info{fill:#aaa}rect.window{fill:#2f5bd3;opacity:.08}line.stuck-mark{stroke:#b3261e;stroke-width:1.5}polyline{fill:none;stroke-width:1.5}.l-p50{stroke:#2f5bd3}.l-p99{stroke:#7a3e9d}.l-max{stroke:#c9b3d6}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}</style></head>
<body><h1>${escape(title)}</h1><p>Model: ${escape(result.model)} · ${count(history.length)} operations (ok ${count(okCount)}, fail ${count(failCount)}, unknown ${count(infoCount)}) · ${count(result.parts.length)} part(s)</p>${explanation}
${drawn < history.length ? `${throughputChart(timeline, unit, marks)}\n${latencyChart(timeline, unit, marks)}` : ''}
<h2>Operations</h2><p class="note">${caption}${drawn < history.length ? ' (shaded on the charts above)' : ''}. Bars span invocation to completion; dashed bars are operations whose outcome is unknown (open to the end).</p>
<div class="wrap"><svg width="${WIDTH}" height="${height}" role="img" aria-label="operations per process">${lanes}${bars}</svg></div>
${slowestTable(history, unit)}
</body></html>\n`;
}
