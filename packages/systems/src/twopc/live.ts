/** The live picture of a 2PC world: node cards, metrics and the view's detail. */
import type { LiveNodeView } from '../contract';
import type { RaftNode } from '../raft/node';
import type { TwoPcCluster } from './cluster';
import type { TwoPcLiveDetail, TwoPcParticipantDetail } from './view-detail';

/** How many recent transactions the view lists. */
const RECENT = 8;

export function twoPcMetrics(cluster: TwoPcCluster): Record<string, number> {
  const { observer } = cluster;
  let committed = 0;
  let aborted = 0;
  for (const record of observer.txs.values()) {
    if (record.answer === 'commit') committed++;
    else if (record.answer === 'abort') aborted++;
  }
  let longest = 0;
  const inDoubt = observer.inDoubt();
  for (const d of inDoubt) longest = Math.max(longest, d.sinceMs);
  let locks = 0;
  for (const id of cluster.participants) locks += cluster.participantNode(id)?.lockCount ?? 0;
  return {
    transactions: observer.txs.size,
    committed,
    aborted,
    'in doubt now': inDoubt.length,
    'longest in doubt (ms)': Math.round(longest),
    'rows locked': locks,
    split: observer.split.size,
    messages: cluster.world.stats.sent,
  };
}

export function twoPcNodeCards(cluster: TwoPcCluster): LiveNodeView[] {
  const { world } = cluster;
  const cards: LiveNodeView[] = [];
  const co = cluster.coordinatorNode();
  cards.push(
    co
      ? {
          id: cluster.coordinator,
          up: true,
          paused: world.isPaused(cluster.coordinator),
          role: 'coordinator',
          facts: (() => {
            const s = co.snapshot();
            return { epoch: s.epoch, active: s.active.length, committed: s.committed, aborted: s.aborted };
          })(),
        }
      : { id: cluster.coordinator, up: false, paused: false, role: 'crashed', facts: {} },
  );
  for (const id of cluster.participants) {
    const p = cluster.participantNode(id);
    if (!p) {
      cards.push({ id, up: false, paused: false, role: 'crashed', facts: {} });
      continue;
    }
    const s = p.snapshot();
    cards.push({
      id,
      up: true,
      paused: world.isPaused(id),
      role: s.inDoubt.length > 0 ? 'in doubt' : 'participant',
      facts: {
        locks: s.locks.length,
        'in doubt': s.inDoubt.length,
        committed: s.committed,
        aborted: s.aborted,
      },
    });
  }
  for (const id of cluster.group) {
    const up = world.isUp(id);
    const node = up ? world.node<RaftNode>(id) : undefined;
    cards.push({
      id,
      up,
      paused: up && world.isPaused(id),
      role: node ? node.role : 'crashed',
      facts: node ? { term: node.term } : {},
    });
  }
  return cards;
}

export function twoPcDetail(cluster: TwoPcCluster): TwoPcLiveDetail {
  const { world, observer } = cluster;
  const co = cluster.coordinatorNode()?.snapshot();
  const since = new Map<string, number>();
  for (const d of observer.inDoubt()) since.set(`${d.participant} ${d.tx}`, d.sinceMs);
  const participants: TwoPcParticipantDetail[] = cluster.participants.map((id) => {
    const s = cluster.participantNode(id)?.snapshot();
    if (!s) return { id, up: false, committed: 0, aborted: 0, refused: 0, locks: [], inDoubt: [] };
    return {
      id,
      up: true,
      committed: s.committed,
      aborted: s.aborted,
      refused: s.refused,
      locks: s.locks,
      inDoubt: s.inDoubt.map((d) => ({ ...d, sinceMs: since.get(`${id} ${d.tx}`) ?? 0 })),
    };
  });
  const recent: TwoPcLiveDetail['recent'][number][] = [];
  // The observer's map keeps insertion order: walk it once and keep the tail.
  for (const record of observer.txs.values()) {
    const at: Record<string, string> = {};
    for (const [p, r] of record.at) at[p] = r.outcome ?? (r.preparedAt !== undefined ? 'prepared' : '—');
    recent.push({ tx: record.tx, answer: record.answer ?? '…', at });
    if (recent.length > RECENT) recent.shift();
  }
  let longest = 0;
  for (const ms of since.values()) longest = Math.max(longest, ms);
  return {
    kind: 'twopc',
    protocol: cluster.params.protocol,
    decisions: cluster.params.decisions,
    coordinator: co
      ? {
          id: cluster.coordinator,
          up: true,
          epoch: co.epoch,
          committed: co.committed,
          aborted: co.aborted,
          logRecords: co.logRecords,
          active: co.active,
        }
      : {
          id: cluster.coordinator,
          up: false,
          epoch: 0,
          committed: 0,
          aborted: 0,
          logRecords: 0,
          active: [],
        },
    participants,
    group: cluster.group.map((id) => {
      const up = world.isUp(id);
      return { id, up, role: up ? world.node<RaftNode>(id).role : 'crashed' };
    }),
    recent,
    longestInDoubtMs: longest,
    split: observer.split.size,
  };
}
