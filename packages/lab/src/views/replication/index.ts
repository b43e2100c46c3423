import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { isReplicationDetail } from './detail';
import { ReplicationView } from './ReplicationView';

export const replicationView: ViewEntry = {
  kind: 'replication',
  Live: checkedLiveView('replication', isReplicationDetail, ReplicationView),
};
