import type { LiveDetail, OutboxLiveDetail } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { OutboxView } from './OutboxView';

function isOutboxDetail(detail: LiveDetail): detail is OutboxLiveDetail {
  const d = detail as Partial<OutboxLiveDetail>;
  return (
    detail.kind === 'outbox' &&
    Array.isArray(d.rows) &&
    Array.isArray(d.recent) &&
    typeof d.totals === 'object'
  );
}

export const outboxView: ViewEntry = {
  kind: 'outbox',
  Live: checkedLiveView('outbox', isOutboxDetail, OutboxView),
};
