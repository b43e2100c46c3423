/**
 * How replicas come back together, measured: last-write-wins after a partition heals (converges, and
 * drops writes), hinted handoff during a failure (available, temporarily inconsistent), and the three
 * repair paths — handoff, read repair, Merkle-tree anti-entropy — each alone; then one anti-entropy
 * exchange taken apart: the ranges the trees found against the ranges that truly differ, and its bytes
 * against a full copy.
 */
import type { History, Operation } from '@dslab/check';
import type { NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import {
  buildQuorumCluster,
  convergenceProblem,
  divergentKeys,
  pendingHints,
  quorumParams,
  settle,
  type QuorumCluster,
  type QuorumParams,
} from '../cluster';
import { leafOf } from '../merkle';
import { entryBytes } from '../node';
import { sameState, valuesOf } from '../versions';
import { round } from './support';

/** Longest a healed cluster is given to converge (virtual ms). */
const CONVERGE_LIMIT_MS = 20_000;

function scriptedCluster(
  params: Partial<QuorumParams>,
  seed: number,
  clientNodes?: (id: NodeId) => NodeId[],
): QuorumCluster {
  // Scripted clients here overlap requests, so nothing is recorded for the checker.
  return buildQuorumCluster(quorumParams.parse(params), seed, {
    record: false,
    client: (id) => ({ workload: undefined, ...(clientNodes ? { nodes: clientNodes(id) } : {}) }),
  });
}

// ---- last-write-wins after a partition ----

interface SideWrite {
  readonly key: string;
  readonly value: string;
  readonly at: number;
}

/** The last acknowledged write per key among `ops`. */
export function lastWrites(ops: readonly Operation[]): Map<string, SideWrite> {
  const last = new Map<string, SideWrite>();
  for (const op of ops) {
    if (op.f !== 'write' || op.outcome !== 'ok') continue;
    const [key, value] = op.input as [string, string];
    const seen = last.get(key);
    if (!seen || op.ret > seen.at) last.set(key, { key, value, at: op.ret });
  }
  return last;
}

function partitionThenHeal(seed: number, quick: boolean) {
  const sideA = ['n1', 'n2'];
  const sideB = ['n3', 'n4', 'n5'];
  const params = quorumParams.parse({
    nodes: 5,
    replicas: 3,
    conflict: 'lww',
    readLevel: 'one',
    writeLevel: 'one',
    sloppy: true,
    clients: 2,
    keys: 8,
    opsPerSecond: 200,
  });
  // c1 talks to the nodes on one side, c2 to the other: each keeps being answered by its own side.
  const cluster = buildQuorumCluster(params, seed, {
    client: (id) => ({ nodes: id === 'c1' ? sideA : sideB }),
  });
  const { world } = cluster;
  const partitionAt = 300;
  const partitionMs = quick ? 1_000 : 3_000;
  world.runFor(partitionAt);
  world.network.partition([sideA, sideB]);
  world.runFor(partitionMs);
  const divergedAtHeal = divergentKeys(cluster).length;
  world.network.heal();
  cluster.phase = 'stop';
  const convergeMs = settle(cluster, CONVERGE_LIMIT_MS);
  const history: History = cluster.recorder.history();
  const during = (process: string) =>
    history.filter(
      (op) =>
        op.process.split('.')[0] === process && op.call >= partitionAt && op.ret <= partitionAt + partitionMs,
    );
  const a = lastWrites(during('c1'));
  const b = lastWrites(during('c2'));
  let contested = 0;
  let dropped = 0;
  const examples: string[] = [];
  for (const [key, wa] of a) {
    const wb = b.get(key);
    if (!wb) continue;
    contested++;
    const final = valuesOf(cluster.node(cluster.preferenceList(key)[0] as NodeId).replica(key));
    // One side's last write survived and the other's did not: that one was dropped by the merge. (When
    // neither survived, a write finishing after the heal replaced both: an ordinary overwrite.)
    for (const [kept, lost] of [
      [wa, wb],
      [wb, wa],
    ] as const)
      if (final.includes(kept.value) && !final.includes(lost.value)) {
        dropped++;
        if (examples.length < 3)
          examples.push(
            `${key}: ${lost.value} (acknowledged at ${lost.at.toFixed(0)} ms) lost to ${kept.value}`,
          );
      }
  }
  const okDuring = history.filter(
    (op) => op.outcome === 'ok' && op.call >= partitionAt && op.ret <= partitionAt + partitionMs,
  ).length;
  return {
    convergeMs,
    divergedAtHeal,
    contested,
    dropped,
    examples,
    okDuring,
    problem: convergenceProblem(cluster),
    hash: world.traceHash(),
  };
}

/** Loses the causally later write? c1 writes a; c2 reads it, then writes b with its clock `skewMs` behind. */
function causalLoss(
  seed: number,
  skewMs: number,
  trials: number,
): { lost: number; done: number; gapMs: number[] } {
  const cluster = scriptedCluster(
    { nodes: 3, replicas: 3, conflict: 'lww', sloppy: false, readRepair: 'blocking', clients: 2 },
    seed,
  );
  const { world } = cluster;
  world.clock('c2').setOffset(-skewMs);
  const c1 = cluster.client('c1');
  const c2 = cluster.client('c2');
  const finals: { key: string; later: string }[] = [];
  const gapMs: number[] = [];
  for (let i = 0; i < trials; i++) {
    const key = `causal-${i}`;
    world.at(i * 3, 'trial', () => {
      const first = c1.freshValue();
      const stampedAt = world.now();
      c1.put(key, first, 'quorum', (w) => {
        if (!w.ok) return;
        c2.get(key, 'quorum', (r) => {
          if (!r.ok || r.f !== 'get' || !r.values.includes(first)) return;
          const later = c2.freshValue();
          gapMs.push(world.now() - stampedAt);
          c2.put(key, later, 'quorum', (w2) => {
            if (w2.ok) finals.push({ key, later });
          });
        });
      });
    });
  }
  world.runFor(trials * 3 + 1_000);
  settle(cluster, CONVERGE_LIMIT_MS);
  let lost = 0;
  for (const { key, later } of finals) if (!valuesOf(cluster.node('n1').replica(key)).includes(later)) lost++;
  return { lost, done: finals.length, gapMs };
}

export const lwwReconciles: Scenario = {
  id: 'lww-reconcile',
  title: 'After a partition heals, last-write-wins converges — and silently drops writes',
  claim: 'When the partition heals, last-write-wins reconciles.',
  expected: 'partly',
  corrected:
    'Replicas do converge, to the write with the largest timestamp: every concurrent write on the other side is discarded without an error, and a causally later write is discarded too when its writer’s clock is behind by more than the time between the two writes.',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const healed = partitionThenHeal(seed, !!quick);
    const skews = quick ? [0, 5, 20, 50] : [0, 1, 2, 5, 10, 20, 50, 100];
    const trials = quick ? 40 : 200;
    const causal = skews.map((skew) => ({ skew, ...causalLoss(seed, skew, trials) }));
    const converged = healed.convergeMs !== undefined;
    const anyCausalLoss = causal.some((c) => c.lost > 0);
    // Converging is the half that holds; a dropped acknowledged write, concurrent or causally later, is the half that does not.
    const observed = !converged ? 'fails' : healed.dropped > 0 || anyCausalLoss ? 'partly' : 'holds';
    const gaps = causal.flatMap((c) => c.gapMs).sort((x, y) => x - y);
    const medianGap = gaps[Math.floor(gaps.length / 2)] ?? NaN;
    return {
      observed,
      summary:
        `A 5-node store (N = 3, ONE/ONE, sloppy) split 2 | 3 with a client on each side: ${healed.okDuring} operations succeeded during the split and ${healed.divergedAtHeal} keys had diverged; ` +
        `after healing, replicas ${converged ? `converged in ${healed.convergeMs} ms` : 'did not converge'}, and of ${healed.contested} keys written on both sides, ${healed.dropped} acknowledged writes were dropped by last-write-wins. ` +
        `A write made by a client that had just read the previous one (median ${medianGap.toFixed(1)} ms later) was lost in ${causal.map((c) => `${c.lost}/${c.done} at ${c.skew} ms`).join(', ')} of writer clock lag.`,
      measurements: {
        convergedMs: healed.convergeMs ?? -1,
        divergedKeysAtHeal: healed.divergedAtHeal,
        contestedKeys: healed.contested,
        droppedWrites: healed.dropped,
        medianCausalGapMs: round(medianGap, 2),
        ...Object.fromEntries(causal.map((c) => [`causalLostAt${c.skew}ms`, c.lost])),
      },
      tables: [
        {
          title:
            'A causally later write (c2 read c1’s write, then wrote) lost by last-write-wins, by how far c2’s clock is behind',
          columns: ['clock behind (ms)', 'later writes acknowledged', 'lost after convergence'],
          rows: causal.map((c) => [c.skew, c.done, c.lost]),
        },
      ],
      counterexample: { droppedOnHeal: healed.examples },
      traceHash: healed.hash,
    };
  },
};

