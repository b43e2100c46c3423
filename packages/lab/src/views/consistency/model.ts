/**
 * What the consistency page computes, apart from drawing: a pasted history read and classified (bad
 * input becomes a message, never an exception), and which operations are drawn when there are too
 * many to draw one by one.
 */
import {
  classifyHistory,
  detectFormat,
  readHistory,
  type Classification,
  type ClassifyOptions,
  type History,
  type Operation,
} from '@dslab/check';

/** Bars drawn at most; past it a window of consecutive operations (by invocation) is drawn, and the page says so. */
export const MAX_BARS = 300;
/** Sessions drawn at most as lanes. */
export const MAX_LANES = 24;
/** Search budget per search in the page: past it a model is reported unknown rather than the tab freezing. */
export const LAB_MAX_STATES = 20_000;
/** Pasted text read at most (characters). */
export const MAX_PASTE_CHARS = 2_000_000;

export type Classified =
  | { readonly ok: true; readonly history: History; readonly classification: Classification }
  | { readonly ok: false; readonly error: string };

export function classify(history: History, versionOf?: ClassifyOptions['versionOf']): Classified {
  try {
    const options: ClassifyOptions = { maxStates: LAB_MAX_STATES, ...(versionOf ? { versionOf } : {}) };
    return { ok: true, history, classification: classifyHistory(history, options) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** A pasted history in any format `dslab check` reads (JSON, EDN, a Jepsen log), classified. */
export function classifyText(text: string): Classified {
  if (text.trim().length === 0) return { ok: false, error: 'Paste a history first.' };
  if (text.length > MAX_PASTE_CHARS)
    return {
      ok: false,
      error: `The history is ${text.length.toLocaleString('en-US')} characters; the page reads at most ${MAX_PASTE_CHARS.toLocaleString('en-US')} (use dslab check).`,
    };
  let history: History;
  try {
    history = readHistory(text, detectFormat(text));
  } catch (error) {
    return { ok: false, error: `Could not read the history: ${(error as Error).message}` };
  }
  if (history.length === 0) return { ok: false, error: 'The history has no operations.' };
  return classify(history);
}

export interface DrawnWindow {
  /** The operations drawn, by invocation. */
  readonly ops: readonly Operation[];
  /** Sessions drawn, in order of first appearance; the rest are counted. */
  readonly lanes: readonly string[];
  readonly hiddenLanes: number;
  readonly from: number;
  readonly to: number;
  /** Operations not drawn. */
  readonly skipped: number;
}

/**
 * The operations to draw: all when there are at most MAX_BARS; otherwise MAX_BARS consecutive ones by
 * invocation, placed so the first highlighted operation is in view (a quarter from the left).
 */
export function drawnWindow(history: History, highlighted: ReadonlySet<number>): DrawnWindow {
  const byCall = [...history].sort((a, b) => a.call - b.call || a.id - b.id);
  let start = 0;
  if (byCall.length > MAX_BARS && highlighted.size > 0) {
    const first = byCall.findIndex((op) => highlighted.has(op.id));
    if (first >= 0) start = Math.max(0, Math.min(byCall.length - MAX_BARS, first - Math.floor(MAX_BARS / 4)));
  }
  const ops = byCall.slice(start, start + MAX_BARS);
  const lanes: string[] = [];
  const seen = new Set<string>();
  for (const op of ops)
    if (!seen.has(op.process)) {
      seen.add(op.process);
      lanes.push(op.process);
    }
  let from = Infinity;
  let to = -Infinity;
  for (const op of ops) {
    from = Math.min(from, op.call);
    to = Math.max(to, Number.isFinite(op.ret) ? op.ret : op.call);
  }
  if (!Number.isFinite(from)) from = 0;
  if (!(to > from)) to = from + 1;
  return {
    ops,
    lanes: lanes.slice(0, MAX_LANES),
    hiddenLanes: Math.max(0, lanes.length - MAX_LANES),
    from,
    to,
    skipped: history.length - ops.length,
  };
}

/** `write k1 = "a"`, `read k1 → "a"`: one line for an operation. */
export function describe(op: Operation): string {
  const input = Array.isArray(op.input) ? (op.input as readonly unknown[]) : [op.input];
  const key = String(input[0]);
  if (op.f === 'write') return `write ${key} = ${JSON.stringify(input[1] ?? null)}`;
  if (op.outcome !== 'ok') return `read ${key} (${op.outcome})`;
  return `read ${key} → ${JSON.stringify(op.output ?? null)}`;
}
