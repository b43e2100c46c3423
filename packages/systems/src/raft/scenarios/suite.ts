/**
 * Experiments named after the classic Raft test suites (InitialElection, BasicAgree, Figure8Unreliable…):
 * each drives a cluster into the named situation and measures what Raft must guarantee there.
 */
import { catchViolation, type NodeId } from '@dslab/sim';
import type { Scenario, ScenarioResult } from '../../contract';
import type { RaftCluster, RaftParams } from '../cluster';
import { fuzzRaft } from '../simulation';
import type { RaftNode } from '../node';
import { backup } from './backup';
import { inject, scriptedCluster, waitForLeader } from './harness';

type Check = {
  readonly ok: boolean;
  readonly summary: string;
  readonly measurements: Record<string, number>;
};

/** How many live servers applied the command (client c1, seq). */
function appliedOn(cluster: RaftCluster, seq: number, key: string, value: string): number {
  return cluster
    .liveServers()
    .filter((n) => n.machine.lastSeq('c1') >= seq && n.machine.read(key).value === value).length;
}

function suiteScenario(
  id: string,
  title: string,
  claim: string,
  body: (cluster: RaftCluster) => Check,
  params: Partial<RaftParams> = {},
): Scenario {
  return {
    id,
    title,
    claim,
    expected: 'holds',
    rows: ['A1'],
    run({ seed }): ScenarioResult {
      const cluster = scriptedCluster(params, seed, { logMatchingEvery: 1 });
      let check: Check | undefined;
      const stopped = catchViolation(() => {
        check = body(cluster);
      });
      if (stopped || !check)
        check = { ok: false, summary: stopped?.message ?? 'no result', measurements: {} };
      const violation = cluster.safety.report();
      return {
        observed: check.ok && violation === undefined ? 'holds' : 'fails',
        summary: violation ? `${check.summary} Safety: ${violation}` : check.summary,
        measurements: check.measurements,
        traceHash: cluster.world.traceHash(),
      };
    },
  };
}

export const initialElection = suiteScenario(
  'initial-election',
  'InitialElection',
  'A fresh cluster elects one leader within a few election timeouts and keeps it while nothing fails.',
  (cluster) => {
    const leader = waitForLeader(cluster, 5_000);
    const electedAt = cluster.world.now();
    const term = leader?.term ?? 0;
    cluster.world.runFor(5_000);
    const after = cluster.leader();
    const ok = leader !== undefined && after === leader && after.term === term && electedAt < 1_500;
    return {
      ok,
      summary: `Leader ${leader ? leader.id : 'none'} elected at ${electedAt.toFixed(0)} ms in term ${term}; 5 s later the leader is ${after ? after.id : 'none'} in term ${after?.term ?? 0}.`,
      measurements: { electedAtMs: electedAt, term, termAfter5s: after?.term ?? 0 },
    };
  },
);

export const reElection = suiteScenario(
  're-election',
  'ReElection',
  'When the leader fails a new one is elected; when it returns it does not disturb the new leader; with no majority nobody is elected.',
  (cluster) => {
    const { world } = cluster;
    const first = waitForLeader(cluster) as RaftNode;
    const a = first.id;
    world.crash(a);
    const t0 = world.now();
    const second = waitForLeader(cluster, 5_000) as RaftNode;
    const failoverMs = world.now() - t0;
    world.restart(a);
    world.runFor(1_000);
    const stillSecond = cluster.leader() === second;
    const b = second.id;
    const c = cluster.servers.find((id) => id !== a && id !== b) as NodeId;
    world.crash(b);
    world.crash(c);
    world.runFor(2_000);
    const leaderless = cluster.leader() === undefined;
    world.restart(c);
    const third = waitForLeader(cluster, 5_000);
    const ok = failoverMs < 1_500 && stillSecond && leaderless && third !== undefined;
    return {
      ok,
      summary: `Failover took ${failoverMs.toFixed(0)} ms; the old leader rejoined as a follower (leader unchanged: ${stillSecond}); with 2 of 3 down no leader (${leaderless}); one back → leader ${third ? third.id : 'none'}.`,
      measurements: {
        failoverMs,
        leaderUnchangedOnRejoin: stillSecond ? 1 : 0,
        leaderWithoutMajority: leaderless ? 0 : 1,
      },
    };
  },
);

