import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { ClocksView } from './ClocksView';
import { isClocksDetail } from './detail';

export const clocksView: ViewEntry = {
  kind: 'clocks',
  Live: checkedLiveView('clocks', isClocksDetail, ClocksView),
};
