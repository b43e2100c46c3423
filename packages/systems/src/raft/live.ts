/** What the lab sees of a running Raft cluster: node cards, the Raft view's detail, and checks on demand. */
import { checkLinearizable, kvModel } from '@dslab/check';
import type { LiveNodeView, LiveRun } from '../contract';
import type { RaftClientDetail, RaftServerDetail } from './view-detail';
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

export function raftLive(cluster: RaftCluster): LiveRun {
  const { world } = cluster;
  return {
    world,
    view() {
      const servers = cluster.servers.map((id) => serverDetail(cluster, id));
      const clients = cluster.clients.map((id) => clientDetail(cluster, id));
      const nodes: LiveNodeView[] = [
        ...servers.map((s): LiveNodeView => ({
          id: s.id,
          up: s.up,
          paused: s.paused,
          ...(s.up ? { role: s.role } : {}),
          facts: s.up ? { term: s.term, commit: s.commitIndex, applied: s.lastApplied } : {},
        })),
        ...clients.map((c): LiveNodeView => ({
          id: c.id,
          up: c.up,
          paused: c.up && world.isPaused(c.id),
          role: 'client',
          facts: { done: c.done, retries: c.retries },
        })),
      ];
      return {
        nodes,
        metrics: raftMetrics(cluster),
        checks: { 'raft safety': cluster.safety.report() },
        detail: { kind: 'raft', servers, clients },
      };
    },
    check() {
      const history = cluster.recorder.history();
      const result = checkLinearizable(history, kvModel(null), { maxStates: 500_000 });
      let linearizable: string | undefined;
      const highlights: { node: string; from: number; to: number; label: string }[] = [];
      if (result.verdict === 'unknown') {
        linearizable = `undecided after ${result.parts.reduce((n, p) => n + p.states, 0)} states`;
      }
      if (result.verdict === 'not-linearizable') {
        const part = result.parts.find((p) => p.verdict === 'not-linearizable');
        const stuck = part?.stuckOperation !== undefined ? history[part.stuckOperation] : undefined;
        if (stuck) {
          const label = `${stuck.f} ${JSON.stringify(stuck.input)} → ${JSON.stringify(stuck.output)}`;
          linearizable = `not linearizable: no order explains ${stuck.process} ${label} (${stuck.call.toFixed(1)}–${stuck.ret.toFixed(1)} ms, highlighted)`;
          // The lane is the client node; a process renamed after an unknown outcome is `c1.2`.
          highlights.push({
            node: stuck.process.split('.')[0] as string,
            from: stuck.call,
            to: Number.isFinite(stuck.ret) ? stuck.ret : stuck.call,
            label,
          });
        } else linearizable = 'not linearizable';
      }
      return {
        verdicts: {
          [`linearizable (${history.length} operations)`]: linearizable,
          'raft safety': cluster.safety.report(),
        },
        highlights,
      };
    },
  };
}
