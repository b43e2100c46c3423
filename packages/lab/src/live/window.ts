/**
 * What the message timeline draws for a window of virtual time, computed in the worker from the
 * session's trace so the page only receives what is visible (the timeline stays usable at 100k+ events).
 */
import type { TraceEvent } from '@dslab/sim';

export interface Arrow {
  readonly from: string;
  readonly to: string;
  readonly sentAt: number;
  /** Undefined while in flight; for drops, the time of the drop. */
  readonly endAt: number | undefined;
  readonly fate: 'delivered' | 'dropped' | 'in-flight';
  readonly label: string;
}

export interface Mark {
  readonly node: string;
  readonly t: number;
  readonly kind: 'crash' | 'restart' | 'pause' | 'resume' | 'clock' | 'node';
  readonly label: string;
}

export interface TimelineWindow {
  readonly from: number;
  readonly to: number;
  readonly arrows: readonly Arrow[];
  readonly marks: readonly Mark[];
  /** Arrows left out because the window held more than the cap. */
  readonly omitted: number;
}

export const MAX_ARROWS = 4_000;

/** Index of the first event with time ≥ t (events are in time order). */
export function firstAtOrAfter(events: readonly TraceEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((events[mid] as TraceEvent).t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function messageLabel(msg: unknown): string {
  if (msg !== null && typeof msg === 'object' && 'type' in msg)
    return String((msg as { type: unknown }).type);
  return 'message';
}

/**
 * Arrows for messages sent in [from, to] or still travelling into it, and marks for node events.
 * `sends` maps message id → its send event, for arrows whose send is before the window.
 */
export function timelineWindow(
  events: readonly TraceEvent[],
  sends: ReadonlyMap<number, Extract<TraceEvent, { kind: 'send' }>>,
  from: number,
  to: number,
  maxLatency: number,
): TimelineWindow {
  const arrows = new Map<number, Arrow>();
  const marks: Mark[] = [];
  let omitted = 0;
  const start = firstAtOrAfter(events, from - maxLatency);
  for (let i = start; i < events.length; i++) {
    const event = events[i] as TraceEvent;
    if (event.t > to) break;
    switch (event.kind) {
      case 'send':
        if (arrows.size >= MAX_ARROWS) omitted++;
        else
          arrows.set(event.id, {
            from: event.from,
            to: event.to,
            sentAt: event.t,
            endAt: undefined,
            fate: 'in-flight',
            label: messageLabel(event.msg),
          });
        break;
      case 'deliver':
      case 'drop': {
        const known =
          arrows.get(event.id) ??
          (() => {
            const send = sends.get(event.id);
            return send
              ? { from: send.from, to: send.to, sentAt: send.t, label: messageLabel(send.msg) }
              : undefined;
          })();
        if (!known) break;
        if (event.kind === 'deliver' && arrows.get(event.id)?.fate === 'delivered') {
          // A duplicate delivery: draw it as a second arrow under a derived key.
          arrows.set(-event.id - 1e9 * (arrows.size + 1), { ...known, endAt: event.t, fate: 'delivered' });
          break;
        }
        if (arrows.size >= MAX_ARROWS && !arrows.has(event.id)) {
          omitted++;
          break;
        }
        arrows.set(event.id, {
          ...known,
          endAt: event.t,
          fate: event.kind === 'deliver' ? 'delivered' : 'dropped',
        });
        break;
      }
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
        if (event.t >= from)
          marks.push({ node: event.node, t: event.t, kind: event.kind, label: event.kind });
        break;
      case 'clock':
        if (event.t >= from)
          marks.push({
            node: event.node,
            t: event.t,
            kind: 'clock',
            label: `clock ${event.offsetMs.toFixed(0)} ms`,
          });
        break;
      case 'node':
        if (event.t >= from) marks.push({ node: event.node, t: event.t, kind: 'node', label: event.name });
        break;
      default:
        break;
    }
  }
  const visible = [...arrows.values()].filter((a) => (a.endAt ?? to) >= from);
  return { from, to, arrows: visible, marks, omitted };
}
