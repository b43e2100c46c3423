/**
 * `dslab fuzz raft`: a 5-node cluster with clients under a random nemesis (partitions of every shape,
 * crashes losing unsynced writes, pauses, clock offsets/drift/jumps, loss, duplication, latency spikes),
 * then a full heal and a final read of every key. A seed fails on the first broken safety property,
 * on a history the linearizability checker rejects, on an acknowledged write missing at the end, on
 * replicas that disagree after healing, or when the healed cluster makes no progress.
 */
import { Rng, applyFaultSchedule, randomFaultSchedule, stableJson, type TraceMode } from '@dslab/sim';
import { HISTORY_CHECK, type FinalCheck, type FuzzSpec } from '../kit';
import { buildRaftCluster, raftParams, type RaftCluster, type RaftParams } from './cluster';
import { mutantSeeds } from './mutant-seeds';
import { checkLogMatching } from './safety';
import { raftMutants, type ClientOp, type RaftMessage, type RaftMutant } from './types';

export const FUZZ_NEMESIS_END_MS = 6_000;
const FINAL_PHASE_AT_MS = FUZZ_NEMESIS_END_MS + 1_000;
const FINAL_DEADLINE_MS = FINAL_PHASE_AT_MS + 6_000;

type Profile = 'figure-8' | 'mixed';

/**
 * What a seed decides before the world exists: its profile and the safe protocol options it varies, so
 * every code path meets the nemesis. The draws keep their order: changing it would change every seed.
 */
function seedKnobs(
  seed: number,
  mutant?: string,
): { profile: Profile; params: RaftParams; membership: boolean } {
  const knobs = new Rng(seed).fork('raft-fuzz-config');
  const profile: Profile = knobs.next() < 0.3 ? 'figure-8' : 'mixed';
  const options = {
    nodes: profile === 'mixed' ? 5 : 3,
    clients: 4,
    opsPerSecond: 60,
    keys: 4,
    snapshotEvery: 30 + knobs.int(60),
    preVote: knobs.next() < 0.75,
    checkQuorum: knobs.next() < 0.75,
    readMode: knobs.next() < 0.8 ? ('read-index' as const) : ('log' as const),
    // The figure-8 profile runs without the election no-op, which would otherwise mask that hazard.
    noopOnElection: profile === 'mixed',
    ...(mutant !== undefined ? { mutant } : {}),
  };
  const membership = knobs.next() < 0.5;
  // The window of appends in flight: 1 holds the most entries back (its recovery after lost messages
  // and replies meets the nemesis most), 256 is plain pipelining.
  const window = knobs.next();
  const maxInflightAppends = window < 0.25 ? 1 : window < 0.75 ? 2 : 256;
  // A quarter of the seeds take their snapshots a pair or two per turn, so that crashes, elections and
  // InstallSnapshot meet a snapshot half taken (drawn last: the draws above keep their values).
  const snapshotSlice = knobs.next() < 0.25 ? 1 + knobs.int(2) : 2_000;
  return {
    profile,
    params: raftParams.parse({ ...options, maxInflightAppends, snapshotSlice }),
    membership,
  };
}

function buildFuzzCluster(params: RaftParams, seed: number, trace: TraceMode): RaftCluster {
  const { profile } = seedKnobs(seed);
  return buildRaftCluster(params, seed, {
    trace,
    // Figure-8 leaders live milliseconds: clients must find each one fast for it to take writes.
    clientTimeoutMs: profile === 'mixed' ? 400 : 40,
    clientGiveUpMs: 2_500,
  });
}

