/** The consistent-hashing claims of CLAIMS.md D1, each measured on generated keys. */
import { murmur3 } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../contract';
import { ConsistentHashRing } from './ring';
import {
  jumpPlacement,
  moduloPlacement,
  rendezvousPlacement,
  ringPlacement,
  type Placement,
} from './placement';
import { loadPerNode, loadSpread, movedFraction } from './measures';

const keys = (count: number, seed: number) => Array.from({ length: count }, (_, i) => `key-${seed}-${i}`);
const nodeNames = (count: number, prefix = 'node') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const pct = (x: number | undefined) => `${((x ?? NaN) * 100).toFixed(1)}%`;
const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One membership change on n nodes named node-0…: the next node joins, or the last one leaves. */
function changeOnN(
  make: () => Placement,
  n: number,
  keyList: readonly string[],
  change: 'add' | 'remove-last',
) {
  const names = nodeNames(n + 1);
  return movedFraction(
    make,
    names.slice(0, n),
    keyList,
    change === 'add' ? { add: names[n] as string } : { remove: names[n - 1] as string },
  );
}

export const addNodeMovesOneOverN: Scenario = {
  id: 'add-node-moves-1-over-n',
  title: 'Adding a node moves about 1/(N+1) of the keys, all into the new node',
  claim:
    'Adding a node to N moves ≈ 1/(N + 1) of the keys, all into the new node; with one token per node the share varies widely, with vnodes it concentrates.',
  expected: 'holds',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 20_000 : 100_000, seed);
    const rows: (string | number)[][] = [];
    let worst = 0;
    let allIntoNew = true;
    for (const n of quick ? [2, 5, 10, 50] : [2, 5, 10, 20, 50, 100]) {
      const result = changeOnN(() => ringPlacement(150), n, keyList, 'add');
      rows.push([n, round(result.moved), round(1 / (n + 1)), round(result.intoNewShare)]);
      worst = Math.max(worst, Math.abs(result.moved - 1 / (n + 1)) * (n + 1));
      if (result.intoNewShare !== 1) allIntoNew = false;
    }
    // How much the new node's share varies with its name, 1 token vs 150 vnodes (10 → 11 nodes).
    const shareSpread = (vnodes: number) => {
      const shares: number[] = [];
      for (let trial = 0; trial < (quick ? 10 : 30); trial++) {
        const ring = new ConsistentHashRing(vnodes);
        for (const name of nodeNames(10, `t${trial}`)) ring.add(name);
        ring.add(`new-${trial}`);
        shares.push(
          (loadPerNode(ring, ring.nodeIds(), keyList.slice(0, 10_000)).get(`new-${trial}`) ?? 0) / 10_000,
        );
      }
      return loadSpread(shares).cv;
    };
    const cvOne = shareSpread(1);
    const cvMany = shareSpread(150);
    const holds = worst < 0.35 && allIntoNew && cvMany < cvOne / 3;
    return {
      observed: holds ? 'holds' : 'fails',
      summary: `With 150 vnodes the moved fraction stayed within ${(worst * 100).toFixed(0)}% of 1/(N+1) for every N, all into the new node; the new node's share varies ${(cvOne * 100).toFixed(0)}% (CV) with one token vs ${(cvMany * 100).toFixed(0)}% with 150 vnodes.`,
      measurements: {
        worstRelativeError: worst,
        newNodeShareCvOneToken: cvOne,
        newNodeShareCv150Vnodes: cvMany,
      },
      tables: [
        {
          title: 'Keys moved when adding one node (ring, 150 vnodes)',
          columns: ['N', 'moved', '1/(N+1)', 'share into new node'],
          rows,
        },
      ],
    };
  },
};