export const basicAgree = suiteScenario(
  'basic-agree',
  'BasicAgree',
  'Every command a leader accepts is applied by every server, in the same order.',
  (cluster) => {
    const leader = (waitForLeader(cluster) as RaftNode).id;
    for (let seq = 1; seq <= 20; seq++)
      inject(cluster, leader, 'c1', { f: 'append', key: 'log', value: `${seq},` }, seq);
    cluster.world.runFor(500);
    const expected = Array.from({ length: 20 }, (_, i) => `${i + 1},`).join('');
    const agreeing = cluster.liveServers().filter((n) => n.machine.read('log').value === expected).length;
    return {
      ok: agreeing === 3,
      summary: `20 appends sent to the leader; ${agreeing} of 3 servers hold them all, in order.`,
      measurements: { servers: 3, agreeing },
    };
  },
);

export const failAgree = suiteScenario(
  'fail-agree',
  'FailAgree',
  'With one follower down, the other two still commit; the follower catches up when it returns.',
  (cluster) => {
    const { world } = cluster;
    const leader = (waitForLeader(cluster) as RaftNode).id;
    const follower = cluster.servers.find((id) => id !== leader) as NodeId;
    world.network.partition([[follower], cluster.servers.filter((id) => id !== follower)]);
    for (let seq = 1; seq <= 10; seq++)
      inject(cluster, leader, 'c1', { f: 'put', key: 'x', value: `v${seq}` }, seq);
    world.runFor(500);
    const withoutIt = appliedOn(cluster, 10, 'x', 'v10');
    world.network.heal();
    world.runFor(1_000);
    const after = appliedOn(cluster, 10, 'x', 'v10');
    return {
      ok: withoutIt === 2 && after === 3,
      summary: `With ${follower} cut off, ${withoutIt} servers applied all 10 writes; after healing, ${after}.`,
      measurements: { appliedWhileDisconnected: withoutIt, appliedAfterHeal: after },
    };
  },
);

export const failNoAgree = suiteScenario(
  'fail-no-agree',
  'FailNoAgree',
  'With a majority of followers gone, nothing commits; once they return the cluster commits again.',
  (cluster) => {
    const { world } = cluster;
    const leader = (waitForLeader(cluster) as RaftNode).id;
    const followers = cluster.servers.filter((id) => id !== leader);
    world.network.partition([[leader], ...followers.map((f) => [f])]);
    inject(cluster, leader, 'c1', { f: 'put', key: 'x', value: 'stuck' }, 1);
    world.runFor(1_000);
    const committedAlone = appliedOn(cluster, 1, 'x', 'stuck');
    world.network.heal();
    const next = waitForLeader(cluster, 5_000) as RaftNode;
    inject(cluster, next.id, 'c1', { f: 'put', key: 'x', value: 'later' }, 2);
    world.runFor(1_000);
    const after = appliedOn(cluster, 2, 'x', 'later');
    return {
      ok: committedAlone === 0 && after === cluster.servers.length,
      summary: `Leader cut off from all 4 followers: its write was applied on ${committedAlone} servers; after healing a new write reached ${after} of ${cluster.servers.length}.`,
      measurements: { appliedWithoutMajority: committedAlone, appliedAfterHeal: after },
    };
  },
  { nodes: 5 },
);

export const concurrentStarts = suiteScenario(
  'concurrent-starts',
  'ConcurrentStarts',
  'Commands submitted at the same instant all commit, each exactly once, at distinct indexes.',
  (cluster) => {
    const leader = (waitForLeader(cluster) as RaftNode).id;
    const clients = ['c1'];
    for (let seq = 1; seq <= 5; seq++)
      inject(cluster, leader, clients[0] as string, { f: 'append', key: 'k', value: 'x' }, seq);
    // a duplicate of the last one, as a retry would send it
    inject(cluster, leader, 'c1', { f: 'append', key: 'k', value: 'x' }, 5);
    cluster.world.runFor(500);
    const values = cluster.liveServers().map((n) => n.machine.read('k').value);
    const ok = values.every((v) => v === 'xxxxx');
    return {
      ok,
      summary: `5 appends and one retried duplicate submitted in the same instant: every server holds "${String(values[0])}" (${(values[0] ?? '').length} applied).`,
      measurements: { applied: (values[0] ?? '').length },
    };
  },
);

