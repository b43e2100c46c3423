import type { LiveDetail, leases } from '@dslab/systems';
import { checkedLiveView } from '../live-view';
import type { ViewEntry } from '../types';
import { LeasesView } from './LeasesView';

function isLeasesDetail(detail: LiveDetail): detail is leases.LeasesLiveDetail {
  const d = detail as Partial<leases.LeasesLiveDetail>;
  return (
    detail.kind === 'leases' &&
    Array.isArray(d.clients) &&
    Array.isArray(d.writes) &&
    Array.isArray(d.incidents) &&
    d.storage !== undefined
  );
}

export const leasesView: ViewEntry = {
  kind: 'leases',
  Live: checkedLiveView('leases', isLeasesDetail, LeasesView),
};