// ---- hinted handoff, and each repair path alone ----

/** Writes every key once at `level` through a scripted client; returns how many were acknowledged. */
function writeAll(
  cluster: QuorumCluster,
  keys: readonly string[],
  level: 'one' | 'quorum' | 'all',
  via?: NodeId,
): { ok: number; values: Map<string, string> } {
  const client = cluster.client('c1');
  const values = new Map<string, string>();
  let ok = 0;
  let done = 0;
  keys.forEach((key, i) => {
    cluster.world.at(cluster.world.now() + i * 0.2, 'write', () => {
      const value = client.freshValue();
      client.put(
        key,
        value,
        level,
        (r) => {
          done++;
          if (r.ok) {
            ok++;
            values.set(key, value);
          }
        },
        via ? { via } : {},
      );
    });
  });
  cluster.world.runUntilCondition(() => done === keys.length, 60_000);
  return { ok, values };
}

/** Keys whose preferred replicas do not all hold the given (latest acknowledged) value. */
function keysMissing(cluster: QuorumCluster, values: ReadonlyMap<string, string>): number {
  let missing = 0;
  for (const [key, value] of values)
    if (
      cluster
        .preferenceList(key)
        .some((id) => !cluster.world.isUp(id) || !valuesOf(cluster.node(id).replica(key)).includes(value))
    )
      missing++;
  return missing;
}

