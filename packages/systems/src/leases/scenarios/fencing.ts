/**
 * The paused holder (Kleppmann's "How to do distributed locking"): a GC pause longer than the TTL hits a
 * holder between its check and its write; the lease passes to another client; the paused one wakes up
 * still believing it holds the lock and sends its write. Only the storage can tell the write is stale.
 */
import type { Scenario, ScenarioResult } from '../../contract';
import { FIGURE_COLUMNS, figureRow, prefixed, runLocks } from './common';

/** TTL 300 ms, a 2×TTL pause every 1.5 s landing between a holder's check and its write. */
const pausedHolders = { ttlMs: 300, gcPauseMs: 600, gcEveryMs: 1_500 } as const;

export const pausedHolderFencing: Scenario = {
  id: 'paused-holder-fencing',
  title: 'A paused holder wakes after its lease expired: fenced and unfenced storage',
  claim:
    'A lock holder paused (GC, SIGSTOP) past its TTL wakes up believing it holds the lock: two holders. Fencing tokens checked by the storage reject the stale one.',
  expected: 'holds',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 6_000 : 30_000;
    const fenced = runLocks({ ...pausedHolders, durationMs, fence: 'max-seen' }, seed).figures;
    const unfenced = runLocks({ ...pausedHolders, durationMs, fence: 'none' }, seed).figures;
    const twoHolders = fenced.maxBelievers >= 2 && unfenced.maxBelievers >= 2;
    const holds = twoHolders && fenced.corrupted === 0 && fenced.refused > 0 && unfenced.corrupted > 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `With the same pauses, up to ${unfenced.maxBelievers} clients believed they held the lock at once (${unfenced.overlapMs} ms in all). ` +
        `The fencing storage refused ${fenced.refused} stale writes and applied none out of order; the storage that ignores tokens applied ${unfenced.corrupted} writes of an expired holder over a newer holder's.`,
      measurements: { ...prefixed('fenced', fenced), ...prefixed('unfenced', unfenced) },
      tables: [
        {
          title: 'Same workload and pauses, storage with and without token checks',
          columns: FIGURE_COLUMNS,
          rows: [figureRow('storage checks tokens', fenced), figureRow('storage ignores tokens', unfenced)],
        },
      ],
      traceHash: unfenced.traceHash,
    };
  },
};

export const storageMustCheck: Scenario = {
  id: 'storage-must-check',
  title: 'Checking the lock in the client does not help: the check must be in the storage',
  claim: 'Storage that ignores tokens gives no protection: the check must be in the storage.',
  expected: 'holds',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 6_000 : 30_000;
    // Before every write the client checks its lease by its own clock AND asks the lease service.
    const careful = { ...pausedHolders, durationMs, checkWithService: true };
    const ignoring = runLocks({ ...careful, fence: 'none' }, seed).figures;
    const checking = runLocks({ ...careful, fence: 'max-seen' }, seed).figures;
    const holds = ignoring.corrupted > 0 && checking.corrupted === 0;
    return {
      observed: holds ? 'holds' : 'fails',
      summary:
        `Clients that checked their lease with the lease service right before every write, and sent their token, still had ${ignoring.corrupted} stale writes applied over newer ones by a storage that ignores tokens; ` +
        `the same clients against a storage that checks tokens: ${checking.corrupted} (${checking.refused} refused). A pause after the check defeats any check made before the write.`,
      measurements: { ...prefixed('ignoring', ignoring), ...prefixed('checking', checking) },
      tables: [
        {
          title: 'Clients check with the lease service before each write',
          columns: FIGURE_COLUMNS,
          rows: [figureRow('storage ignores tokens', ignoring), figureRow('storage checks tokens', checking)],
        },
      ],
      traceHash: ignoring.traceHash,
    };
  },
};

export const termCasFencing: Scenario = {
  id: 'term-cas-fences-takeover-only',
  title: 'A term column elects one winner, but only fences data writes that name the term',
  claim: 'Fencing with `UPDATE shard SET leader=$me, term=term+1 WHERE term=$seen` makes leadership safe.',
  expected: 'partly',
  corrected:
    'The compare-and-set elects exactly one winner per term, but it only fences the takeover: a deposed leader that wakes from a pause still writes data unless every data write also says `AND term = $mine`.',
  rows: ['A2'],
  run({ seed, quick }): ScenarioResult {
    const durationMs = quick ? 6_000 : 30_000;
    // Four clients race for the row; a leader renews with `WHERE term=$mine` and lets go after 700 ms.
    const race = { ...pausedHolders, durationMs, protocol: 'term-cas', clients: 4 } as const;
    const plain = runLocks({ ...race, fence: 'none' }, seed);
    const guarded = runLocks({ ...race, fence: 'current-term' }, seed);
    const winners = Math.max(
      plain.cluster.ledger.maxWinnersPerTerm(),
      guarded.cluster.ledger.maxWinnersPerTerm(),
    );
    const terms = plain.cluster.ledger.terms;
    const lostRaces = plain.cluster.world.node<{ takeoversRefused: number }>('storage').takeoversRefused;
    const oneWinner = winners === 1 && terms > 1;
    const partly = oneWinner && plain.figures.corrupted > 0 && guarded.figures.corrupted === 0;
    return {
      observed: partly ? 'partly' : oneWinner ? 'holds' : 'fails',
      summary:
        `${terms} terms were taken over, each by exactly ${winners} client (${lostRaces} takeovers lost the compare-and-set). ` +
        `Data writes without the term check: ${plain.figures.corrupted} writes of a deposed leader applied over its successor's; with \`AND term=$mine\`: ${guarded.figures.corrupted} (${guarded.figures.refused} refused).`,
      measurements: {
        terms,
        'most winners in one term': winners,
        'takeovers that lost the race': lostRaces,
        ...prefixed('unguarded', plain.figures),
        ...prefixed('guarded', guarded.figures),
      },
      tables: [
        {
          title: 'Term-CAS leadership, data writes with and without the term',
          columns: FIGURE_COLUMNS,
          rows: [
            figureRow('data writes without the term', plain.figures),
            figureRow('data writes with AND term = $mine', guarded.figures),
          ],
        },
      ],
      traceHash: plain.figures.traceHash,
    };
  },
};
