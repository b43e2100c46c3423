/**
 * The Raft paper's figure 8, scripted on three nodes: an entry of an old term reaches a majority, and a
 * later leader still overwrites it. Counting replicas commits it anyway (the mutant); Raft's rule —
 * commit by counting only entries of the leader's own term — does not.
 */
import { catchViolation, type NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { inject, scriptedCluster, waitForLeader } from './harness';

export interface Figure8Outcome {
  /** What broke, when the run stopped on a violated property. */
  readonly violation: string | undefined;
  /** The old-term write was acknowledged to its client… */
  readonly oldWriteAcknowledged: boolean;
  /** …and the value every replica ends with. */
  readonly finalValue: string | null | undefined;
  readonly steps: readonly string[];
  readonly traceHash: string;
}

export function runFigure8(seed: number, mutant: boolean): Figure8Outcome {
  const cluster = scriptedCluster(
    { noopOnElection: false, ...(mutant ? { mutant: 'commit-old-term-by-count' } : {}) },
    seed,
    { logMatchingEvery: 1 },
  );
  const { world, servers } = cluster;
  const steps: string[] = [];
  let acknowledged = false;
  world.onTrace((event) => {
    if (event.kind !== 'send' || event.to !== 'c1') return;
    const msg = event.msg as { type: string; seq?: number; result?: { ok: boolean } };
    if (msg.type === 'response' && msg.seq === 1 && msg.result?.ok) acknowledged = true;
  });
  const others = (...ids: NodeId[]) => servers.filter((id) => !ids.includes(id));
  const violation = catchViolation(() => {
    const first = waitForLeader(cluster);
    if (!first) throw new Error('figure 8: no first leader');
    const s1 = first.id;
    world.network.partition([[s1], others(s1)]);
    inject(cluster, s1, 'c1', { f: 'put', key: 'x', value: `written in term ${first.term}` }, 1);
    world.runFor(5);
    world.crash(s1);
    world.network.heal();
    steps.push(`${s1} leads term ${first.term}, takes a write alone and crashes`);

    const second = waitForLeader(cluster, 5_000, others(s1));
    if (!second) throw new Error('figure 8: no second leader');
    const s2 = second.id;
    const s3 = others(s1, s2)[0] as NodeId;
    world.network.partition([[s2], others(s2)]);
    inject(cluster, s2, 'c1', { f: 'put', key: 'x', value: `written in term ${second.term}` }, 2);
    world.runFor(5);
    world.crash(s2);
    world.network.heal();
    steps.push(`${s2} leads term ${second.term}, takes another write at the same index alone and crashes`);

    world.restart(s1);
    const third = waitForLeader(cluster, 5_000, [s1]);
    if (!third) throw new Error('figure 8: the first leader was not re-elected');
    world.runFor(200);
    steps.push(
      `${s1} returns, leads term ${third.term} with ${s3} and copies its term-${first.term} entry to ${s3}: ` +
        `a majority holds it; ${s1}'s commit index is ${third.commitIndex}`,
    );
    world.crash(s1);
    world.restart(s2);
    const fourth = waitForLeader(cluster, 5_000, [s2, s3]);
    if (!fourth) throw new Error('figure 8: no fourth leader');
    steps.push(
      `${s1} crashes; ${fourth.id} (its log ends in term ${second.term}) leads term ${fourth.term} with ${s3}'s vote`,
    );
    inject(cluster, fourth.id, 'c1', { f: 'put', key: 'y', value: 'after' }, 3);
    world.runFor(500);
    world.restart(s1);
    world.runFor(1_000);
  })?.message;
  const live = cluster.liveServers();
  const values = new Set(live.map((node) => node.machine.read('x').value ?? null));
  return {
    violation,
    oldWriteAcknowledged: acknowledged,
    finalValue: values.size === 1 ? ([...values][0] as string | null) : undefined,
    steps,
    traceHash: world.traceHash(),
  };
}

export const figure8: Scenario = {
  id: 'figure-8',
  title: 'Figure 8: an entry stored on a majority can still be overwritten',
  claim: 'An entry is committed once it is stored on a majority of servers.',
  expected: 'fails',
  corrected:
    'Only an entry of the leader’s current term is committed by counting replicas; older entries commit ' +
    'indirectly, when a current-term entry after them does (Raft §5.4.2).',
  rows: ['A1'],
  run({ seed }): ScenarioResult {
    const broken = runFigure8(seed, true);
    const correct = runFigure8(seed, false);
    const mutantBroke = broken.violation !== undefined;
    return {
      observed: mutantBroke && correct.violation === undefined ? 'fails' : 'holds',
      summary: mutantBroke
        ? `Counting replicas committed the old-term entry${broken.oldWriteAcknowledged ? ' and acknowledged it to the client' : ''}; a later leader overwrote it: ${broken.violation}. With Raft's rule the same script ends with every replica agreeing and no acknowledged write lost.`
        : 'The script did not reproduce figure 8 with this seed.',
      measurements: {
        mutantViolations: mutantBroke ? 1 : 0,
        correctViolations: correct.violation === undefined ? 0 : 1,
        mutantAcknowledgedOldWrite: broken.oldWriteAcknowledged ? 1 : 0,
        correctAcknowledgedOldWrite: correct.oldWriteAcknowledged ? 1 : 0,
      },
      tables: [
        {
          title: 'The script (counting replicas of old terms)',
          columns: ['step', 'what happened'],
          rows: broken.steps.map((step, i) => [i + 1, step]),
        },
      ],
      counterexample: { steps: broken.steps, violation: broken.violation },
      traceHash: broken.traceHash + correct.traceHash,
    };
  },
};
