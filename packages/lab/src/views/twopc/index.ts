import type { LiveDetail, TwoPcLiveDetail } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { TwoPcView } from './TwoPcView';

function isTwoPcDetail(detail: LiveDetail): detail is TwoPcLiveDetail {
  const d = detail as Partial<TwoPcLiveDetail>;
  return (
    detail.kind === 'twopc' &&
    typeof d.coordinator === 'object' &&
    d.coordinator !== null &&
    Array.isArray(d.participants) &&
    Array.isArray(d.group) &&
    Array.isArray(d.recent) &&
    typeof d.longestInDoubtMs === 'number'
  );
}

export const twoPcView: ViewEntry = {
  kind: 'twopc',
  Live: checkedLiveView('twopc', isTwoPcDetail, TwoPcView),
};
