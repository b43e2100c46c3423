import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { isSagasDetail } from './detail';
import { SagasView } from './SagasView';

export const sagasView: ViewEntry = {
  kind: 'sagas',
  Live: checkedLiveView('sagas', isSagasDetail, SagasView),
};
