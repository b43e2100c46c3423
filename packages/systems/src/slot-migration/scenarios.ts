/** Live resharding, measured: redirects seen by clients, and the checker's verdict on what they saw. */
import type { Scenario, ScenarioResult } from '../contract';
import { buildSlotCluster, runSlotCluster, slotParams, type SlotParams } from './cluster';

/** Heavy enough that migrations overlap many operations on the keys being moved. */
export const stressParams: Partial<SlotParams> = {
  nodes: 2,
  clients: 16,
  opsPerSecond: 2_000,
  tags: 2,
  keysPerTag: 10,
  migrations: 8,
  stepMs: 20,
  latencyMs: 1,
  jitterMs: 40,
};

export const liveSlotMigration: Scenario = {
  id: 'live-slot-migration',
  title: 'Live slot migration while clients keep writing and reading',
  claim:
    'Redis Cluster moves a slot key by key while clients keep going: MOVED and ASK redirects send them to the right node, no write is lost, and every read returns the latest acknowledged value.',
  expected: 'holds',
  rows: ['D2'],
  run({ seed, quick }): ScenarioResult {
    const runs = quick ? 3 : 10;
    let operations = 0;
    let violations = 0;
    let mutantViolations = 0;
    let misplaced = 0;
    const redirects = { moved: 0, ask: 0, tryagain: 0 };
    let migrations = 0;
    let hash = '';
    let counterexample: unknown;
    for (let i = 0; i < runs; i++) {
      const params = slotParams.parse(stressParams);
      const cluster = buildSlotCluster(params, seed * 100 + i);
      const result = runSlotCluster(cluster, params.durationMs);
      operations += result.operations;
      migrations += result.migrationsDone;
      misplaced += result.misplacedKeys;
      redirects.moved += result.redirects.moved;
      redirects.ask += result.redirects.ask;
      redirects.tryagain += result.redirects.tryagain;
      if (result.check.verdict !== 'linearizable' || result.misplacedKeys > 0 || result.finalReadsFailed > 0)
        violations++;
      hash += cluster.world.traceHash().slice(0, 4);
      const broken = slotParams.parse({ ...stressParams, mutant: 'delete-before-ack' });
      const brokenCluster = buildSlotCluster(broken, seed * 100 + i);
      const brokenResult = runSlotCluster(brokenCluster, broken.durationMs);
      if (brokenResult.check.verdict === 'not-linearizable') {
        mutantViolations++;
        const part = brokenResult.check.parts.find((p) => p.verdict === 'not-linearizable');
        const history = brokenCluster.recorder.history();
        const stuck = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
        counterexample ??= stuck && {
          seed: seed * 100 + i,
          operation: `${stuck.process} ${stuck.f} ${JSON.stringify(stuck.input)} → ${JSON.stringify(stuck.output)}`,
        };
      }
    }
    return {
      observed: violations === 0 && misplaced === 0 ? 'holds' : 'fails',
      summary:
        `${runs} runs, ${migrations} slot migrations under ${operations} client operations: ${redirects.moved} MOVED, ${redirects.ask} ASK and ${redirects.tryagain} TRYAGAIN redirects; ` +
        `${violations} runs with a lost write or a stale read (linearizability checked per key), ${misplaced} keys left on the wrong node. ` +
        `A source that deletes a key before the target acknowledges it broke linearizability in ${mutantViolations} of ${runs} runs.`,
      measurements: {
        runs,
        operations,
        migrations,
        moved: redirects.moved,
        ask: redirects.ask,
        tryagain: redirects.tryagain,
        violations,
        misplacedKeys: misplaced,
        mutantViolations,
      },
      ...(counterexample !== undefined ? { counterexample } : {}),
      traceHash: hash,
    };
  },
};

export const slotScenarios: readonly Scenario[] = [liveSlotMigration];
