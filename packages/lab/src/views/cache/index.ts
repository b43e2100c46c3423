import type { LiveDetail, caching } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { CacheView } from './CacheView';
import { StampedeExplorer } from './StampedeExplorer';

function isCacheDetail(detail: LiveDetail): detail is caching.CacheLiveDetail {
  const d = detail as Partial<caching.CacheLiveDetail>;
  return (
    detail.kind === 'cache' && Array.isArray(d.reads) && Array.isArray(d.refused) && typeof d.now === 'number'
  );
}

export const cacheView: ViewEntry = {
  kind: 'cache',
  Live: checkedLiveView('cache', isCacheDetail, CacheView),
  Explorer: StampedeExplorer,
};
