import type { BackpressureBinDetail, BackpressureLiveDetail } from '@dslab/systems';
import './backpressure.css';

/** The span drawn, ending now. */
const SPAN_MS = 20_000;
const WIDTH = 720;
const PANEL = 110;
const GAP = 14;

/** The largest value of a field over the bins, without spreading the array. */
function largest(bins: readonly BackpressureBinDetail[], of: (b: BackpressureBinDetail) => number): number {
  let max = 0;
  for (const b of bins) max = Math.max(max, of(b));
  return max;
}

function round(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** Queue depth, latency and answers per bin over the last 20 s, with the trigger window shaded. */
export function BackpressureView({ detail }: { readonly detail: BackpressureLiveDetail }) {
  const to = Math.max(detail.now, SPAN_MS);
  const from = to - SPAN_MS;
  const x = (t: number) => ((t - from) / SPAN_MS) * WIDTH;
  const bins = detail.bins.filter((b) => b.start >= from);
  const binWidth = (detail.binMs / SPAN_MS) * WIDTH;
  const depthTop = Math.max(
    1,
    largest(bins, (b) => b.depthMax),
    detail.bound ?? 0,
  );
  const latencyTop = Math.max(
    detail.timeoutMs * 1.2,
    largest(bins, (b) => b.latency ?? 0),
  );
  const countTop = Math.max(
    1,
    largest(bins, (b) => Math.max(b.offered, b.served + b.failed)),
  );
  const panelY = (i: number) => i * (PANEL + GAP);
  const depthY = (v: number) => PANEL - (v / depthTop) * PANEL;
  const latencyY = (v: number) => panelY(1) + PANEL - (Math.min(v, latencyTop) / latencyTop) * PANEL;
  const countY = (v: number) => panelY(2) + PANEL - (v / countTop) * PANEL;
  const depthLine = bins.map(
    (b) => `${x(b.start + detail.binMs / 2).toFixed(1)},${depthY(b.depth).toFixed(1)}`,
  );
  const latencyLine = bins
    .filter((b) => b.latency !== null)
    .map((b) => `${x(b.start + detail.binMs / 2).toFixed(1)},${latencyY(b.latency ?? 0).toFixed(1)}`);
  const height = 3 * PANEL + 2 * GAP;
  const trigger = detail.trigger;
  const served = bins.reduce((sum, b) => sum + b.served, 0);
  const failed = bins.reduce((sum, b) => sum + b.failed, 0);
  const retries = bins.reduce((sum, b) => sum + b.retries, 0);
  return (
    <section className="bp-view" aria-label="queue depth and latency">
      <p className="bp-caption">
        Producer at <strong>{detail.ratePerSecond}/s</strong> (
        {detail.flow === 'none' ? 'open loop' : detail.flow}), server capacity{' '}
        <strong>{round(detail.capacityPerSecond)}/s</strong>; queue{' '}
        {detail.bound === null ? 'unbounded' : `bounded at ${detail.bound} (${detail.overflow})`},{' '}
        {detail.order}, client timeout {detail.timeoutMs} ms.{' '}
        {trigger
          ? `Trigger ${(trigger.from / 1_000).toFixed(1)}–${(trigger.to / 1_000).toFixed(1)} s: service ×${trigger.slowdown}, load ×${trigger.load}.`
          : ''}
      </p>
      <ul className="bp-facts" aria-label="now">
        <li>
          queued <strong data-testid="bp-depth">{detail.depth}</strong>
        </li>
        <li>in service {detail.busy}</li>
        <li>awaited by the producer {detail.outstanding}</li>
        {detail.flow === 'depth-signal' ? <li>producer rate ×{detail.rateFactor.toFixed(2)}</li> : null}
        {detail.flow === 'credits' ? (
          <li>{detail.blocked ? 'producer blocked' : 'producer sending'}</li>
        ) : null}
        <li>
          so far: <span className="bp-ok">{detail.totals.served} served</span>,{' '}
          <span className="bp-bad">{detail.totals.failed} failed</span>, {detail.totals.retries} retries,{' '}
          {detail.totals.late} answers too late
        </li>
      </ul>
      <svg
        className="bp-chart"
        viewBox={`0 0 ${WIDTH} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`last ${SPAN_MS / 1_000} s: queue depth, mean latency, and answers per ${detail.binMs} ms (${served} served, ${failed} failed, ${retries} retries)`}
      >
        {trigger && trigger.to > from ? (
          <rect
            x={Math.max(0, x(trigger.from))}
            y={0}
            width={Math.max(0, Math.min(WIDTH, x(trigger.to)) - Math.max(0, x(trigger.from)))}
            height={height}
            className="bp-trigger"
          />
        ) : null}
        {[0, 1, 2].map((i) => (
          <line key={i} x1={0} x2={WIDTH} y1={panelY(i) + PANEL} y2={panelY(i) + PANEL} className="bp-rule" />
        ))}
        {detail.bound !== null ? (
          <line x1={0} x2={WIDTH} y1={depthY(detail.bound)} y2={depthY(detail.bound)} className="bp-limit" />
        ) : null}
        <polyline points={depthLine.join(' ')} className="bp-depth" vectorEffect="non-scaling-stroke" />
        <line
          x1={0}
          x2={WIDTH}
          y1={latencyY(detail.timeoutMs)}
          y2={latencyY(detail.timeoutMs)}
          className="bp-limit"
        />
        <polyline points={latencyLine.join(' ')} className="bp-latency" vectorEffect="non-scaling-stroke" />
        {bins.map((b) => {
          const left = x(b.start);
          return (
            <g key={b.start}>
              <rect
                x={left}
                y={countY(b.served)}
                width={Math.max(0.5, binWidth - 0.5)}
                height={panelY(2) + PANEL - countY(b.served)}
                className="bp-ok-bar"
              />
              <rect
                x={left}
                y={countY(b.served + b.failed)}
                width={Math.max(0.5, binWidth - 0.5)}
                height={countY(b.served) - countY(b.served + b.failed)}
                className="bp-bad-bar"
              />
            </g>
          );
        })}
      </svg>
      <div className="bp-legend">
        <p>
          <span className="bp-swatch bp-depth-swatch" /> queue depth (top, scale 0–{round(depthTop)}
          {detail.bound !== null ? ', dashed: the bound' : ''})
        </p>
        <p>
          <span className="bp-swatch bp-latency-swatch" /> mean latency of served requests (middle, 0–
          {round(latencyTop)} ms, dashed: the client timeout)
        </p>
        <p>
          <span className="bp-swatch bp-ok-swatch" /> served and <span className="bp-swatch bp-bad-swatch" />{' '}
          failed per {detail.binMs} ms (bottom){trigger ? '; shaded: the trigger' : ''}
        </p>
      </div>
      <p className="bp-axis" aria-hidden>
        <span>{(from / 1_000).toFixed(1)} s</span>
        <span>{(to / 1_000).toFixed(1)} s</span>
      </p>
    </section>
  );
}
