/**
 * The partitioned log's live detail, typed by the system itself. It crosses the worker boundary as plain
 * data typed `LiveDetail`; `isPlogDetail` checks the shape at run time before the view trusts it.
 */
import type { LiveDetail, PlogLiveDetail } from '@dslab/systems';

export type { PlogLiveDetail as PlogDetail } from '@dslab/systems';

export function isPlogDetail(detail: LiveDetail): detail is PlogLiveDetail {
  const d = detail as Partial<PlogLiveDetail>;
  return (
    detail.kind === 'plog' &&
    Array.isArray(d.partitions) &&
    Array.isArray(d.consumers) &&
    typeof d.group === 'object'
  );
}
