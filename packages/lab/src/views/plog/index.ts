import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { isPlogDetail } from './detail';
import { PlogView } from './PlogView';

export const plogView: ViewEntry = {
  kind: 'plog',
  Live: checkedLiveView('plog', isPlogDetail, PlogView),
};