function handoffDuringFailure(seed: number, keys: readonly string[], sloppy: boolean) {
  const cluster = scriptedCluster(
    { nodes: 5, replicas: 3, conflict: 'lww', sloppy, readRepair: 'off', antiEntropyMs: 0, clients: 1 },
    seed,
    () => ['n3', 'n4', 'n5'],
  );
  const { world } = cluster;
  world.crash('n1');
  world.crash('n2');
  world.runFor(cluster.params.failAfterMs + 100);
  const wrote = writeAll(cluster, keys, 'quorum');
  const hintsHeld = pendingHints(cluster);
  world.restart('n1');
  world.restart('n2');
  const missingAtRestart = keysMissing(cluster, wrote.values);
  const convergeMs = settle(cluster, CONVERGE_LIMIT_MS);
  return {
    ok: wrote.ok,
    hintsHeld,
    missingAtRestart,
    convergeMs,
    missingAfter: keysMissing(cluster, wrote.values),
  };
}

/** n1 misses a batch of writes (cut off, strict quorum, no hints); then one repair path alone brings it back. */
function repairAlone(seed: number, keys: readonly string[], path: 'read repair' | 'anti-entropy') {
  const cluster = scriptedCluster(
    {
      nodes: 3,
      replicas: 3,
      conflict: 'dvv',
      sloppy: false,
      readRepair: path === 'read repair' ? 'async' : 'off',
      antiEntropyMs: path === 'anti-entropy' ? 200 : 0,
      clients: 1,
    },
    seed,
    () => ['n2', 'n3'],
  );
  const { world } = cluster;
  world.network.partition([['n1'], ['n2', 'n3']]);
  world.runFor(cluster.params.failAfterMs + 100);
  const wrote = writeAll(cluster, keys, 'quorum');
  world.network.heal();
  world.runFor(cluster.params.failAfterMs + 100);
  const missingAtHeal = keysMissing(cluster, wrote.values);
  const start = world.now();
  if (path === 'read repair') {
    let done = 0;
    keys.forEach((key) => cluster.client('c1').get(key, 'all', () => done++));
    world.runUntilCondition(() => done === keys.length, 10_000);
    world.runFor(200);
  } else settle(cluster, CONVERGE_LIMIT_MS);
  return { missingAtHeal, missingAfter: keysMissing(cluster, wrote.values), tookMs: world.now() - start };
}

