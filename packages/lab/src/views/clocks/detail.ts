/**
 * The clocks system's live detail as this view reads it. It crosses the worker boundary as plain data
 * typed `LiveDetail`; `isClocksDetail` checks the shape at run time before the view trusts it.
 * (The system's own type is `ClockLiveDetail` in packages/systems/src/clocks/view-detail.ts.)
 */
import type { LiveDetail } from '@dslab/systems';

export interface ClockEventView {
  readonly seq: number;
  readonly node: string;
  readonly t: number;
  readonly kind: 'local' | 'send' | 'receive';
  readonly index: number;
  readonly peer?: string;
  readonly message?: string;
  readonly action?: string;
  readonly lamport: number;
  readonly vector: Readonly<Record<string, number>>;
  readonly hlc: { readonly l: number; readonly c: number };
  readonly pt: number;
  readonly sentBy?: number;
}

export interface ClockNodeView {
  readonly id: string;
  readonly up: boolean;
  readonly paused: boolean;
  readonly reference: boolean;
  readonly offsetMs: number;
  readonly driftPpm: number;
  readonly errorMs?: number;
  readonly estimatedFrequencyPpm?: number;
  readonly trueTime?: { readonly earliest: number; readonly latest: number };
}

export interface ClocksDetail extends LiveDetail {
  readonly kind: 'clocks';
  readonly now: number;
  readonly nodes: readonly ClockNodeView[];
  readonly events: readonly ClockEventView[];
  readonly epsilonMs: number;
  readonly maxCounter: number;
}

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
