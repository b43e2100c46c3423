/** What the lab sees of a running Raft cluster: its metrics, node cards and the Raft view's detail. */
import type { LiveNodeView } from '../contract';
import type { RaftClientDetail, RaftLiveDetail, RaftServerDetail } from './view-detail';
import type { RaftCluster } from './cluster';
import type { RaftNode } from './node';
import type { ClientOp, Entry } from './types';

const LOG_TAIL = 24;

function describeOp(op: ClientOp): string {
  switch (op.f) {
    case 'get':
    case 'delete':
    case 'incr':
      return `${op.f} ${op.key}`;
    case 'put':
    case 'append':
      return `${op.f} ${op.key}=${op.value}`;
    case 'cas':
      return `cas ${op.key} ${String(op.from)}→${op.to}`;
    case 'add-server':
    case 'remove-server':
      return `${op.f} ${op.id}`;
    case 'transfer':
      return `transfer → ${op.to}`;
  }
}

function describeEntry(entry: Entry): string {
  switch (entry.kind) {
    case 'noop':
      return 'no-op';
    case 'config':
      return `config ${entry.voters.join(',')}`;
    case 'command':
      return describeOp(entry.command.op);
  }
}

export function raftMetrics(cluster: RaftCluster): Record<string, number> {
  const { world } = cluster;
  let okOps = 0;
  let ops = 0;
  for (const id of cluster.clients) {
    if (!world.isUp(id)) continue;
    const client = cluster.client(id);
    ops += client.completed.length;
    okOps += client.okCount;
  }
  const leader = cluster.leader();
  return {
    term: leader?.term ?? Math.max(0, ...cluster.liveServers().map((n) => n.term)),
    commitIndex: cluster.safety.commitIndex,
    elections: cluster.safety.elections,
    clientOps: ops,
    clientOpsOk: okOps,
    messages: world.stats.sent,
    messagesPerOp: okOps > 0 ? world.stats.sent / okOps : 0,
    dropped: world.stats.dropped,
  };
}

function serverDetail(cluster: RaftCluster, id: string): RaftServerDetail {
  const { world } = cluster;
  const up = world.isUp(id);
  if (!up) {
    return {
      id,
      up,
      paused: false,
      role: 'crashed',
      term: 0,
      votedFor: null,
      leader: null,
      electionProgress: 0,
      lastIndex: 0,
      commitIndex: 0,
      lastApplied: 0,
      snapshotIndex: 0,
      voters: [],
      entries: [],
      progress: {},
    };
  }
  const node = world.node<RaftNode>(id);
  const s = node.snapshot();
  const from = Math.max(node.log.snapshotIndex + 1, node.log.lastIndex - LOG_TAIL + 1);
  const entries = [];
  for (let i = from; i <= node.log.lastIndex; i++) {
    const entry = node.log.entry(i);
    entries.push({ index: i, term: entry.term, label: describeEntry(entry) });
  }
  return {
    id,
    up,
    paused: world.isPaused(id),
    role: s.role,
    term: s.term,
    votedFor: s.votedFor,
    leader: s.leader,
    electionProgress: node.electionProgress(),
    lastIndex: s.lastIndex,
    commitIndex: s.commitIndex,
    lastApplied: s.lastApplied,
    snapshotIndex: s.snapshotIndex,
    voters: s.voters,
    entries,
    progress: s.progress,
  };
}

function clientDetail(cluster: RaftCluster, id: string): RaftClientDetail {
  const up = cluster.world.isUp(id);
  const client = up ? cluster.client(id) : undefined;
  const inFlight = client?.inFlight;
  return {
    id,
    up,
    inFlight: inFlight ? describeOp(inFlight.op) : undefined,
    server: inFlight?.server,
    attempts: inFlight?.attempts ?? 0,
    done: client?.completed.length ?? 0,
    ok: client?.okCount ?? 0,
    retries: client?.retries ?? 0,
  };
}

/** Servers and clients as the lab's generic node cards. */
export function raftNodeCards(cluster: RaftCluster): LiveNodeView[] {
  const { world } = cluster;
  return [
    ...cluster.servers.map((id): LiveNodeView => {
      const s = serverDetail(cluster, id);
      return {
        id: s.id,
        up: s.up,
        paused: s.paused,
        ...(s.up ? { role: s.role } : {}),
        facts: s.up ? { term: s.term, commit: s.commitIndex, applied: s.lastApplied } : {},
      };
    }),
    ...cluster.clients.map((id): LiveNodeView => {
      const c = clientDetail(cluster, id);
      return {
        id: c.id,
        up: c.up,
        paused: c.up && world.isPaused(c.id),
        role: 'client',
        facts: { done: c.done, retries: c.retries },
      };
    }),
  ];
}

/** The Raft view's picture: every server's role, term, timer, log tail and progress, and the clients. */
export function raftDetail(cluster: RaftCluster): RaftLiveDetail {
  return {
    kind: 'raft',
    servers: cluster.servers.map((id) => serverDetail(cluster, id)),
    clients: cluster.clients.map((id) => clientDetail(cluster, id)),
  };
}
