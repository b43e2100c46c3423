/** Storage claims: log compaction keeps the latest value per key only in the cleaned part, lazily. */
import type { Scenario } from '../../contract';
import { TOPIC } from '../cluster';
import type { LogRecord } from '../log';
import { partitionId } from '../messages';
import { leaderLog, round, runCluster } from './support';

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

export const retentionOutrunsConsumer: Scenario = {
  id: 'retention-outruns-consumer',
  title: 'Retention deletes by age or size whether or not a group has read the records',
  claim:
    'Retention deletes old segments by time or size regardless of consumers: a group further behind than retention loses records.',
  expected: 'holds',
  rows: ['G1'],
  run: ({ seed, quick }) => {
    const ms = quick ? 1_500 : 3_000;
    const measure = (policy: 'time' | 'size') => {
      // The group starts late (a consumer outage), with a backlog older or larger than the topic keeps.
      const cluster = runCluster(
        {
          partitions: 1,
          producers: 1,
          consumers: 1,
          segmentRecords: 50,
          sendIntervalMs: 2,
          durationMs: ms,
          ...(policy === 'time' ? { retentionMs: 300 } : { retentionRecords: 100 }),
        },
        seed,
        0,
        { consumersAt: ms / 2 },
      );
      cluster.world.runFor(ms);
      const log = leaderLog(cluster, TOPIC, 0);
      let acknowledged = 0;
      let never = 0;
      for (const op of cluster.recorder.history()) {
        if (op.type !== 'send' || op.outcome !== 'ok') continue;
        acknowledged++;
        if (
          (cluster.effects.get(op.value) ?? 0) === 0 &&
          op.offset !== undefined &&
          op.offset < (log[0]?.offset ?? Infinity)
        )
          never++;
      }
      const state = cluster.controller().partition(partitionId(TOPIC, 0));
      const replica = state?.leader !== undefined ? cluster.broker(state.leader).log(TOPIC, 0) : undefined;
      return {
        acknowledged,
        never,
        logStart: replica?.logStart ?? 0,
        removed: replica?.removedByRetention ?? 0,
      };
    };
    const time = measure('time');
    const size = measure('size');
    const holds = time.never > 0 && size.never > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `A group that started ${ms / 2} ms late: with retention.ms = 300 the log started at offset ${time.logStart} (${time.removed} records deleted) and ${time.never} acknowledged records were never processed; ` +
        `keeping at most 100 records, the log started at ${size.logStart} and ${size.never} were never processed.`,
      measurements: {
        timeNeverProcessed: time.never,
        timeLogStart: time.logStart,
        timeRemoved: time.removed,
        sizeNeverProcessed: size.never,
        sizeLogStart: size.logStart,
        sizeRemoved: size.removed,
      },
    };
  },
};

export const storageScenarios: readonly Scenario[] = [compactionLingers, retentionOutrunsConsumer];