export const rejoin = suiteScenario(
  'rejoin',
  'Rejoin',
  'A partitioned leader that took writes alone rejoins, discards them and follows the new leader.',
  (cluster) => {
    const { world } = cluster;
    const old = (waitForLeader(cluster) as RaftNode).id;
    world.network.partition([[old], cluster.servers.filter((id) => id !== old)]);
    for (let seq = 1; seq <= 3; seq++)
      inject(cluster, old, 'c1', { f: 'put', key: 'x', value: `orphan${seq}` }, seq);
    const next = waitForLeader(
      cluster,
      5_000,
      cluster.servers.filter((id) => id !== old),
    ) as RaftNode;
    inject(cluster, next.id, 'c1', { f: 'put', key: 'x', value: 'kept' }, 10);
    world.runFor(300);
    world.network.heal();
    world.runFor(1_000);
    const values = cluster.liveServers().map((n) => n.machine.read('x').value);
    const ok = values.every((v) => v === 'kept') && world.node<RaftNode>(old).role === 'follower';
    return {
      ok,
      summary: `After healing, x = ${JSON.stringify(values)} on the three servers; the old leader is a ${world.node<RaftNode>(old).role}.`,
      measurements: { agreeing: values.filter((v) => v === 'kept').length },
    };
  },
);

export const persist = suiteScenario(
  'persist',
  'Persist',
  'Term, vote and log survive crashes: after every server restarts, everything committed is still there.',
  (cluster) => {
    const { world } = cluster;
    const leader = (waitForLeader(cluster) as RaftNode).id;
    for (let seq = 1; seq <= 10; seq++)
      inject(cluster, leader, 'c1', { f: 'append', key: 'k', value: `${seq};` }, seq);
    world.runFor(300);
    const before = cluster.liveServers().map((n) => n.term);
    for (const id of cluster.servers) world.crash(id);
    for (const id of cluster.servers) world.restart(id);
    const restartedTerms = cluster.liveServers().map((n) => n.term);
    const next = waitForLeader(cluster, 5_000) as RaftNode;
    inject(cluster, next.id, 'c1', { f: 'append', key: 'k', value: 'after;' }, 11);
    world.runFor(500);
    const expected = Array.from({ length: 10 }, (_, i) => `${i + 1};`).join('') + 'after;';
    const agreeing = cluster.liveServers().filter((n) => n.machine.read('k').value === expected).length;
    const termsKept = restartedTerms.every((t, i) => t === before[i]);
    return {
      ok: agreeing === 3 && termsKept,
      summary: `All 3 servers crashed and restarted: terms kept (${termsKept}); ${agreeing} of 3 hold all 10 earlier writes plus a new one.`,
      measurements: { agreeing, termsKept: termsKept ? 1 : 0 },
    };
  },
);

export const snapshotInstall = suiteScenario(
  'snapshot-install',
  'SnapshotInstall',
  'A follower that missed entries the leader already compacted into a snapshot catches up through InstallSnapshot.',
  (cluster) => {
    const { world } = cluster;
    const leader = (waitForLeader(cluster) as RaftNode).id;
    const lagging = cluster.servers.find((id) => id !== leader) as NodeId;
    world.network.partition([[lagging], cluster.servers.filter((id) => id !== lagging)]);
    for (let seq = 1; seq <= 60; seq++)
      inject(cluster, leader, 'c1', { f: 'put', key: `k${seq % 7}`, value: `v${seq}` }, seq);
    world.runFor(500);
    const compacted = world.node<RaftNode>(leader).log.snapshotIndex;
    world.network.heal();
    world.runFor(1_000);
    const node = world.node<RaftNode>(lagging);
    const ok =
      compacted > 0 && node.log.snapshotIndex >= compacted && node.machine.read('k4').value === 'v60';
    return {
      ok,
      summary: `The leader compacted its log to index ${compacted}; the lagging follower installed a snapshot at ${node.log.snapshotIndex} and now reads k4 = ${String(node.machine.read('k4').value)}.`,
      measurements: { leaderSnapshotIndex: compacted, followerSnapshotIndex: node.log.snapshotIndex },
    };
  },
  { snapshotEvery: 20 },
);

