import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { isMvccDetail } from './detail';
import { MvccExplorer } from './MvccExplorer';
import { MvccLive } from './MvccLive';

export const mvccView: ViewEntry = {
  kind: 'mvcc',
  Live: checkedLiveView('mvcc', isMvccDetail, MvccLive),
  Explorer: MvccExplorer,
};
