/** Storage claims: log compaction keeps the latest value per key only in the cleaned part, lazily. */
import type { Scenario } from '../../contract';
import { TOPIC } from '../cluster';
import type { LogRecord } from '../log';
import { partitionId } from '../messages';
import { round, runCluster } from './support';

export const compactionLingers: Scenario = {
  id: 'compaction-lingers',
  title: 'Log compaction keeps only the latest value per key — eventually, and never in the active segment',
  claim: 'Log compaction keeps only the latest value per key.',
  expected: 'partly',
  corrected:
    'The cleaner compacts only closed segments, and only once their dirty share passes min.cleanable.dirty.ratio: the active segment and the not-yet-dirty-enough part keep old values, so a reader of the whole log still sees superseded values.',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 800 : 2_000;
    const cluster = runCluster(
      {
        partitions: 1,
        producers: 1,
        consumers: 0,
        compacted: true,
        keys: 8,
        segmentRecords: 50,
        sendIntervalMs: 1,
        durationMs: ms,
      },
      seed,
      ms,
    );
    const state = cluster.controller().partition(partitionId(TOPIC, 0));
    const log = state?.leader !== undefined ? cluster.broker(state.leader).log(TOPIC, 0) : undefined;
    const records: readonly LogRecord[] = log?.all() ?? [];
    const activeStart = log?.activeSegmentStart ?? 0;
    const latest = new Map<string, number>();
    for (const r of records) if (r.key !== null) latest.set(r.key, r.offset);
    const superseded = (r: LogRecord): boolean => r.key !== null && latest.get(r.key) !== r.offset;
    let oldInActive = 0;
    let oldInClosed = 0;
    let closed = 0;
    for (const r of records) {
      if (r.offset < activeStart) closed++;
      if (!superseded(r)) continue;
      if (r.offset >= activeStart) oldInActive++;
      else oldInClosed++;
    }
    const written = log?.endOffset ?? 0;
    const removed = log?.removedByCompaction ?? 0;
    const partly = removed > 0 && oldInActive + oldInClosed > 0;
    return {
      observed: partly ? 'partly' : removed === 0 ? 'fails' : 'holds',
      summary:
        `${written} writes to ${latest.size} keys: the cleaner ran ${log?.cleanerRuns ?? 0} times and removed ${removed} records, ` +
        `yet ${oldInActive + oldInClosed} superseded values are still in the log (${oldInActive} in the active segment, which is never cleaned; ${oldInClosed} in cleaned segments, superseded by values in the active segment the cleaner does not read).`,
      measurements: {
        written,
        keys: latest.size,
        removedByCompaction: removed,
        cleanerRuns: log?.cleanerRuns ?? 0,
        supersededInActive: oldInActive,
        supersededInClosed: oldInClosed,
        recordsLeft: records.length,
        closedRecords: closed,
        dirtyRatio: round(log?.dirtyRatio() ?? 0),
      },
      traceHash: cluster.world.traceHash(),
    };
  },
};

export const storageScenarios: readonly Scenario[] = [compactionLingers];