export const snapshotInstallCrash = suiteScenario(
  'snapshot-install-crash',
  'SnapshotInstallCrash',
  'Snapshots survive crashes: servers restart from snapshot plus log and agree.',
  (cluster) => {
    const { world } = cluster;
    let seq = 0;
    for (let round = 0; round < 5; round++) {
      const leader = (waitForLeader(cluster, 5_000) as RaftNode).id;
      for (let i = 0; i < 25; i++) {
        seq++;
        inject(cluster, leader, 'c1', { f: 'put', key: `k${seq % 5}`, value: `v${seq}` }, seq);
      }
      world.runFor(300);
      const victim = cluster.servers[round % 3] as NodeId;
      world.crash(victim);
      world.runFor(100);
      world.restart(victim);
    }
    world.runFor(1_500);
    const states = cluster.liveServers().map((n) => JSON.stringify(n.machine.snapshot().kv));
    const snapshots = cluster.liveServers().map((n) => n.log.snapshotIndex);
    return {
      ok: new Set(states).size === 1 && snapshots.every((s) => s > 0),
      summary: `125 writes with a crash after every 25: snapshots at ${snapshots.join(', ')}; ${new Set(states).size === 1 ? 'all servers agree' : 'servers disagree'}.`,
      measurements: { distinctStates: new Set(states).size, minSnapshotIndex: Math.min(...snapshots) },
    };
  },
  { snapshotEvery: 20 },
);

export const checkQuorumStepDown = suiteScenario(
  'leader-steps-down',
  'Leader steps down when it loses its quorum',
  'With check-quorum, a leader cut off from the majority gives up leadership within an election timeout.',
  (cluster) => {
    const { world } = cluster;
    const leader = (waitForLeader(cluster) as RaftNode).id;
    world.network.partition([[leader], cluster.servers.filter((id) => id !== leader)]);
    const t0 = world.now();
    world.runUntilCondition(() => world.node<RaftNode>(leader).role !== 'leader', 2_000);
    const tookMs = world.now() - t0;
    const ok =
      world.node<RaftNode>(leader).role !== 'leader' && tookMs <= 2 * cluster.params.electionMinMs + 1;
    return {
      ok,
      summary: `Cut off at ${t0.toFixed(0)} ms, the leader stepped down ${tookMs.toFixed(0)} ms later (check every ${cluster.params.electionMinMs} ms).`,
      measurements: { stepDownMs: tookMs },
    };
  },
);

export const preVoteRejoin: Scenario = {
  id: 'pre-vote-rejoin',
  title: 'Pre-vote stops a rejoining node from disrupting the cluster',
  claim: 'A node that was partitioned away and rejoins does not depose a healthy leader when pre-vote is on.',
  expected: 'holds',
  rows: ['A1'],
  run({ seed }): ScenarioResult {
    const measure = (preVote: boolean) => {
      const cluster = scriptedCluster({ preVote, checkQuorum: preVote }, seed);
      const { world } = cluster;
      const leader = waitForLeader(cluster) as RaftNode;
      const loner = cluster.servers.find((id) => id !== leader.id) as NodeId;
      world.network.partition([[loner], cluster.servers.filter((id) => id !== loner)]);
      world.runFor(3_000);
      const lonerTerm = world.node<RaftNode>(loner).term;
      const termBefore = leader.term;
      world.network.heal();
      world.runFor(1_000);
      const after = cluster.leader();
      const termAfter = after?.term ?? 0;
      return {
        lonerTerm,
        termBefore,
        termAfter,
        sameLeader: termAfter === termBefore,
        hash: world.traceHash(),
      };
    };
    const withPreVote = measure(true);
    const without = measure(false);
    return {
      observed:
        withPreVote.sameLeader && !without.sameLeader ? 'holds' : withPreVote.sameLeader ? 'partly' : 'fails',
      summary:
        `With pre-vote the isolated node stayed at term ${withPreVote.lonerTerm} and the leader kept term ${withPreVote.termAfter}. ` +
        `Without it the node reached term ${without.lonerTerm} alone and on rejoining forced a new election (term ${without.termBefore} → ${without.termAfter}).`,
      measurements: {
        lonerTermWithPreVote: withPreVote.lonerTerm,
        lonerTermWithout: without.lonerTerm,
        leaderKeptWithPreVote: withPreVote.sameLeader ? 1 : 0,
        leaderKeptWithout: without.sameLeader ? 1 : 0,
      },
      traceHash: withPreVote.hash + without.hash,
    };
  },
};

