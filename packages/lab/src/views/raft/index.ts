import type { LiveDetail, RaftLiveDetail } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { RaftView } from './RaftView';

function isRaftDetail(detail: LiveDetail): detail is RaftLiveDetail {
  const raft = detail as Partial<RaftLiveDetail>;
  return detail.kind === 'raft' && Array.isArray(raft.servers) && Array.isArray(raft.clients);
}

export const raftView: ViewEntry = { kind: 'raft', Live: checkedLiveView('raft', isRaftDetail, RaftView) };
