import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { isQuorumDetail } from './detail';
import { QuorumView } from './QuorumView';
import { CapSplitView } from './CapSplitView';

export const quorumView: ViewEntry = {
  kind: 'quorum',
  Live: checkedLiveView('quorum', isQuorumDetail, QuorumView),
  Explorer: CapSplitView,
};