export const leaderTransfer = suiteScenario(
  'leader-transfer',
  'Leadership transfer',
  'A leader can hand leadership to a chosen follower without waiting for an election timeout.',
  (cluster) => {
    const { world } = cluster;
    const leader = waitForLeader(cluster) as RaftNode;
    for (let seq = 1; seq <= 5; seq++)
      inject(cluster, leader.id, 'c1', { f: 'put', key: 'x', value: `v${seq}` }, seq);
    world.runFor(200);
    const target = cluster.servers.find((id) => id !== leader.id) as NodeId;
    const termBefore = leader.term;
    const from = leader.id;
    const t0 = world.now();
    inject(cluster, leader.id, 'c1', { f: 'transfer', to: target }, 6);
    const next = waitForLeader(cluster, 2_000, [target]);
    const tookMs = world.now() - t0;
    const ok = next !== undefined && next.term === termBefore + 1 && tookMs < cluster.params.electionMinMs;
    return {
      ok,
      summary: `Transfer from ${from} to ${target}: ${target} led term ${next?.term ?? '—'} after ${tookMs.toFixed(1)} ms (an election timeout is ${cluster.params.electionMinMs}–${cluster.params.electionMaxMs} ms).`,
      measurements: { transferMs: tookMs, termsUsed: (next?.term ?? termBefore) - termBefore },
    };
  },
  { nodes: 5 },
);

export const membershipChange = suiteScenario(
  'membership-change',
  'Single-server membership changes',
  'Servers can be added and removed one at a time while the cluster keeps committing; a removed leader steps down.',
  (cluster) => {
    const { world } = cluster;
    let seq = 0;
    const write = (server: NodeId) =>
      inject(cluster, server, 'c1', { f: 'append', key: 'k', value: `${++seq},` }, seq);
    const first = waitForLeader(cluster) as RaftNode;
    write(first.id);
    world.runFor(200);
    cluster.addSpareServer('n4');
    inject(cluster, first.id, 'c1', { f: 'add-server', id: 'n4' }, 100);
    world.runFor(300);
    write(first.id);
    world.runFor(300);
    const votersAfterAdd = first.voters.length;
    inject(cluster, first.id, 'c1', { f: 'remove-server', id: first.id }, 101);
    world.runFor(300);
    const steppedDown = first.role !== 'leader';
    const next = waitForLeader(
      cluster,
      5_000,
      cluster.servers.filter((id) => id !== first.id),
    ) as RaftNode | undefined;
    if (next) write(next.id);
    world.runFor(500);
    const expected = Array.from({ length: seq }, (_, i) => `${i + 1},`).join('');
    const n4 = world.node<RaftNode>('n4');
    const remaining = cluster.liveServers().filter((n) => n !== first);
    const agreeing = remaining.filter((n) => n.machine.read('k').value === expected).length;
    const ok =
      votersAfterAdd === 4 && steppedDown && next !== undefined && next.voters.length === 3 && agreeing === 3;
    return {
      ok,
      summary: `Added n4 (voters: ${votersAfterAdd}); removed the leader ${first.id}, which stepped down (${steppedDown}); ${next ? next.id : 'nobody'} leads ${next?.voters.join(', ') ?? '—'}; n4 holds ${String(n4.machine.read('k').value)} and ${agreeing} of 3 remaining voters agree.`,
      measurements: { votersAfterAdd, votersAfterRemove: next?.voters.length ?? 0, agreeing },
    };
  },
);