function scheduleNemesis(cluster: RaftCluster, seed: number): void {
  const { profile, membership } = seedKnobs(seed);
  if (profile === 'mixed') {
    const schedule = randomFaultSchedule(new Rng(seed).fork('nemesis'), cluster.servers, {
      startMs: 300,
      endMs: FUZZ_NEMESIS_END_MS,
      meanIntervalMs: 250,
      maxDurationMs: 1_500,
    });
    applyFaultSchedule(cluster.world, schedule);
    scheduleLeaderFaults(cluster, new Rng(seed).fork('leader-nemesis'), 300, FUZZ_NEMESIS_END_MS);
    installCrashPoints(cluster, new Rng(seed).fork('crash-points'), FUZZ_NEMESIS_END_MS);
    if (membership) scheduleMembershipChanges(cluster, new Rng(seed).fork('membership'), FUZZ_NEMESIS_END_MS);
  } else {
    scheduleFigure8(cluster, new Rng(seed).fork('figure-8'), 300, FUZZ_NEMESIS_END_MS);
  }
  cluster.world.at(FINAL_PHASE_AT_MS, 'final reads', () => {
    cluster.phase = 'final';
  });
}

/** A fuzz seed's cluster with its nemesis scheduled, not yet run: for scenarios that run it their own way. */
export function raftFuzzCluster(seed: number, mutant?: RaftMutant, recordTrace = false): RaftCluster {
  const params = seedKnobs(seed, mutant).params;
  const cluster = buildFuzzCluster(params, seed, recordTrace ? 'record' : 'hash');
  scheduleNemesis(cluster, seed);
  return cluster;
}

/**
 * Faults aimed where Raft is most fragile (Jepsen's kill/partition of the primary): the current leader
 * is killed and restarted quickly, cut off alone, or paused; any node is killed and restarted within
 * milliseconds, mid-election. Crashed leaders leave uncommitted entries of their term behind, the raw
 * material of the Raft paper's figure 8.
 */
function scheduleLeaderFaults(cluster: RaftCluster, rng: Rng, startMs: number, endMs: number): void {
  const { world } = cluster;
  let time = startMs;
  for (;;) {
    time += rng.exponential(350);
    if (time >= endMs) return;
    const kind = rng.int(4);
    const downMs = rng.uniform(5, 400);
    const victimIndex = rng.int(cluster.servers.length);
    world.at(time, 'leader nemesis', () => {
      const leader = cluster.leader()?.id;
      const up = cluster.servers.filter((id) => world.isUp(id));
      const downCount = cluster.servers.length - up.length;
      const maxDown = Math.floor((cluster.servers.length - 1) / 2);
      if (kind === 3 || leader === undefined) {
        // A quick kill -9 and restart of any node: the window in which a forgotten vote matters.
        const victim = cluster.servers[victimIndex] as string;
        if (!world.isUp(victim) || downCount >= maxDown) return;
        world.crash(victim);
        world.after(downMs / 4, `restart ${victim}`, () => world.restart(victim));
        return;
      }
      if (kind === 0 && downCount < maxDown) {
        world.crash(leader);
        world.after(downMs, `restart ${leader}`, () => world.restart(leader));
      } else if (kind === 1) {
        world.network.partition([[leader], cluster.servers.filter((id) => id !== leader)]);
        world.after(downMs * 2, 'heal', () => world.network.heal());
      } else {
        world.pause(leader, downMs);
      }
    });
  }
}

/**
 * The figure-8 profile, on three nodes: the paper's figure-8 moves with random timing. Two leaders in a
 * row are cut off alone the moment they are elected (clients still reach them, so each takes writes that
 * only it holds) and killed; the third is left to replicate for a few milliseconds — copying an older
 * term's entry to a majority — and killed too. Whenever too many nodes are down, the one down longest
 * comes back. Leaders of successive terms so leave conflicting entries on different minorities.
 */
function scheduleFigure8(cluster: RaftCluster, rng: Rng, startMs: number, endMs: number): void {
  const { world } = cluster;
  const servers = new Set(cluster.servers);
  const down: string[] = [];
  let phase = 0;
  world.onTrace((event) => {
    if (event.kind !== 'node' || event.name !== 'leader' || event.t < startMs || event.t >= endMs) return;
    const leader = event.node;
    if (!servers.has(leader)) return;
    const isolate = phase < 2;
    phase = (phase + 1) % 3;
    const lifetime = isolate ? rng.uniform(30, 200) : rng.uniform(3, 40);
    world.after(0, 'figure-8: new leader', () => {
      if (isolate) world.network.partition([[leader], cluster.servers.filter((id) => id !== leader)]);
      world.after(lifetime, 'figure-8: kill leader', () => {
        world.network.heal();
        if (!world.isUp(leader)) return;
        world.crash(leader);
        down.push(leader);
        while (down.length > Math.floor((cluster.servers.length - 1) / 2))
          world.restart(down.shift() as string);
      });
    });
  });
  world.at(endMs, 'figure-8: restart all', () => {
    for (const id of down.splice(0)) world.restart(id);
  });
}

