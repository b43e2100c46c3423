import type { ComponentType } from 'react';
import type { SystemDefinition } from '@dslab/systems';
import { systemLink } from '../../route';
import type { Command } from '../../live/session';
import type { LiveViewProps } from '../../views/types';
import { useLiveRun, usePlayKeys } from './useLiveRun';
import { TimeBar } from './TimeBar';
import { FaultBar } from './FaultBar';
import { PartitionBuilder } from './PartitionBuilder';
import { NodeList } from './NodeList';
import { MetricsStrip } from './MetricsStrip';
import { CheckerPanel } from './CheckerPanel';
import { MessageTimeline } from './MessageTimeline';

interface Props {
  readonly system: SystemDefinition<unknown>;
  /** The picture the system's view kind registers (loaded with the page), else the generic node cards. */
  readonly picture?: ComponentType<LiveViewProps> | undefined;
  readonly params: Record<string, unknown>;
  readonly seed: number;
  readonly faults: readonly Command[];
  readonly at: number;
}

/**
 * The live run, driven through the worker: the time bar, then the picture of the system (the view its
 * view kind registers, else the generic node cards) and its messages over time, then the faults that act
 * on it, its metrics and the checker.
 */
export function LivePanel({ system, picture: Picture, params, seed, faults, at }: Props) {
  const run = useLiveRun({ system: system.id, params, seed, faults, at });
  usePlayKeys(run);
  const { snapshot } = run;
  const nodes = snapshot?.state.view.nodes ?? [];
  const detail = snapshot?.state.view.detail;
  const link = () =>
    snapshot && systemLink(system.id, seed, params, { faults: snapshot.commands, at: run.time });

  return (
    <div className="live" data-testid="live" data-pending={run.pending} aria-busy={run.pending > 0}>
      <TimeBar run={run} link={link} />
      {run.error && (
        <p className="invalid" role="alert">
          {run.error}
        </p>
      )}
      {snapshot?.state.violation && (
        <p className="invalid" role="alert" data-testid="violation">
          Violation: {snapshot.state.violation}
        </p>
      )}
      {snapshot && (
        <>
          {Picture && detail ? <Picture detail={detail} /> : <NodeList nodes={nodes} />}
          <MessageTimeline
            window={snapshot.window}
            nodeIds={snapshot.nodeIds}
            highlights={run.checked?.highlights ?? []}
          />
        </>
      )}
      <FaultBar nodes={nodes} apply={run.apply} />
      <PartitionBuilder nodes={nodes} apply={run.apply} />
      {snapshot && (
        <>
          <MetricsStrip metrics={snapshot.state.view.metrics} time={run.time} />
          <CheckerPanel
            checks={snapshot.state.view.checks}
            checkable={snapshot.checkable}
            checked={run.checked?.verdicts}
            checkedAt={run.checkedAt}
            onCheck={run.check}
            highlights={run.checked?.highlights ?? []}
            onShow={run.seek}
          />
          <p className="muted">
            Trace <code data-testid="live-hash">{snapshot.state.traceHash}</code> ·{' '}
            {snapshot.state.events.toLocaleString('en-US')} events · {snapshot.commands.length} faults applied
            {snapshot.droppedEvents > 0
              ? ` · ${snapshot.droppedEvents.toLocaleString('en-US')} oldest events no longer drawn`
              : ''}
          </p>
        </>
      )}
    </div>
  );
}
