import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng, SimDisk } from '@dslab/sim';
import { LsmTree, type Compaction } from './lsm';
import { lsmSystem } from './index';
import { writePathExperiment } from './scenarios';
import { encodeWalRecord, readWal } from './codec';

describe('LSM tree', () => {
  it.each<Compaction>(['leveled', 'size-tiered', 'none'])(
    '%s: reads always return the latest write, deletes included, across flushes and compactions',
    (compaction) => {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.string({ maxLength: 6 }), { nil: null })),
            { maxLength: 400 },
          ),
          (writes) => {
            const lsm = new LsmTree({ compaction, memtableEntries: 8, fanout: 3, tierSize: 3, l0Trigger: 2 });
            const reference = new Map<string, string>();
            for (const [k, value] of writes) {
              const key = `k${String(k).padStart(3, '0')}`;
              if (value === null) {
                lsm.delete(key);
                reference.delete(key);
              } else {
                lsm.put(key, value);
                reference.set(key, value);
              }
            }
            for (let k = 0; k <= 40; k++) {
              const key = `k${String(k).padStart(3, '0')}`;
              expect(lsm.get(key)).toBe(reference.get(key));
            }
          },
        ),
      );
    },
  );

  it('a crash keeps exactly what was synced: the WAL brings back the synced memtable, runs and manifest the rest', () => {
    const disk = new SimDisk();
    const lsm = new LsmTree({ memtableEntries: 100 }, disk);
    for (let i = 0; i < 250; i++) lsm.put(`k${i}`, `v${i}`);
    lsm.sync();
    for (let i = 250; i < 260; i++) lsm.put(`k${i}`, `v${i}`); // never synced
    disk.crash(new Rng(1));
    const reopened = new LsmTree({ memtableEntries: 100 }, disk);
    expect(reopened.recovery.walRecords).toBe(50);
    expect(reopened.recovery.runsLoaded).toBeGreaterThan(0);
    for (let i = 0; i < 250; i++) expect(reopened.get(`k${i}`)).toBe(`v${i}`);
    for (let i = 250; i < 260; i++) expect(reopened.get(`k${i}`)).toBeUndefined();
  });

  it('WAL replay stops at a torn or corrupt record and keeps every whole one before it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.string({ maxLength: 8 }), fc.option(fc.string({ maxLength: 8 }), { nil: null })),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.nat(),
        (entries, cut) => {
          const records = entries.map((entry, i) => encodeWalRecord(i + 1, entry));
          const whole = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
          let at = 0;
          for (const r of records) {
            whole.set(r, at);
            at += r.length;
          }
          const torn = whole.subarray(0, cut % (whole.length + 1));
          const replay = readWal(torn);
          let boundary = 0;
          let count = 0;
          while (count < records.length && boundary + (records[count] as Uint8Array).length <= torn.length)
            boundary += (records[count++] as Uint8Array).length;
          expect(replay.records.map((r) => r.entry)).toEqual(entries.slice(0, count));
          expect(replay.ignoredBytes).toBe(torn.length - boundary);
          // A flipped bit in the last whole record ends the replay before it.
          if (count > 0) {
            const corrupt = torn.slice();
            corrupt[boundary - 1] = (corrupt[boundary - 1] as number) ^ 1;
            expect(readWal(corrupt).records).toHaveLength(count - 1);
          }
        },
      ),
    );
  });
});

/** Broken trees the crash experiment must catch, each a bug real storage engines have had. */
class AcknowledgesWithoutSync extends LsmTree {
  override sync(): void {
    this.stats.syncs++; // says durable, is not
  }
}

class AppendsAfterATornTail extends LsmTree {
  protected override logAfterRecovery(replayed: readonly number[]): number {
    return replayed.length > 0 ? (replayed[replayed.length - 1] as number) : super.logAfterRecovery(replayed);
  }
}

class DropsTheWalBeforeTheManifest extends LsmTree {
  protected override commit(logNumber: number): void {
    // "The run is written, so its log can go" — before the manifest naming the run is durable.
    for (const name of this.disk.list())
      if (name.endsWith('.log') && Number(name.slice(0, -4)) < logNumber) this.disk.remove(name);
    this.disk.sync();
    super.commit(logNumber);
  }
}

class RemovesReplacedRunsFirst extends LsmTree {
  protected override commit(logNumber: number): void {
    this.dropReplaced(logNumber); // old runs and logs gone while the old manifest still names them
    this.disk.sync();
    super.commit(logNumber);
  }
}

describe('LSM write path under crashes', () => {
  const options = { compaction: 'leveled' as const, memtableEntries: 1_000 };

  it('the real tree: no acknowledged write lost or doubled, nothing unwritten appears, across every crash', () => {
    const run = writePathExperiment(3, 20_000);
    expect(run.crashes).toBeGreaterThan(20);
    for (const count of Object.values(run.crashesBy)) expect(count).toBeGreaterThan(0);
    expect(run.violations, JSON.stringify(run.counterexample)).toBe(0);
    expect(run.unackedLost).toBeGreaterThan(0); // the experiment did lose unsynced writes
    expect(run.tornBytesSkipped).toBeGreaterThan(0); // and tore WAL tails
    expect(run.walAmplification).toBeGreaterThan(1);
    expect(run.verdict).toBe('holds');
  });

  it.each([
    ['acknowledges without syncing', AcknowledgesWithoutSync],
    ['appends after a torn WAL tail', AppendsAfterATornTail],
    ['drops the WAL before the manifest is durable', DropsTheWalBeforeTheManifest],
    ['removes replaced runs before the manifest is durable', RemovesReplacedRunsFirst],
  ] as const)('a tree that %s loses acknowledged writes, and the experiment says so', (_name, Broken) => {
    const run = writePathExperiment(3, 20_000, (disk) => new Broken(options, disk));
    expect(run.violations).toBeGreaterThan(0);
    expect(run.verdict).toBe('fails');
  });
});

describe('LSM scenarios', () => {
  it('the README names every scenario the system ships, and no scenario id that does not exist', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const ids = lsmSystem.scenarios.map((s) => s.id);
    for (const id of ids) expect(readme, id).toContain(id);
    const named = [...readme.matchAll(/`([a-z0-9.]+(?:-[a-z0-9.]+){2,})`/g)].map((m) => m[1]);
    expect(named.filter((id) => !ids.includes(id as string))).toEqual([]);
  });

  // Every scenario's verdict in quick mode at seed 1 is asserted by registry.test.ts.
});
