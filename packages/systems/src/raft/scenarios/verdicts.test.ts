/**
 * The verdicts of cluster-size and backup follow their measurements: the same judging code, given
 * figures on the other side of the claim, gives the other verdict.
 */
import { describe, expect, it } from 'vitest';
import { judgeBackup, runBackup } from './backup';
import { judgeClusterSize, type SizeFigures } from './cluster-size';

const size = (nodes: number, over: Partial<SizeFigures> = {}): SizeFigures => ({
  nodes,
  writes: 1_000,
  writesPerSecond: 150,
  commitP50: 22,
  commitP99: 38,
  clientP50: 45,
  clientP99: 70,
  messagesPerWrite: 10 + 3.5 * (nodes - 3),
  ...over,
});

describe('cluster-size judges from its figures', () => {
  it('partly: nothing gives way past 7, but messages per write grow with N', () => {
    expect(judgeClusterSize(size(3), size(7), size(9)).observed).toBe('partly');
  });

  it('holds: throughput collapsing past 7 would make 5–7 a real limit', () => {
    expect(judgeClusterSize(size(3), size(7), size(9, { writesPerSecond: 80 })).observed).toBe('holds');
    expect(judgeClusterSize(size(3), size(7), size(9, { commitP99: 90 })).observed).toBe('holds');
  });

  it('fails: if a bigger cluster cost nothing more per write, there would be nothing to the claim', () => {
    expect(judgeClusterSize(size(3), size(7), size(9, { messagesPerWrite: 12 })).observed).toBe('fails');
  });
});

describe('backup judges from the round trips it counted', () => {
  it('holds with fast back-off against one entry at a time', () => {
    const fast = runBackup(1, true);
    const slow = runBackup(1, false);
    expect(fast.conflictingEntries).toBeGreaterThanOrEqual(25);
    expect(fast.roundTrips).toBeLessThanOrEqual(fast.conflictingTerms + 1);
    expect(slow.roundTrips).toBeGreaterThanOrEqual(slow.conflictingEntries);
    expect(judgeBackup(fast, slow)).toBe('holds');
  });

  it('fails when the "fast" run backs off one entry at a time too', () => {
    const slow = runBackup(1, false);
    expect(judgeBackup(slow, slow)).toBe('fails');
  });
});
