/**
 * The replication system's live detail, typed by the system itself. It crosses the worker boundary as
 * plain data typed `LiveDetail`; `isReplicationDetail` checks the shape at run time before the view trusts it.
 */
import type { LiveDetail, ReplicationLiveDetail } from '@dslab/systems';

export type {
  ReplicationLiveDetail as ReplicationDetail,
  ReplicationNodeDetail as ReplicationNodeView,
  ReplicationReadDetail as ReplicationReadView,
} from '@dslab/systems';

export function isReplicationDetail(detail: LiveDetail): detail is ReplicationLiveDetail {
  const d = detail as Partial<ReplicationLiveDetail>;
  return (
    detail.kind === 'replication' &&
    Array.isArray(d.nodes) &&
    Array.isArray(d.reads) &&
    Array.isArray(d.failovers) &&
    typeof d.timeline === 'number' &&
    typeof d.sync === 'string'
  );
}