export const moduloMovesNearlyAll: Scenario = {
  id: 'modulo-moves-nearly-all',
  title: 'Modulo hashing moves N/(N+1) of the keys',
  claim: 'Modulo hashing moves all keys when a node is added.',
  expected: 'partly',
  corrected:
    'It moves N/(N + 1) of them (91% from 10 to 11 nodes): nearly all, not all. Ring, jump and rendezvous hashing move about 1/(N + 1).',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 20_000 : 100_000, seed);
    const strategies: [string, () => Placement][] = [
      ['modulo', moduloPlacement],
      ['ring 150 vnodes', () => ringPlacement(150)],
      ['jump', jumpPlacement],
      ['rendezvous', rendezvousPlacement],
    ];
    const rows: (string | number)[][] = [];
    const at10 = new Map<string, number>();
    for (const n of quick ? [2, 10, 50] : [2, 5, 10, 20, 50, 100]) {
      const row: (string | number)[] = [n];
      for (const [name, make] of strategies) {
        const moved = changeOnN(make, n, keyList, 'add').moved;
        row.push(round(moved));
        if (n === 10) at10.set(name, moved);
      }
      row.push(round(n / (n + 1)));
      rows.push(row);
    }
    const moduloAt10 = at10.get('modulo') as number;
    const nearlyAll = Math.abs(moduloAt10 - 10 / 11) < 0.02;
    return {
      observed: nearlyAll && moduloAt10 < 1 ? 'partly' : moduloAt10 >= 0.999 ? 'holds' : 'fails',
      summary: `From 10 to 11 nodes modulo hashing moved ${(moduloAt10 * 100).toFixed(1)}% of keys (N/(N+1) = 90.9%), not all of them; the ring moved ${pct(at10.get('ring 150 vnodes'))}, jump ${pct(at10.get('jump'))} and rendezvous ${pct(at10.get('rendezvous'))} (1/(N+1) = 9.1%).`,
      measurements: {
        moduloMovedAt10: moduloAt10,
        ringMovedAt10: at10.get('ring 150 vnodes') as number,
        jumpMovedAt10: at10.get('jump') as number,
        rendezvousMovedAt10: at10.get('rendezvous') as number,
      },
      tables: [
        {
          title: 'Fraction of keys moved when adding one node',
          columns: ['N', ...strategies.map(([n]) => n), 'N/(N+1)'],
          rows,
        },
      ],
    };
  },
};

export const vnodesEvenLoad: Scenario = {
  id: 'vnodes-even-load',
  title: 'Virtual nodes even out load as 1/√vnodes; weights follow capacity',
  claim: 'Vnodes make load even.',
  expected: 'partly',
  corrected:
    'Imbalance falls roughly as 1/√(vnodes) and never reaches zero; heterogeneous nodes need vnode counts (weights) proportional to capacity.',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 20_000 : 100_000, seed);
    const rows: (string | number)[][] = [];
    const cvs: [number, number][] = [];
    for (const vnodes of quick ? [1, 10, 100, 500] : [1, 10, 50, 100, 150, 256, 500, 1000]) {
      const ring = new ConsistentHashRing(vnodes);
      for (const name of nodeNames(10)) ring.add(name);
      const { maxOverMean, cv } = loadSpread(loadPerNode(ring, ring.nodeIds(), keyList).values());
      cvs.push([vnodes, cv]);
      rows.push([vnodes, round(maxOverMean, 3), round(cv, 3), round(cv * Math.sqrt(vnodes), 3)]);
    }
    const weighted = new ConsistentHashRing(150);
    for (const name of nodeNames(4)) weighted.add(name);
    weighted.add('big', 2);
    const counts = loadPerNode(weighted, weighted.nodeIds(), keyList);
    const small = nodeNames(4).reduce((sum, n) => sum + (counts.get(n) ?? 0), 0) / 4;
    const bigRatio = (counts.get('big') ?? 0) / small;
    const first = cvs[0] as [number, number];
    const last = cvs[cvs.length - 1] as [number, number];
    const falls = last[1] < first[1] / 5;
    const notZero = last[1] > 0.001;
    return {
      observed: falls && notZero && Math.abs(bigRatio - 2) < 0.3 ? 'partly' : 'fails',
      summary: `Load CV fell from ${(first[1] * 100).toFixed(1)}% with 1 vnode to ${(last[1] * 100).toFixed(1)}% with ${last[0]}; CV·√vnodes stays roughly flat. A weight-2 node got ${bigRatio.toFixed(2)}× a weight-1 node's keys.`,
      measurements: { cvOneVnode: first[1], cvMostVnodes: last[1], weightTwoRatio: bigRatio },
      tables: [
        {
          title: 'Load spread over 10 nodes by vnodes per node',
          columns: ['vnodes', 'max/mean', 'CV', 'CV·√vnodes'],
          rows,
        },
      ],
    };
  },
};

