/**
 * The quorum store's live detail, typed by the system itself. It crosses the worker boundary as plain
 * data typed `LiveDetail`; `isQuorumDetail` checks the shape at run time before the view trusts it.
 */
import type { LiveDetail, QuorumLiveDetail as QuorumDetail } from '@dslab/systems';

export type {
  QuorumLiveDetail as QuorumDetail,
  QuorumKeyDetail as QuorumKeyView,
  QuorumReplicaDetail as QuorumReplicaView,
} from '@dslab/systems';

export function isQuorumDetail(detail: LiveDetail): detail is QuorumDetail {
  const d = detail as Partial<QuorumDetail>;
  return (
    detail.kind === 'quorum' &&
    typeof d.params === 'object' &&
    Array.isArray(d.nodes) &&
    Array.isArray(d.points) &&
    Array.isArray(d.keys) &&
    Array.isArray(d.hints) &&
    typeof d.hintCount === 'number'
  );
}
