/**
 * The clocks system's live detail, typed by the system itself. It crosses the worker boundary as plain
 * data typed `LiveDetail`; `isClocksDetail` checks the shape at run time before the view trusts it.
 */
import type {
  ClockEventDetail as ClockEventView,
  ClockLiveDetail as ClocksDetail,
  LiveDetail,
} from '@dslab/systems';

export type {
  ClockEventDetail as ClockEventView,
  ClockNodeDetail as ClockNodeView,
  ClockLiveDetail as ClocksDetail,
} from '@dslab/systems';

function isEvent(value: unknown): value is ClockEventView {
  const e = value as Partial<ClockEventView> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.seq === 'number' &&
    typeof e.node === 'string' &&
    typeof e.lamport === 'number' &&
    typeof e.vector === 'object' &&
    typeof e.hlc?.l === 'number' &&
    typeof e.pt === 'number'
  );
}

export function isClocksDetail(detail: LiveDetail): detail is ClocksDetail {
  const d = detail as Partial<ClocksDetail>;
  return (
    detail.kind === 'clocks' &&
    typeof d.now === 'number' &&
    Array.isArray(d.nodes) &&
    d.nodes.every((n) => typeof n?.id === 'string') &&
    Array.isArray(d.events) &&
    d.events.every(isEvent) &&
    typeof d.epsilonMs === 'number' &&
    typeof d.maxCounter === 'number'
  );
}