export const removedNodeSpreads: Scenario = {
  id: 'removed-node-spreads',
  title: "With vnodes a removed node's keys spread over many nodes",
  claim: "With vnodes, a removed node's keys spread over many nodes rather than one neighbour.",
  expected: 'holds',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 20_000 : 100_000, seed);
    const receivers = (vnodes: number) => {
      const ring = new ConsistentHashRing(vnodes);
      for (const name of nodeNames(20)) ring.add(name);
      const before = keyList.map((k) => ring.owner(k));
      ring.remove('node-7');
      const got = new Set<string>();
      keyList.forEach((k, i) => {
        if (before[i] === 'node-7') got.add(ring.owner(k));
      });
      return got.size;
    };
    const one = receivers(1);
    const many = receivers(150);
    return {
      observed: one === 1 && many >= 15 ? 'holds' : 'fails',
      summary: `Removing one of 20 nodes: its keys went to ${one} node with one token each, to ${many} of the 19 others with 150 vnodes.`,
      measurements: { receiversOneToken: one, receivers150Vnodes: many },
    };
  },
};

export const lookupIsLogarithmic: Scenario = {
  id: 'lookup-is-logarithmic',
  title: 'Lookup costs O(log(N·V)) comparisons',
  claim: 'Lookup is O(log(N·V)) by binary search.',
  expected: 'holds',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 2_000 : 20_000, seed);
    const rows: (string | number)[][] = [];
    let worst = 0;
    for (const n of quick ? [10, 100] : [10, 100, 1000]) {
      for (const vnodes of [1, 150]) {
        const ring = new ConsistentHashRing(vnodes);
        for (const name of nodeNames(n)) ring.add(name);
        ring.lookupSteps = 0;
        for (const key of keyList) ring.ownerBySearch(key);
        const perLookup = ring.lookupSteps / keyList.length;
        const log = Math.log2(ring.pointCount);
        worst = Math.max(worst, Math.abs(perLookup / log - 1));
        rows.push([n, vnodes, ring.pointCount, round(perLookup, 2), round(log, 2)]);
      }
    }
    return {
      observed: worst < 0.15 ? 'holds' : 'fails',
      summary: `Comparisons per lookup stayed within ${(worst * 100).toFixed(1)}% of log₂(points) from 10 to ${quick ? 15_000 : 150_000} points.`,
      measurements: { worstDeviationFromLog2: worst },
      tables: [
        {
          title: 'Binary-search comparisons per lookup',
          columns: ['nodes', 'vnodes', 'points', 'comparisons', 'log₂(points)'],
          rows,
        },
      ],
    };
  },
};

