import type { LiveDetail, rateLimiting } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { RateLimitView } from './RateLimitView';

function isRateDetail(detail: LiveDetail): detail is rateLimiting.RateLiveDetail {
  const d = detail as Partial<rateLimiting.RateLiveDetail>;
  return (
    detail.kind === 'ratelimit' &&
    Array.isArray(d.levels) &&
    Array.isArray(d.history) &&
    Array.isArray(d.answers)
  );
}

export const rateLimitView: ViewEntry = {
  kind: 'ratelimit',
  Live: checkedLiveView('ratelimit', isRateDetail, RateLimitView),
};