export const hintedHandoffConverges: Scenario = {
  id: 'hinted-handoff',
  title:
    'Hinted handoff keeps writes available through a failure; handoff, read repair and anti-entropy each converge replicas',
  claim:
    'Hinted handoff keeps writes available during a failure at the cost of temporary inconsistency; read repair and Merkle-tree anti-entropy converge replicas.',
  expected: 'holds',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const keys = Array.from({ length: quick ? 40 : 200 }, (_, i) => `h${i}`);
    const strict = handoffDuringFailure(seed, keys, false);
    const sloppy = handoffDuringFailure(seed, keys, true);
    const readRepair = repairAlone(seed, keys, 'read repair');
    const antiEntropy = repairAlone(seed, keys, 'anti-entropy');
    const available = sloppy.ok === keys.length && strict.ok < keys.length;
    const inconsistent = sloppy.missingAtRestart > 0;
    const repaired =
      sloppy.missingAfter === 0 &&
      readRepair.missingAfter === 0 &&
      antiEntropy.missingAfter === 0 &&
      readRepair.missingAtHeal > 0;
    const observed = available && inconsistent && repaired ? 'holds' : 'fails';
    return {
      observed,
      summary:
        `5 nodes, N = 3, two nodes down, ${keys.length} writes at QUORUM: a strict quorum acknowledged ${strict.ok}, a sloppy one ${sloppy.ok}, leaving ${sloppy.hintsHeld} hints on stand-ins; ` +
        `when the two came back ${sloppy.missingAtRestart} keys were missing from a preferred replica, and handoff alone converged them in ${sloppy.convergeMs ?? '> ' + CONVERGE_LIMIT_MS} ms. ` +
        `A replica cut off from ${readRepair.missingAtHeal} writes was brought back by read repair alone (one read of each key at ALL: ${readRepair.missingAfter} left) ` +
        `and by anti-entropy alone (${antiEntropy.missingAfter} left after ${antiEntropy.tookMs.toFixed(0)} ms).`,
      measurements: {
        writes: keys.length,
        strictAcknowledged: strict.ok,
        sloppyAcknowledged: sloppy.ok,
        hintsHeld: sloppy.hintsHeld,
        keysMissingAtRestart: sloppy.missingAtRestart,
        handoffConvergeMs: sloppy.convergeMs ?? -1,
        readRepairLeft: readRepair.missingAfter,
        antiEntropyLeft: antiEntropy.missingAfter,
        antiEntropyMs: round(antiEntropy.tookMs, 0),
      },
      tables: [
        {
          title: 'Each repair path alone',
          columns: ['path', 'keys a replica lacked', 'left after', 'virtual ms'],
          rows: [
            ['hinted handoff', sloppy.missingAtRestart, sloppy.missingAfter, sloppy.convergeMs ?? -1],
            [
              'read repair (one read per key at ALL)',
              readRepair.missingAtHeal,
              readRepair.missingAfter,
              round(readRepair.tookMs, 0),
            ],
            [
              'Merkle anti-entropy',
              antiEntropy.missingAtHeal,
              antiEntropy.missingAfter,
              round(antiEntropy.tookMs, 0),
            ],
          ],
        },
      ],
    };
  },
};

// ---- one anti-entropy exchange, taken apart ----

