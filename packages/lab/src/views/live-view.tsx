import type { ComponentType } from 'react';
import type { LiveDetail } from '@dslab/systems';
import type { LiveViewProps } from './types';

/**
 * A live view that draws only details of its own kind: the detail crosses the worker boundary as plain
 * data typed `LiveDetail`, so the kind (and whatever shape check `isDetail` makes) is verified at run
 * time; anything else gets a clear message instead of a crash deep inside the drawing.
 */
export function checkedLiveView<D extends LiveDetail>(
  kind: string,
  isDetail: (detail: LiveDetail) => detail is D,
  Draw: ComponentType<{ readonly detail: D }>,
): ComponentType<LiveViewProps> {
  function CheckedLiveView({ detail }: LiveViewProps) {
    if (detail.kind !== kind || !isDetail(detail))
      return (
        <p className="invalid" role="alert" data-testid="view-mismatch">
          The {kind} view cannot draw this run: its detail is of kind &lsquo;{detail.kind}&rsquo;
          {detail.kind === kind ? ' but not of the expected shape' : ''}.
        </p>
      );
    return <Draw detail={detail} />;
  }
  CheckedLiveView.displayName = `LiveView(${kind})`;
  return CheckedLiveView;
}