/**
 * Membership churn: now and then the leader is asked to remove a random voter or to add back one it
 * removed (single-server changes, proposed like client commands). After the nemesis, every removed
 * server is added back, so the final checks see the whole cluster.
 */
function scheduleMembershipChanges(cluster: RaftCluster, rng: Rng, endMs: number): void {
  const { world } = cluster;
  let seq = 0;
  const propose = (op: ClientOp) => {
    const leader = cluster.leader();
    if (leader) leader.onMessage('c1', { type: 'request', client: 'membership-nemesis', seq: ++seq, op });
  };
  let time = 500;
  for (;;) {
    time += rng.uniform(300, 1_500);
    if (time >= endMs) break;
    const pick = rng.int(cluster.servers.length);
    world.at(time, 'membership change', () => {
      const leader = cluster.leader();
      if (!leader) return;
      const id = cluster.servers[pick] as string;
      propose(leader.voters.includes(id) ? { f: 'remove-server', id } : { f: 'add-server', id });
    });
  }
  // Re-add whoever is out, retrying: a change is refused while another is in flight.
  for (let k = 0; k < 20; k++) {
    world.at(endMs + 100 + k * 100, 'membership: restore', () => {
      const leader = cluster.leader();
      const missing = cluster.servers.find((id) => leader && !leader.voters.includes(id));
      if (missing) propose({ f: 'add-server', id: missing });
    });
  }
}

/**
 * Crash points: kill a node at the protocol's most delicate instants, seen in the message stream — just
 * after it granted a vote (is the vote durable?), or just after a leader sent new entries to only part of
 * a lossy network (will an entry held by a minority be mistaken for committed?).
 */
function installCrashPoints(cluster: RaftCluster, rng: Rng, endMs: number): void {
  const { world } = cluster;
  const servers = new Set(cluster.servers);
  world.onTrace((event) => {
    if (event.kind !== 'send' || event.t >= endMs || !servers.has(event.from)) return;
    const msg = event.msg as RaftMessage;
    const node = event.from;
    const vote = msg.type === 'vote-reply' && msg.granted;
    const entries = msg.type === 'append' && msg.entries.length > 0;
    if (!(vote && rng.next() < 0.15) && !(entries && rng.next() < 0.01)) return;
    const down = cluster.servers.filter((id) => !world.isUp(id)).length;
    if (down >= Math.floor((cluster.servers.length - 1) / 2)) return;
    const downMs = vote ? rng.uniform(0.5, 20) : rng.uniform(10, 300);
    world.after(entries ? rng.uniform(0, 3) : 0, `crash point ${node}`, () => {
      if (!world.isUp(node)) return;
      world.crash(node);
      world.after(downMs, `restart ${node}`, () => world.restart(node));
    });
  });
}

/** Runs the nemesis, heals, then lets the clients read every key; a liveness failure when they cannot. */
function drive(cluster: RaftCluster): string | undefined {
  const { world } = cluster;
  world.runUntil(FINAL_PHASE_AT_MS);
  const allDone = () => cluster.clients.every((id) => cluster.client(id).done);
  if (!world.runUntilCondition(allDone, FINAL_DEADLINE_MS - FINAL_PHASE_AT_MS)) {
    return `${FINAL_DEADLINE_MS - FUZZ_NEMESIS_END_MS} ms after the final heal, clients still had not read every key`;
  }
  world.runFor(1_000); // followers learn the last commit index from the next heartbeats
  return undefined;
}

const logMatching: FinalCheck<RaftCluster> = {
  name: 'log matching',
  check: (cluster) => checkLogMatching(cluster.world, cluster.servers),
};

