/** What a view registered for a view kind may give the lab: a picture of a live run, an explorer, or both. */
import type { ComponentType } from 'react';
import type { LiveDetail } from '@dslab/systems';

export interface LiveViewProps {
  /** The run's `view().detail`; a view checks `detail.kind` before it trusts the rest of the shape. */
  readonly detail: LiveDetail;
}

export interface ViewEntry {
  /** The view kind a system declares in its definition (`SystemDefinition.view`). */
  readonly kind: string;
  /** Draws a live run's detail of this kind in place of the generic node cards. */
  readonly Live?: ComponentType<LiveViewProps>;
  /** An interactive explorer of the system's data structure, drawn above its scenarios. */
  readonly Explorer?: ComponentType;
}