export const hotKeyStaysHot: Scenario = {
  id: 'hot-key-stays-on-one-node',
  title: 'A hot key stays on one node whatever the vnodes; salting spreads it at a read cost',
  claim:
    'A hot key stays on one node whatever the vnodes; salting it into k keys spreads the load and makes reads scatter-gather and writes fan out.',
  expected: 'holds',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const requests = quick ? 20_000 : 100_000;
    const hotShare = 0.3;
    const rows: (string | number)[][] = [];
    let minHotNodeShare = 1;
    for (const vnodes of [1, 150, 1000]) {
      const ring = new ConsistentHashRing(vnodes);
      for (const name of nodeNames(10)) ring.add(name);
      const counts = new Map<string, number>();
      for (let i = 0; i < requests; i++) {
        const key = murmur3(`${seed}:${i}`) / 2 ** 32 < hotShare ? 'celebrity' : `key-${seed}-${i}`;
        const owner = ring.owner(key);
        counts.set(owner, (counts.get(owner) ?? 0) + 1);
      }
      const max = Math.max(...counts.values()) / requests;
      minHotNodeShare = Math.min(minHotNodeShare, max);
      rows.push([`${vnodes} vnodes`, 1, round(max, 3), 1]);
    }
    const ring = new ConsistentHashRing(150);
    for (const name of nodeNames(10)) ring.add(name);
    const k = 10;
    const counts = new Map<string, number>();
    for (let i = 0; i < requests; i++) {
      const hot = murmur3(`${seed}:${i}`) / 2 ** 32 < hotShare;
      const key = hot ? `celebrity#${i % k}` : `key-${seed}-${i}`;
      const owner = ring.owner(key);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    const salted = Math.max(...counts.values()) / requests;
    const distinct = new Set(Array.from({ length: k }, (_, i) => ring.owner(`celebrity#${i}`))).size;
    rows.push([`150 vnodes, salted ×${k}`, distinct, round(salted, 3), k]);
    return {
      observed: minHotNodeShare >= hotShare && salted < minHotNodeShare * 0.7 ? 'holds' : 'fails',
      summary: `With 30% of requests on one key, the busiest node carried ≥ ${(minHotNodeShare * 100).toFixed(0)}% whatever the vnodes; salting into ${k} keys (on ${distinct} distinct nodes) cut it to ${(salted * 100).toFixed(0)}%, and each read of the key now asks ${k} sub-keys.`,
      measurements: {
        busiestNodeShareUnsalted: minHotNodeShare,
        busiestNodeShareSalted: salted,
        distinctNodesForSaltedKey: distinct,
      },
      tables: [
        {
          title: 'Busiest node share with a key taking 30% of requests (10 nodes)',
          columns: ['placement', 'nodes holding the hot key', 'busiest node share', 'reads per hot-key read'],
          rows,
        },
      ],
    };
  },
};

export const replicasDistinctNodes: Scenario = {
  id: 'replicas-next-distinct-nodes',
  title: 'Replicas are the next R distinct physical nodes, not the next R points',
  claim: 'Replicas go to the next R clockwise nodes.',
  expected: 'partly',
  corrected:
    'With vnodes the next R points often belong to the same physical node; replicas must be the next R distinct physical nodes (and racks).',
  rows: ['D1'],
  run({ seed, quick }): ScenarioResult {
    const keyList = keys(quick ? 5_000 : 50_000, seed);
    const ring = new ConsistentHashRing(150);
    for (const name of nodeNames(5)) ring.add(name);
    let naiveDuplicates = 0;
    let distinctDuplicates = 0;
    for (const key of keyList) {
      if (new Set(ring.nextPoints(key, 3)).size < 3) naiveDuplicates++;
      if (new Set(ring.replicas(key, 3)).size < 3) distinctDuplicates++;
    }
    const naive = naiveDuplicates / keyList.length;
    return {
      observed: naive > 0.1 && distinctDuplicates === 0 ? 'partly' : 'fails',
      summary: `On 5 nodes × 150 vnodes, taking the next 3 points put two replicas on the same machine for ${(naive * 100).toFixed(1)}% of keys; walking to the next 3 distinct nodes, for ${distinctDuplicates}.`,
      measurements: { naiveSameNodeFraction: naive, distinctWalkSameNode: distinctDuplicates },
    };
  },
};

export const hashringScenarios: readonly Scenario[] = [
  addNodeMovesOneOverN,
  moduloMovesNearlyAll,
  vnodesEvenLoad,
  removedNodeSpreads,
  lookupIsLogarithmic,
  hotKeyStaysHot,
  replicasDistinctNodes,
];
