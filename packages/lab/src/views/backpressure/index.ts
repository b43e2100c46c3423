import type { BackpressureLiveDetail, LiveDetail } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { BackpressureView } from './BackpressureView';

function isBackpressureDetail(detail: LiveDetail): detail is BackpressureLiveDetail {
  const d = detail as Partial<BackpressureLiveDetail>;
  return (
    detail.kind === 'backpressure' &&
    Array.isArray(d.bins) &&
    typeof d.now === 'number' &&
    typeof d.capacityPerSecond === 'number'
  );
}

export const backpressureView: ViewEntry = {
  kind: 'backpressure',
  Live: checkedLiveView('backpressure', isBackpressureDetail, BackpressureView),
};
