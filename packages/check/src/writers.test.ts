import { describe, expect, it } from 'vitest';
import { generateKvHistory } from './generate';
import { HistoryRecorder } from './history';
import { checkLinearizable } from './linearizable';
import { kvModel } from './model';
import { readJsonHistory } from './readers';
import { historyToJsonLines } from './writers';

describe('history as JSON events', () => {
  it('reads back (readJsonHistory) to the same operations and the same verdict', () => {
    const history = generateKvHistory({
      seed: 5,
      operations: 3_000,
      processes: 6,
      infoRate: 0.03,
      failRate: 0.05,
    });
    const back = readJsonHistory([...historyToJsonLines(history)].join(''));
    expect(back).toHaveLength(history.length);
    const shape = (h: typeof history) =>
      [...h]
        .sort((a, b) => a.call - b.call || a.id - b.id)
        .map((op) => [
          op.process,
          op.f,
          op.input,
          op.outcome,
          op.f === 'read' && op.outcome === 'ok' ? op.output : '-',
        ]);
    expect(shape(back)).toEqual(shape(history));
    expect(checkLinearizable(back, kvModel(null)).verdict).toBe(
      checkLinearizable(history, kvModel(null)).verdict,
    );
  });

  it('keeps real-time order: an operation that completed before another began still does', () => {
    const r = new HistoryRecorder();
    r.ok(r.invoke('a', 'write', ['x', '1'], 0), undefined, 5);
    r.ok(r.invoke('b', 'read', ['x'], 5), '1', 9); // begins as the write ends: they overlap
    r.ok(r.invoke('a', 'read', ['x'], 10), null, 12); // after the write: nil only if order were lost
    const back = readJsonHistory([...historyToJsonLines(r.history())].join(''));
    expect(checkLinearizable(back, kvModel(null)).verdict).toBe('not-linearizable');
    expect([...historyToJsonLines([])].join('')).toBe('[]\n');
  });
});
