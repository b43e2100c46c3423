import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKvHistory, readJsonHistory, type CheckResult } from '@dslab/check';
import type { FaultWindow, JepsenReport } from '@dslab/runtime';
import { writeJepsenReport } from './commands/jepsen';

/** A report as runJepsen returns it, around a generated history (no cluster needed to test the writers). */
function fakeReport(operations: number, check: CheckResult['verdict'] = 'linearizable'): JepsenReport {
  const history = generateKvHistory({ seed: 9, operations, processes: 10, infoRate: 0.01, failRate: 0.02 });
  let end = 0;
  for (const op of history) end = Math.max(end, Number.isFinite(op.ret) ? op.ret : op.call);
  const faults: FaultWindow[] = [];
  for (let t = 1_000; t < end; t += 3_000)
    faults.push({
      kind: (['kill', 'pause', 'partition'] as const)[faults.length % 3] as FaultWindow['kind'],
      detail: `fault ${faults.length}`,
      start: t,
      end: t + 1_500,
    });
  return {
    system: 'raft',
    nodes: 3,
    clients: 10,
    nemesis: ['kill', 'pause', 'partition'],
    durationMs: end,
    valid: check === 'linearizable',
    verdict: check,
    operations: {
      total: history.length,
      ok: history.filter((op) => op.outcome === 'ok').length,
      fail: history.filter((op) => op.outcome === 'fail').length,
      info: history.filter((op) => op.outcome === 'info').length,
    },
    throughputOkPerSecond: history.length / (end / 1000),
    latencyMs: { p50: 1, p99: 9, max: 30 },
    keys: 4,
    lostAcknowledgedWrites: 0,
    finalReadsFailed: 0,
    faults,
    check: {
      verdict: check,
      model: 'kv',
      operations: history.length,
      parts: [{ verdict: check, operations: history.length, states: history.length }],
    },
    history,
  };
}

describe('dslab jepsen: the files a run writes', () => {
  it('a million operations: every page written, bounded in size; the history streamed as events', () => {
    const out = mkdtempSync(join(tmpdir(), 'dslab-jepsen-report-'));
    try {
      writeJepsenReport(out, 'raft', fakeReport(1_000_000));
      const size = (name: string) => statSync(join(out, name)).size;
      expect(size('history.html')).toBeLessThan(2_000_000);
      expect(size('report.html')).toBeLessThan(500_000);
      expect(size('report.json')).toBeLessThan(100_000);
      expect(readFileSync(join(out, 'history.html'), 'utf8')).toMatch(
        /first 400 of 1,000,000 operations drawn/,
      );
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report).toMatchObject({ verdict: 'linearizable', history: 'history.json' });
      // Two events per operation (invocation, completion) plus the array's brackets, one per line.
      const text = readFileSync(join(out, 'history.json'), 'utf8');
      let lines = 0;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
      expect(lines).toBe(2_000_001);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('history.json reads back as the same history (dslab check can re-check a run)', () => {
    const out = mkdtempSync(join(tmpdir(), 'dslab-jepsen-report-'));
    try {
      const report = fakeReport(5_000);
      writeJepsenReport(out, 'raft', report);
      const back = readJsonHistory(readFileSync(join(out, 'history.json'), 'utf8'));
      expect(back).toHaveLength(report.history.length);
      expect(back.filter((op) => op.outcome === 'info')).toHaveLength(report.operations.info);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
