import { describe, expect, it } from 'vitest';
import type { Operation } from '@dslab/check';
import { classifyText, drawnWindow, MAX_BARS, MAX_LANES } from './model';

function op(id: number, process: string, call: number): Operation {
  return { id, process, f: 'read', input: ['x'], output: null, outcome: 'ok', call, ret: call + 1 };
}

describe('the consistency page model', () => {
  it('reads and classifies a pasted JSON history', () => {
    const result = classifyText(`[{"process": 0, "type": "invoke", "f": "write", "value": ["x", 1]},
      {"process": 0, "type": "ok", "f": "write", "value": ["x", 1]},
      {"process": 1, "type": "invoke", "f": "read", "value": ["x", null]},
      {"process": 1, "type": "ok", "f": "read", "value": ["x", null]}]`);
    expect(result.ok && result.classification.strongest).toBe('sequential');
  });

  it('turns bad input into a message', () => {
    expect(classifyText('   ')).toEqual({ ok: false, error: 'Paste a history first.' });
    const garbage = classifyText('{not json');
    expect(garbage.ok).toBe(false);
    expect(!garbage.ok && garbage.error).toMatch(/Could not read the history/);
    const cas = classifyText(`[{"process": 0, "type": "invoke", "f": "cas", "value": ["x", [1, 2]]},
      {"process": 0, "type": "ok", "f": "cas", "value": ["x", [1, 2]]}]`);
    expect(!cas.ok && cas.error).toMatch(/only read and write/);
  });

  it('draws at most MAX_BARS operations and MAX_LANES lanes, and moves the window to the highlighted operation', () => {
    const history = Array.from({ length: 5_000 }, (_, i) => op(i, `p${i % 40}`, i * 2));
    const plain = drawnWindow(history, new Set());
    expect(plain.ops).toHaveLength(MAX_BARS);
    expect(plain.skipped).toBe(5_000 - MAX_BARS);
    expect(plain.lanes).toHaveLength(MAX_LANES);
    expect(plain.hiddenLanes).toBe(40 - MAX_LANES);
    const focused = drawnWindow(history, new Set([4_000]));
    expect(focused.ops.some((o) => o.id === 4_000)).toBe(true);
    expect(drawnWindow(history.slice(0, 10), new Set()).skipped).toBe(0);
  });
});