const finalReads: FinalCheck<RaftCluster> = {
  name: 'final reads',
  check: (cluster) => {
    let failed = 0;
    for (const op of cluster.recorder.history())
      if (op.call >= FINAL_PHASE_AT_MS && op.outcome !== 'ok') failed++;
    return failed > 0 ? `${failed} final reads after the heal did not succeed` : undefined;
  },
};

/** Every live replica has applied the same state. */
const convergence: FinalCheck<RaftCluster> = {
  name: 'convergence',
  check: (cluster) => {
    let reference: { id: string; state: string } | undefined;
    for (const node of cluster.liveServers()) {
      const state = stableJson(node.machine.snapshot().kv);
      if (!reference) reference = { id: node.id, state };
      else if (state !== reference.state)
        return `after healing ${reference.id} and ${node.id} hold different data`;
    }
    return undefined;
  },
};

/** Every acknowledged write is in every live replica's state. */
const durability: FinalCheck<RaftCluster> = {
  name: 'durability',
  check: (cluster) => {
    const live = cluster.liveServers();
    for (const id of cluster.clients) {
      const client = cluster.client(id);
      for (const node of live) {
        if (node.machine.lastSeq(client.clientId) < client.maxAckedWriteSeq) {
          return `${client.clientId}'s acknowledged write #${client.maxAckedWriteSeq} is missing on ${node.id}`;
        }
      }
    }
    return undefined;
  },
};

/** The check each mutant exists to prove able to fail: catching it for another reason would not count. */
const caughtBy: Readonly<Record<RaftMutant, string>> = {
  'vote-without-log-check': 'leader completeness',
  'commit-old-term-by-count': 'leader completeness',
  'forget-vote': 'election safety',
  'read-without-read-index': HISTORY_CHECK,
  'apply-before-commit': 'state machine safety',
  'reset-timer-on-any-message': 'liveness',
  'evict-sessions': 'durability',
  'install-snapshot-without-state': 'convergence',
  'install-stale-snapshot': 'commit index never decreases',
  'snapshot-with-current-term': 'snapshot safety',
  'skip-consistency-check': 'log matching',
  'commit-before-consistency-check': 'log matching of committed entries',
};

const breaks: Readonly<Record<RaftMutant, string>> = {
  'vote-without-log-check':
    'a voter grants its vote without checking that the candidate’s log is up to date (§5.4.1)',
  'commit-old-term-by-count':
    'a leader commits an entry of an older term by counting replicas (figure 8, §5.4.2)',
  'forget-vote': 'the vote is not made durable before it is granted, so a restarted node can vote twice',
  'read-without-read-index':
    'a leader answers reads from its state without confirming it is still leader (§8)',
  'apply-before-commit': 'entries are applied to the state machine before they commit',
  'reset-timer-on-any-message': 'any message resets the election timer, so a cut-off node never campaigns',
  'evict-sessions':
    'the state machine keeps only the two latest client sessions, forgetting that the others’ acknowledged writes were applied',
  'install-snapshot-without-state': 'an installed snapshot moves the log but not the state machine',
  'install-stale-snapshot': 'a follower installs a snapshot older than its commit index',
  'snapshot-with-current-term': 'a snapshot records the current term instead of its last entry’s term',
  'skip-consistency-check':
    'followers append entries without the consistency check on the previous entry (§5.3)',
  'commit-before-consistency-check':
    'a follower advances its commit index before checking the previous entry',
};

export const raftFuzz: FuzzSpec<RaftParams, RaftCluster> = {
  mutants: raftMutants.map((name) => ({
    name,
    breaks: breaks[name],
    seed: mutantSeeds[name],
    caughtBy: caughtBy[name],
  })),
  params: (seed, mutant) => seedKnobs(seed, mutant).params,
  build: buildFuzzCluster,
  nemesis: (cluster, seed) => scheduleNemesis(cluster, seed),
  drive,
  finalChecks: [logMatching, finalReads, HISTORY_CHECK, convergence, durability],
};
