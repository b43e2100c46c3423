/** Runs in the worker: parse a history, check it against a model, and draw it. */
import {
  checkLinearizable,
  detectFormat,
  modelFor,
  readHistory,
  renderHistoryHtml,
  usesKeyField,
  type ModelName,
} from '@dslab/check';
import type { CheckReport } from '../worker/protocol';

const MAX_HISTORY_BYTES = 20 * 1024 * 1024;
const DEADLINE_MS = 15_000;

export function checkHistory(text: string, name: ModelName): CheckReport {
  if (text.length > MAX_HISTORY_BYTES)
    throw new Error(`the history is larger than ${MAX_HISTORY_BYTES / 1024 / 1024} MB`);
  if (text.trim() === '') throw new Error('the history is empty: paste one or choose a file');
  const format = detectFormat(text);
  const history = readHistory(text, format);
  if (history.length === 0) throw new Error(`no operations found in this ${format} history`);
  const started = performance.now();
  const result = checkLinearizable(
    history,
    modelFor(name, format, { keyField: usesKeyField(text, format) }),
    {
      maxStates: 5_000_000,
      deadlineReached: () => performance.now() - started > DEADLINE_MS,
    },
  );
  const failing = result.parts.find((p) => p.verdict === 'not-linearizable');
  const stuck = failing?.stuckOperation !== undefined ? history[failing.stuckOperation] : undefined;
  return {
    verdict: result.verdict,
    format,
    operations: history.length,
    parts: result.parts.length,
    states: result.parts.reduce((n, p) => n + p.states, 0),
    ...(stuck
      ? {
          problem: `no order explains process ${stuck.process}'s ${stuck.f} ${JSON.stringify(stuck.input)} → ${JSON.stringify(stuck.output)}`,
        }
      : {}),
    html: renderHistoryHtml(`${name} history (${history.length} operations)`, history, result),
  };
}
