import type { LiveDetail, resilience } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { ResilienceView } from './ResilienceView';

function isResilienceDetail(detail: LiveDetail): detail is resilience.ResilienceLiveDetail {
  const d = detail as Partial<resilience.ResilienceLiveDetail>;
  return (
    detail.kind === 'resilience' &&
    Array.isArray(d.nodes) &&
    Array.isArray(d.edges) &&
    Array.isArray(d.occupancy) &&
    typeof d.amplification === 'number'
  );
}

export const resilienceView: ViewEntry = {
  kind: 'resilience',
  Live: checkedLiveView('resilience', isResilienceDetail, ResilienceView),
};
