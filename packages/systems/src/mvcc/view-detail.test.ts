import { describe, expect, it } from 'vitest';
import { anomalyTests, TESTED_LEVELS } from './anomalies';
import { sortRows } from './driver';
import { experiments } from './experiments';
import { mvccSystem } from './index';
import { runJobQueue, runScript, vacuumStory, type MvccLiveDetail } from './view-detail';

const rowsSeenBy = (frame: MvccLiveDetail, viewer: string) =>
  sortRows(
    (frame.tables[0]?.versions ?? []).filter((v) => v.visibleTo.includes(viewer)).map((v) => v.values),
  );

describe('the lab picture of the engine', () => {
  it('a session is shown seeing exactly the rows its whole-table SELECT returned, at every level', async () => {
    let compared = 0;
    for (const test of anomalyTests)
      for (const level of TESTED_LEVELS) {
        const { record, frames } = await runScript(test, level);
        expect(frames).toHaveLength(record.steps.length);
        record.steps.forEach((step, i) => {
          if (step.sql !== 'select * from test' || step.rows === undefined || step.blocked) return;
          const viewer = `s${step.session}`;
          const frame = frames[i] as MvccLiveDetail;
          if (!frame.sessions.some((s) => s.session === viewer && s.state === 'active')) return;
          expect(rowsSeenBy(frame, viewer), `${test.id} ${level} step ${i}`).toEqual(step.rows);
          compared++;
        });
        // 'now' is what a fresh statement sees: the final read after the last step.
        expect(rowsSeenBy(frames[frames.length - 1] as MvccLiveDetail, 'now'), `${test.id} ${level}`).toEqual(
          record.final,
        );
      }
    expect(compared).toBeGreaterThan(20);
  });

  it('the deadlock frame shows the cycle; the victim follows the rule', async () => {
    for (const rule of ['detector', 'least-work'] as const) {
      const { record, frames } = await runScript(experiments.deadlock, 'read committed', {
        deadlockTimeoutMs: 200,
        deadlockVictim: rule,
      });
      const cycle = frames[7] as MvccLiveDetail;
      expect(cycle.waits.map((w) => `${w.waiter}>${w.holder}`).sort()).toEqual(['s1>s2', 's2>s1']);
      const victim = record.steps.find((s) => s.error === '40P01')?.session;
      expect(victim).toBe(rule === 'detector' ? 1 : 2);
    }
  });

  it('the job queue: with SKIP LOCKED workers hold distinct jobs at once and never wait; without, they queue', () => {
    const skip = runJobQueue({ workers: 3, jobs: 9, workMs: 20, skipLocked: true, seed: 1 });
    const plain = runJobQueue({ workers: 3, jobs: 9, workMs: 20, skipLocked: false, seed: 1 });
    expect(skip.lockWaits).toBe(0);
    expect(skip.processed).toBe(9);
    expect(skip.duplicates).toBe(0);
    expect(plain.lockWaits).toBeGreaterThan(0);
    const busiest = Math.max(
      ...skip.samples.map((s) => s.workers.filter((w) => w.state === 'working').length),
    );
    expect(busiest).toBe(3);
    expect(plain.samples.some((s) => s.workers.some((w) => w.state === 'waiting'))).toBe(true);
    const last = skip.samples[skip.samples.length - 1];
    expect(last?.jobs.every((j) => j.status === 'done')).toBe(true);
    expect(last?.workers.every((w) => w.state === 'finished')).toBe(true);
  });

  it('a live run carries the mvcc detail', () => {
    const run = mvccSystem.live!(mvccSystem.params.parse({}), 1);
    run.world.runFor(200);
    const detail = run.view().detail as MvccLiveDetail;
    expect(detail.kind).toBe('mvcc');
    expect(detail.tables[0]?.versions.length).toBeGreaterThan(0);
    expect(detail.clog.length).toBeGreaterThan(0);
  });
});

describe('the VACUUM story', () => {
  it('VACUUM keeps what the long transaction sees, then removes it, then the aborted version', async () => {
    const { record } = await runScript(vacuumStory, 'read committed');
    const vacuums = record.steps
      .filter((s) => s.sql.startsWith('vacuum'))
      .map((s) => ({ removed: s.rows?.[0]?.removed, kept: s.rows?.[0]?.kept }));
    expect(vacuums).toEqual([
      { removed: 0, kept: 2 },
      { removed: 2, kept: 0 },
      { removed: 1, kept: 0 },
    ]);
    expect(record.steps[7]?.rows).toEqual([
      { id: 1, value: 10 },
      { id: 2, value: 20 },
    ]);
  });
});