function exchange(seed: number, keyCount: number, divergedShare: number, depth: number) {
  const cluster = scriptedCluster(
    {
      nodes: 3,
      replicas: 3,
      conflict: 'dvv',
      sloppy: false,
      readRepair: 'off',
      antiEntropyMs: 0,
      treeDepth: depth,
      clients: 1,
      keys: 1,
    },
    seed,
    () => ['n1'],
  );
  const { world } = cluster;
  const keys = Array.from({ length: keyCount }, (_, i) => `m${i}`);
  writeAll(cluster, keys, 'all', 'n1');
  world.network.partition([['n1', 'n2'], ['n3']]);
  world.runFor(cluster.params.failAfterMs + 100);
  const changed = keys.filter((_, i) => i % Math.round(1 / divergedShare) === 0);
  writeAll(cluster, changed, 'quorum', 'n1');
  world.network.heal();
  world.runFor(cluster.params.failAfterMs + 100);
  const n1 = cluster.node('n1');
  const n3 = cluster.node('n3');
  const trulyDiffering = new Set<number>();
  let fullCopy = 0;
  for (const key of keys) {
    const a = n1.replica(key);
    const b = n3.replica(key);
    if (a) fullCopy += entryBytes(key, a);
    if (b) fullCopy += entryBytes(key, b);
    if (!sameState(a, b)) trulyDiffering.add(leafOf(key, depth));
  }
  const before = {
    bytes: n1.stats.aeBytes + n3.stats.aeBytes,
    leaves: n1.stats.aeLeavesDiffering,
    keysSent: n1.stats.aeKeysSent + n3.stats.aeKeysSent,
  };
  n1.startExchange('n3');
  world.runFor(1_000);
  const bytes = n1.stats.aeBytes + n3.stats.aeBytes - before.bytes;
  const leavesFound = n1.stats.aeLeavesDiffering - before.leaves;
  const keysSent = n1.stats.aeKeysSent + n3.stats.aeKeysSent - before.keysSent;
  const left = keys.filter((key) => !sameState(n1.replica(key), n3.replica(key))).length;
  return {
    changed: changed.length,
    trulyDiffering: trulyDiffering.size,
    leavesFound,
    keysSent,
    bytes,
    fullCopy,
    left,
  };
}

export const merkleAntiEntropy: Scenario = {
  id: 'merkle-anti-entropy',
  title: 'Merkle trees find the ranges two replicas disagree on and ship only those',
  claim:
    'Read repair and Merkle-tree anti-entropy converge replicas: comparing trees finds the differing ranges without sending the data.',
  expected: 'holds',
  rows: ['B2'],
  run({ seed, quick }): ScenarioResult {
    const keyCount = quick ? 1_000 : 10_000;
    const depth = quick ? 8 : 11;
    const shares = quick ? [0.01, 0.1] : [0.001, 0.01, 0.1, 0.5];
    const runs = shares.map((share) => ({ share, ...exchange(seed, keyCount, share, depth) }));
    const exact = runs.every((r) => r.leavesFound === r.trulyDiffering);
    const converged = runs.every((r) => r.left === 0);
    const cheaper = runs.filter((r) => r.share <= 0.1).every((r) => r.bytes < r.fullCopy);
    const observed = exact && converged && cheaper ? 'holds' : 'fails';
    const first = runs[0] as (typeof runs)[number];
    return {
      observed,
      summary:
        `Two replicas of ${keyCount} keys (trees of ${2 ** depth} leaves): with ${first.changed} keys changed on one side, one exchange found ${first.leavesFound} differing leaves ` +
        `(${first.trulyDiffering} truly differ), sent ${first.keysSent} entries and ${first.bytes} bytes against ${first.fullCopy} for a full copy (${((100 * first.bytes) / first.fullCopy).toFixed(1)}%); ` +
        `after it ${first.left} keys differed. ${runs
          .slice(1)
          .map(
            (r) =>
              `With ${r.changed} changed: ${r.bytes} bytes (${((100 * r.bytes) / r.fullCopy).toFixed(1)}%)`,
          )
          .join('; ')}.`,
      measurements: {
        keys: keyCount,
        leaves: 2 ** depth,
        exactLeaves: exact ? 1 : 0,
        keysLeftDiffering: runs.reduce((a, r) => a + r.left, 0),
        ...Object.fromEntries(runs.map((r) => [`bytesShareAt${r.share}`, round(r.bytes / r.fullCopy, 4)])),
      },
      tables: [
        {
          title: `One exchange between two replicas of ${keyCount} keys, ${2 ** depth}-leaf trees`,
          columns: [
            'keys changed',
            'leaves that differ',
            'leaves the trees found',
            'entries sent',
            'bytes sent',
            'full copy bytes',
            'share',
            'keys still differing',
          ],
          rows: runs.map((r) => [
            r.changed,
            r.trulyDiffering,
            r.leavesFound,
            r.keysSent,
            r.bytes,
            r.fullCopy,
            round(r.bytes / r.fullCopy, 4),
            r.left,
          ]),
        },
      ],
    };
  },
};

export const convergenceScenarios: readonly Scenario[] = [
  lwwReconciles,
  hintedHandoffConverges,
  merkleAntiEntropy,
];
