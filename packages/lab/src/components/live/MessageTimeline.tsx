import { useEffect, useRef } from 'react';
import type { TimelineWindow } from '../../live/window';

const LANE = 34;
const LEFT = 56;

/** The space-time diagram: one lane per node, time to the right, a line per message. */
export function MessageTimeline({
  window: view,
  nodeIds,
  highlights = [],
}: {
  window: TimelineWindow;
  nodeIds: readonly string[];
  /** Operations a checker blamed: a band on their node's lane. */
  highlights?: readonly { readonly node: string; readonly from: number; readonly to: number }[];
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const width = element.clientWidth;
    const height = LANE * nodeIds.length + 24;
    const ratio = globalThis.devicePixelRatio || 1;
    element.width = Math.round(width * ratio);
    element.height = Math.round(height * ratio);
    element.style.height = `${height}px`;
    const g = element.getContext('2d');
    if (!g) return;
    g.scale(ratio, ratio);
    const css = getComputedStyle(element);
    const fg = css.getPropertyValue('--fg') || '#222';
    const muted = css.getPropertyValue('--muted') || '#777';
    const ok = css.getPropertyValue('--accent') || '#2f5bd3';
    const bad = css.getPropertyValue('--bad') || '#b3261e';
    g.clearRect(0, 0, width, height);
    const span = Math.max(1e-9, view.to - view.from);
    const x = (t: number) => LEFT + ((t - view.from) / span) * (width - LEFT - 8);
    const lane = new Map(nodeIds.map((id, i) => [id, 12 + i * LANE + LANE / 2]));
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';
    for (const [id, y] of lane) {
      g.fillStyle = fg;
      g.fillText(id, 6, y);
      g.strokeStyle = muted;
      g.globalAlpha = 0.35;
      g.beginPath();
      g.moveTo(LEFT, y);
      g.lineTo(width - 8, y);
      g.stroke();
      g.globalAlpha = 1;
    }
    for (const h of highlights) {
      const y = lane.get(h.node);
      if (y === undefined || h.to < view.from || h.from > view.to) continue;
      const x1 = x(Math.max(h.from, view.from));
      const x2 = x(Math.min(h.to, view.to));
      g.fillStyle = bad;
      g.globalAlpha = 0.25;
      g.fillRect(x1, y - LANE / 2 + 2, Math.max(3, x2 - x1), LANE - 4);
      g.globalAlpha = 1;
    }
    for (const arrow of view.arrows) {
      const y1 = lane.get(arrow.from);
      const y2 = lane.get(arrow.to);
      if (y1 === undefined || y2 === undefined) continue;
      const end = arrow.endAt ?? view.to;
      g.strokeStyle = arrow.fate === 'dropped' ? bad : ok;
      g.globalAlpha = arrow.fate === 'in-flight' ? 0.45 : 0.8;
      g.setLineDash(arrow.fate === 'in-flight' ? [3, 3] : []);
      g.beginPath();
      g.moveTo(x(arrow.sentAt), y1);
      // A drop ends halfway with a cross; a message still in flight points halfway towards its target.
      const yEnd = arrow.fate === 'delivered' ? y2 : y1 + (y2 - y1) * 0.5;
      g.lineTo(x(end), yEnd);
      g.stroke();
      if (arrow.fate === 'dropped') {
        g.setLineDash([]);
        const cx = x(end);
        g.beginPath();
        g.moveTo(cx - 3, yEnd - 3);
        g.lineTo(cx + 3, yEnd + 3);
        g.moveTo(cx + 3, yEnd - 3);
        g.lineTo(cx - 3, yEnd + 3);
        g.stroke();
      }
    }
    g.setLineDash([]);
    g.globalAlpha = 1;
    for (const mark of view.marks) {
      const y = lane.get(mark.node);
      if (y === undefined) continue;
      const cx = x(mark.t);
      g.fillStyle = mark.kind === 'crash' ? bad : mark.kind === 'node' ? muted : fg;
      if (mark.kind === 'node') {
        g.beginPath();
        g.arc(cx, y, 2.5, 0, Math.PI * 2);
        g.fill();
      } else {
        g.fillRect(cx - 1.5, y - LANE / 2 + 4, 3, LANE - 8);
        g.fillText(mark.label, cx + 4, y - LANE / 2 + 8);
      }
    }
    g.fillStyle = muted;
    g.fillText(`${view.from.toFixed(0)} ms`, LEFT, height - 8);
    const label = `${view.to.toFixed(0)} ms`;
    g.fillText(label, width - 8 - g.measureText(label).width, height - 8);
  }, [view, nodeIds, highlights]);
  return (
    <div className="timeline">
      <canvas
        ref={canvas}
        data-testid="timeline"
        aria-label="Message timeline: one lane per node, a line per message"
      />
      {view.omitted > 0 && (
        <p className="muted">
          {view.omitted.toLocaleString('en-US')} more messages in this window are not drawn; zoom in.
        </p>
      )}
    </div>
  );
}
