import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from '@dslab/check';
import { lostAcknowledgedWrites } from './run';

describe('lost acknowledged writes', () => {
  function history(finalRead: string, overlappingInfo: boolean) {
    const r = new HistoryRecorder();
    r.ok(r.invoke('a', 'write', ['x', 'v1'], 0), undefined, 10);
    if (overlappingInfo) r.info(r.invoke('c', 'write', ['x', 'v3'], 15), 16);
    r.ok(r.invoke('b', 'write', ['x', 'v2'], 20), undefined, 30);
    r.ok(r.invoke('d', 'read', ['x'], 100), finalRead, 110);
    return r.history();
  }

  it('counts the certainly-last write a final read does not return', () => {
    expect(lostAcknowledgedWrites(history('v2', false), 100)).toBe(0);
    expect(lostAcknowledgedWrites(history('v1', false), 100)).toBe(1);
  });

  it('does not count a write another write may follow (an unknown outcome stays open)', () => {
    expect(lostAcknowledgedWrites(history('v3', true), 100)).toBe(0);
    expect(lostAcknowledgedWrites(history('v1', true), 100)).toBe(0);
  });
});
