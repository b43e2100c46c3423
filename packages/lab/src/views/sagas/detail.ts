/**
 * The sagas system's live detail, typed by the system itself. It crosses the worker boundary as plain
 * data typed `LiveDetail`; `isSagasDetail` checks the shape at run time before the view trusts it.
 */
import type { LiveDetail, SagaLiveDetail } from '@dslab/systems';

export type { SagaLiveDetail, SagaDetail, SagaStepDetail, SagaServiceDetail } from '@dslab/systems';

export function isSagasDetail(detail: LiveDetail): detail is SagaLiveDetail {
  const d = detail as Partial<SagaLiveDetail>;
  return (
    detail.kind === 'sagas' &&
    typeof d.now === 'number' &&
    typeof d.mode === 'string' &&
    Array.isArray(d.sagas) &&
    d.sagas.every((s) => typeof s?.saga === 'string' && Array.isArray(s.steps) && Array.isArray(s.applied)) &&
    Array.isArray(d.services) &&
    d.services.every((s) => typeof s?.id === 'string' && typeof s.held === 'number') &&
    typeof d.problems === 'object' &&
    d.problems !== null
  );
}