export const manyElections = suiteScenario(
  'many-elections',
  'ManyElections',
  'With 7 servers, cutting off 3 at random again and again, the 4 connected always elect exactly one leader.',
  (cluster) => {
    const { world } = cluster;
    const rounds = 10;
    let elected = 0;
    let worstMs = 0;
    for (let round = 0; round < rounds; round++) {
      const shuffled = world.rng.shuffle([...cluster.servers]);
      const cut = shuffled.slice(0, 3);
      const kept = shuffled.slice(3);
      world.network.partition([kept, ...cut.map((id) => [id])]);
      const t0 = world.now();
      const leader = waitForLeader(cluster, 5_000, kept);
      // Let an old leader among the kept nodes notice the new term before judging.
      world.runFor(cluster.params.electionMaxMs);
      const leaders = kept.filter((id) => world.node<RaftNode>(id).role === 'leader');
      if (leader && leaders.length === 1) elected++;
      worstMs = Math.max(worstMs, leader ? leader.leaderSince - t0 : Infinity);
      world.network.heal();
      world.runFor(300);
    }
    return {
      ok: elected === rounds,
      summary: `${rounds} rounds of 3 of 7 servers cut off: the other 4 had exactly one leader every time in ${elected} rounds; slowest election ${worstMs.toFixed(0)} ms after the cut.`,
      measurements: { rounds, roundsWithOneLeader: elected, slowestElectionMs: worstMs },
    };
  },
  { nodes: 7 },
);

export const duelingCandidates = suiteScenario(
  'dueling-candidates',
  'Dueling candidates',
  'Two followers that start an election at the same instant split the vote at worst; randomized timeouts then produce one leader.',
  (cluster) => {
    const { world } = cluster;
    const leader = waitForLeader(cluster) as RaftNode;
    const [a, b] = cluster.servers.filter((id) => id !== leader.id) as [NodeId, NodeId];
    const term = leader.term;
    world.crash(leader.id);
    // Both time out at once (a leadership-transfer message is the way to make a node campaign now).
    for (const id of [a, b]) world.node<RaftNode>(id).onMessage('c1', { type: 'timeout-now', term });
    const t0 = world.now();
    const next = waitForLeader(cluster, 5_000, [a, b]);
    const terms = next ? next.term - term : 0;
    const leadersInTerm = [a, b].filter((id) => world.node<RaftNode>(id).role === 'leader').length;
    return {
      ok: next !== undefined && leadersInTerm === 1,
      summary: `Both candidates campaigned in term ${term + 1}; ${next ? `${next.id} won term ${next.term} after ${(world.now() - t0).toFixed(0)} ms (${terms} term${terms === 1 ? '' : 's'} used${terms > 1 ? ': the first vote split' : ''})` : 'nobody won'}.`,
      measurements: { termsUsed: terms, electionMs: world.now() - t0 },
    };
  },
  { nodes: 3, preVote: false },
);

/** Churn: the fuzz harness itself, a handful of seeds, under a reliable or an unreliable network. */
function churn(id: string, title: string, seeds: number): Scenario {
  return {
    id,
    title,
    claim:
      'Under random crashes, restarts, partitions and pauses, clients see a linearizable KV store and no acknowledged write is lost.',
    expected: 'holds',
    rows: ['A1'],
    run({ seed, quick }): ScenarioResult {
      const count = quick ? Math.ceil(seeds / 4) : seeds;
      let failures = 0;
      let firstFailure: string | undefined;
      let events = 0;
      for (let i = 0; i < count; i++) {
        const outcome = fuzzRaft(seed * 10_000 + i);
        events += outcome.events;
        if (!outcome.ok) {
          failures++;
          firstFailure ??= `seed ${outcome.seed}: ${outcome.failure}`;
        }
      }
      return {
        observed: failures === 0 ? 'holds' : 'fails',
        summary: `${count} randomized runs (${events} events): ${failures} failed${firstFailure ? ` — ${firstFailure}` : ''}.`,
        measurements: { runs: count, failures, events },
      };
    },
  };
}

export const churnRuns = churn('churn', 'ReliableChurn / UnreliableChurn / Figure8Unreliable', 40);

export const suiteScenarios: readonly Scenario[] = [
  initialElection,
  reElection,
  basicAgree,
  failAgree,
  failNoAgree,
  concurrentStarts,
  rejoin,
  backup,
  persist,
  snapshotInstall,
  snapshotInstallCrash,
  checkQuorumStepDown,
  preVoteRejoin,
  leaderTransfer,
  membershipChange,
  manyElections,
  duelingCandidates,
  churnRuns,
];
