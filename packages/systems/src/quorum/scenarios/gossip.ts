/**
 * Gossip reaches N nodes in O(log N) rounds: the store's membership gossip (push-pull with one random
 * peer per round) measured as a node joins clusters of growing size, against Pittel's bound for push
 * gossip, log₂ N + ln N + O(1) rounds (Pittel 1987, "On spreading a rumor"); push-pull is faster still
 * (Karp, Schindelhauer, Shenker, Vöcking 2000).
 */
import { World, type Env, type NodeId, type SimNode } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import { Membership } from '../membership';
import type { GossipMessage } from '../messages';
import { round } from './support';

const GOSSIP_MS = 100;

/** A node that runs only the store's membership gossip (the same class the store's nodes run). */
class GossipNode implements SimNode<GossipMessage> {
  readonly membership: Membership;
  constructor(env: Env<GossipMessage>, known: readonly NodeId[]) {
    this.membership = new Membership(env, known, 1, { gossipMs: GOSSIP_MS, failAfterMs: 100 * GOSSIP_MS });
  }
  onMessage(from: NodeId, msg: GossipMessage): void {
    this.membership.onMessage(from, msg);
  }
  snapshot(): unknown {
    return { members: this.membership.size };
  }
}

/** Rounds until every one of `n` established nodes knows a node that joined knowing one seed. */
function roundsToReach(n: number, seed: number): number {
  const world = new World({ seed, network: { latency: { kind: 'uniform', min: 1, max: 3 } } });
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  for (const id of ids) world.addNode(id, (env: Env<GossipMessage>) => new GossipNode(env, ids));
  world.runFor(3 * GOSSIP_MS);
  world.addNode('joiner', (env: Env<GossipMessage>) => new GossipNode(env, ['n1']));
  const joinedAt = world.now();
  const everyoneKnows = () => ids.every((id) => world.node<GossipNode>(id).membership.knows('joiner'));
  // Checked every tenth of a round: the measurement's resolution.
  while (!everyoneKnows()) {
    if (world.now() - joinedAt > 1_000 * GOSSIP_MS) return Infinity;
    world.runFor(GOSSIP_MS / 10);
  }
  return (world.now() - joinedAt) / GOSSIP_MS;
}

export const gossipRounds: Scenario = {
  id: 'gossip-rounds',
  title: 'Gossip reaches every node in O(log N) rounds',
  claim: 'Gossip reaches N nodes in O(log N) rounds.',
  expected: 'holds',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const sizes = quick ? [8, 16, 32, 64] : [8, 16, 32, 64, 128, 256];
    const trials = quick ? 4 : 10;
    const rows: (string | number)[][] = [];
    const means: number[] = [];
    let withinBound = true;
    for (const n of sizes) {
      const samples = Array.from({ length: trials }, (_, t) => roundsToReach(n, seed * 1_000 + n * 10 + t));
      const mean = samples.reduce((a, b) => a + b, 0) / trials;
      const max = samples.reduce((a, b) => Math.max(a, b), 0);
      // Pittel's expected rounds for push gossip, plus one round for the joiner's first contact.
      const bound = Math.log2(n) + Math.log(n) + 1;
      if (mean > bound) withinBound = false;
      means.push(mean);
      rows.push([n, round(mean, 2), round(max, 1), round(Math.log2(n), 2), round(bound, 2)]);
    }
    // Logarithmic growth: from the smallest to the largest cluster, rounds grow no faster than Pittel's
    // coefficient allows (1 + ln 2 rounds per doubling of N).
    const doublings = Math.log2((sizes[sizes.length - 1] as number) / (sizes[0] as number));
    const growth = (means[means.length - 1] as number) - (means[0] as number);
    const logarithmic = growth <= doublings * (1 + Math.LN2);
    const observed = withinBound && logarithmic ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `A node joining clusters of ${sizes.join(', ')} nodes (push-pull, one random peer per ${GOSSIP_MS} ms round, ${trials} trials each) was known to all of them after ` +
        `${means.map((m) => m.toFixed(1)).join(', ')} rounds on average: ${growth.toFixed(1)} more rounds for a ${(sizes[sizes.length - 1] as number) / (sizes[0] as number)}× larger cluster, ` +
        `within Pittel's log₂ N + ln N + 1 at every size.`,
      measurements: {
        ...Object.fromEntries(sizes.map((n, i) => [`meanRoundsN${n}`, round(means[i] as number, 3)])),
        roundsGrowth: round(growth, 3),
        doublings,
      },
      tables: [
        {
          title: 'Rounds until every node knows the joiner',
          columns: ['N', 'mean rounds', 'worst', 'log₂ N', 'log₂ N + ln N + 1'],
          rows,
        },
      ],
    };
  },
};
